import * as m0 from '../workers/worker';
export const used = [m0];
