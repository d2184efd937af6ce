// Which batch a request may reach: the caller's own, or anyone's for an admin; any other id answers 404.
import type { Kysely } from 'kysely';
import { readBatchStatus } from '../db/batch-queries';
import { getBatch } from '../db/batches';
import type { Batch, Database } from '../db/schema';
import { ApiError, ApiErrorCode } from './errors';
import type { AuthUser } from './http';

/** Whose batches the caller may see: its own, or everyone's (undefined) for an admin. */
const ownerScope = (user: AuthUser): string | undefined => (user.role === 'admin' ? undefined : user.id);

const noSuchBatch = () => new ApiError(404, ApiErrorCode.notFound, 'no such batch');

/** The batch as the caller may see it (members get 404 on others'), or 404 `not_found`. */
export async function callerBatch(db: Kysely<Database>, id: string, user: AuthUser): Promise<Batch> {
  const batch = await getBatch(db, id, ownerScope(user));
  if (!batch) throw noSuchBatch();
  return batch;
}

/** {@link callerBatch} with what its status shows, in one statement (see `readBatchStatus`). */
export async function callerBatchStatus(db: Kysely<Database>, id: string, user: AuthUser): Promise<NonNullable<Awaited<ReturnType<typeof readBatchStatus>>>> {
  const read = await readBatchStatus(db, id, ownerScope(user));
  if (!read) throw noSuchBatch();
  return read;
}
