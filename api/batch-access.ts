// Which batch a request may reach: the caller's own, or anyone's for an admin; any other id answers 404.
import type { Kysely } from 'kysely';
import { getBatch } from '../db/batches';
import type { Batch, Database } from '../db/schema';
import { ApiError, ApiErrorCode } from './errors';
import type { AuthUser } from './http';

/** The batch as the caller may see it (members get 404 on others'), or 404 `not_found`. */
export async function callerBatch(db: Kysely<Database>, id: string, user: AuthUser): Promise<Batch> {
  const batch = await getBatch(db, id, user.role === 'admin' ? undefined : user.id);
  if (!batch) throw new ApiError(404, ApiErrorCode.notFound, 'no such batch');
  return batch;
}
