import * as m0 from '../scripts/bench-batch';
export const used = [m0];
