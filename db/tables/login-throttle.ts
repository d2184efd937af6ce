// The `login_throttle` table: login attempts counted per (email, client) and per client, before passwords are checked.
import type { Generated } from 'kysely';

export interface LoginThrottleTable {
  key: string;
  attempts: number;
  next_allowed_at: Date;
  updated_at: Generated<Date>;
}
