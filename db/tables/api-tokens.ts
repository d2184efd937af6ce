// The `api_tokens` table: a bearer token of a user, stored as its hash (a login's session, or a personal API token).
import type { Selectable } from 'kysely';
import type { TokenKind } from '../../domain/accounts';
import type { CreatedAt } from './columns';

export interface ApiTokenTable {
  id: string;
  user_id: string;
  kind: TokenKind;
  name: string;
  /** SHA-256 (hex) of the token; the token itself is shown once and never stored. */
  token_hash: string;
  /** First characters of the token, to tell tokens apart in lists. */
  prefix: string;
  created_at: CreatedAt;
  last_used_at: Date | null;
  expires_at: Date | null;
  revoked_at: Date | null;
}

export type ApiToken = Selectable<ApiTokenTable>;
