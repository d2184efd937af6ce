import * as m0 from '../workflows/batch';
import * as m1 from '../simulators/server';
export const used = [m0, m1];
