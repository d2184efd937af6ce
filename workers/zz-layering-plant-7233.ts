import * as m0 from '../stack/stack';
export const used = [m0];
