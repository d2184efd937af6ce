import * as m0 from '../activities/outputs';
export const used = [m0];
