import * as m0 from '../api/errors';
import * as m1 from '../test/support/stack';
export const used = [m0, m1];
