// Expiring links to outputs: S3 presigned GET URLs when outputs are in S3, and for the local folder an
// HMAC-signed URL that this API serves itself (GET /api/files), checked for key, expiry and signature.
import { randomBytes } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { S3Storage, type ObjectStorage } from '../adapters/storage';
import { contentTypeOf } from '../domain/content-types';
import { hmacHex, sameSignature } from '../domain/credentials';

/** How long links live. @default 15 minutes */
export const LINK_TTL_SECONDS = 15 * 60;

/** A link to one stored object that stops working at `expiresAt`. */
export interface SignedLink {
  url: string;
  expiresAt: Date;
}


export class LinkSigner {
  private readonly secret: string;
  constructor(
    private readonly storage: ObjectStorage,
    secret?: string,
    private readonly ttlSeconds = LINK_TTL_SECONDS,
  ) {
    this.secret = secret ?? randomBytes(32).toString('hex');
  }

  private signature(key: string, expires: number): string {
    return hmacHex(this.secret, `${key}\n${expires}`);
  }

  /** A link to `key`; `apiBase` (scheme://host) is where local-folder links point. */
  async link(key: string, apiBase: string, now = Date.now()): Promise<SignedLink> {
    const expires = Math.floor(now / 1000) + this.ttlSeconds;
    if (this.storage instanceof S3Storage) {
      const command = new GetObjectCommand({ Bucket: this.storage.options.bucket, Key: key, ResponseContentType: contentTypeOf(key) });
      const url = await getSignedUrl(this.storage.client, command, { expiresIn: this.ttlSeconds });
      return { url, expiresAt: new Date(expires * 1000) };
    }
    const q = new URLSearchParams({ key, expires: String(expires), signature: this.signature(key, expires) });
    return { url: `${apiBase}/api/files?${q.toString()}`, expiresAt: new Date(expires * 1000) };
  }

  /** Whether a local link's parts are authentic and unexpired. */
  verify(key: string, expires: number, signature: string, now = Date.now()): boolean {
    return expires * 1000 > now && sameSignature(this.signature(key, expires), signature);
  }
}
