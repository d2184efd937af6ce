// The `paid_leases` table: who may make (and store) one paid call right now; a store must name the current token.
import type { CreatedAt } from './columns';

export interface PaidLeaseTable {
  key: string;
  owner: string;
  token: number;
  expires_at: Date;
  acquired_at: CreatedAt;
}
