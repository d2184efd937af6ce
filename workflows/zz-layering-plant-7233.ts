import * as m0 from '../activities';
import * as m1 from '../domain/preview';
import * as m2 from 'kysely';
export const used = [m0, m1, m2];
