// Encryption of API keys at rest: AES-256-GCM under a 32-byte master key, bound to the key's row id,
// plus the helpers that let keys be matched and shown without their plaintext. Computation only, no I/O.
import { createCipheriv, createDecipheriv, createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';

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
/** The context a webhook secret is sealed under: its owner and URL, so it opens for that webhook only. */
export const webhookSecretContext = (userId: string, url: string): string => `webhook:${userId}:${url}`;

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

// ---- sealing to a public key (webhook secrets) ----
// The API seals webhook secrets without holding the master key: it encrypts to an X25519 public key that
// workers derive from the master key and publish; only a process with the master key can open them.

const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

/** The X25519 key pair derived from a master key; the public half (32 bytes) may be published. */
export function sealingKeyPair(master: MasterKey): { privateKey: KeyObject; publicKey: Buffer; keyId: string } {
  const seed = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'bolt-webhook-sealing-key', 32));
  const privateKey = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(X25519_SPKI_PREFIX.length);
  return { privateKey, publicKey, keyId: masterKeyId(master) };
}

const publicKeyObject = (raw: Buffer): KeyObject => createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });

function sharedKey(privateKey: KeyObject, publicKey: KeyObject, ephemeral: Buffer, recipient: Buffer): Buffer {
  const shared = diffieHellman({ privateKey, publicKey });
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephemeral, recipient]), 'bolt-webhook-secret', 32));
}

/** Encrypts `plaintext` to a published public key: ephemeral X25519, HKDF-SHA256, AES-256-GCM bound to `context`. */
export function sealToPublicKey(recipient: Buffer, plaintext: string, context: string): Buffer {
  const eph = generateKeyPairSync('x25519');
  const ephRaw = eph.publicKey.export({ format: 'der', type: 'spki' }).subarray(X25519_SPKI_PREFIX.length);
  const key = sharedKey(eph.privateKey, publicKeyObject(recipient), ephRaw, recipient);
  return Buffer.concat([ephRaw, sealSecret(key, plaintext, context)]);
}

/** Opens what {@link sealToPublicKey} sealed to this master key's public key. */
export function openWithMasterKey(master: MasterKey, sealed: Buffer, context: string): string {
  if (sealed.length < 32) throw new SecretError('the stored secret is too short to be one');
  const { privateKey, publicKey } = sealingKeyPair(master);
  const ephRaw = sealed.subarray(0, 32);
  return openSecret(sharedKey(privateKey, publicKeyObject(ephRaw), ephRaw, publicKey), sealed.subarray(32), context);
}
