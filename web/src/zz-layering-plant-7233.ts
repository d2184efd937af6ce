import * as m0 from '../../adapters/logger';
export const used = [m0];
