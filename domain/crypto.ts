// Encryption of API keys at rest: AES-256-GCM under a 32-byte master key, bound to the key's row id,
// plus the helpers that let keys be matched and shown without their plaintext. Computation only, no I/O.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A master key: 32 random bytes. */
export type MasterKey = Buffer;

/** Thrown when a secret cannot be opened: wrong master key, or tampered bytes. */
export class SecretError extends Error {
  override readonly name = 'SecretError';
}

/** A new random master key. */
export const generateMasterKey = (): MasterKey => randomBytes(32);

/**
 * Reads a master key written as 64 hex characters or as base64 of 32 bytes; throws with a message
 * that never repeats the input.
 */
export function parseMasterKey(text: string): MasterKey {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(t) ? Buffer.from(t, 'base64') : undefined;
  if (!key || key.length !== 32) throw new SecretError('a master key must be 32 bytes, written as 64 hex characters or base64');
  return key;
}

/** How a master key is written to a file or an environment variable. */
export const formatMasterKey = (key: MasterKey): string => key.toString('base64');

/** A short public name of a master key, stored next to each secret so a wrong master key is named, not guessed. */
export const masterKeyId = (key: MasterKey): string => createHash('sha256').update('bolt-master-key-id').update(key).digest('hex').slice(0, 16);

/** Encrypts `plaintext`; `context` (the row id) is authenticated, so a secret moved to another row does not open. */
export function sealSecret(key: MasterKey, plaintext: string, context: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

/** Decrypts what {@link sealSecret} made with the same key and context. */
export function openSecret(key: MasterKey, sealed: Buffer, context: string): string {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new SecretError('the stored secret is too short to be one');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretError('the stored secret does not open with this master key (wrong key or altered data)');
  }
}

/** A keyed digest of an API key, to find duplicates without storing or comparing plaintext. */
export const secretLookup = (key: MasterKey, plaintext: string): string => createHmac('sha256', key).update(plaintext, 'utf8').digest('hex');

/** The last four characters, the only part of a key ever shown. */
export const lastFour = (plaintext: string): string => plaintext.slice(-4);

/** How a key is shown: `…abcd`. */
export const maskKey = (last4: string): string => `…${last4}`;

/** Replaces every occurrence of `secret` in `text` by its mask, for messages that may quote a request URL. */
export function scrubSecret(text: string, secret: string): string {
  if (!secret) return text;
  return text.split(secret).join(maskKey(lastFour(secret)));
}
