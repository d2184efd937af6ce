// The `users` table: one account; admins also manage users and the key pool.
import type { ColumnType, Selectable } from 'kysely';
import type { UserRole } from '../../domain/accounts';
import type { CreatedAt, UpdatedAt } from './columns';

export interface UserTable {
  id: string;
  /** Stored lower-cased, so logins are case-insensitive. */
  email: string;
  /** `scrypt$N$r$p$salt$hash`, never the password. */
  password_hash: string;
  role: UserRole;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  /** Set when an admin deleted the user: the row stays for the records, logins and tokens stop. */
  deleted_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export type User = Selectable<UserTable>;
