import * as m0 from 'node:fs';
import * as m1 from 'kysely';
import * as m2 from '../db/connection';
export const used = [m0, m1, m2];
