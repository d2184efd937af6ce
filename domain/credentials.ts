// Secrets without I/O: Argon2id password hashes (scrypt ones still verify), bearer tokens stored as hashes, HMAC signatures.
import * as argon2 from '@node-rs/argon2';
import { createHash, createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));

/**
 * Argon2id with OWASP's first recommended setting (19 MiB, 2 passes, 1 lane). `Algorithm` is a const
 * enum the module does not export at run time: 2 is Argon2id.
 */
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

/** Hashes a password as an Argon2id PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), with a fresh salt. */
export async function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, ARGON2);
}

/**
 * Checks a password against a stored hash: Argon2id, or the scrypt hashes (`scrypt$N$r$p$salt$hash`)
 * of earlier versions. False for any malformed hash.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (stored.startsWith('$argon2')) return argon2.verify(stored, password).catch(() => false);
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64url');
  const N = Number(n);
  const key = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, { N, r: Number(r), p: Number(p), maxmem: 128 * N * Number(r) * 2 });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Whether a stored hash is older than today's setting and should be replaced at the next successful login. */
export function needsRehash(stored: string): boolean {
  if (!stored.startsWith('$argon2id$')) return true;
  try {
    const o = argon2.parseOptions(stored);
    return o.memoryCost < ARGON2.memoryCost || o.timeCost < ARGON2.timeCost;
  } catch {
    return true;
  }
}

/** A hash to compare against when the email is unknown, so a miss costs as much time as a wrong password. */
export const DUMMY_PASSWORD_HASH = argon2.hashSync('no account has this password', { ...ARGON2, salt: Buffer.alloc(16) });

/** Prefix of every bearer token, so leaked tokens are easy to recognise (and to scan for). */
export const TOKEN_PREFIX = 'bolt_';

/** A new random bearer token (256 bits). */
export function newToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** What is stored for a token: its SHA-256, hex. A token has enough entropy that no salt or slow hash is needed. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A random password for the first admin: 24 characters, URL-safe. */
export function newPassword(): string {
  return randomBytes(18).toString('base64url');
}

/** HMAC-SHA256 of `message` with `secret`, hex. */
export function hmacHex(secret: string | Buffer, message: string): string {
  return createHmac('sha256', secret).update(message, 'utf8').digest('hex');
}

/** Compares two hex signatures in constant time. */
export function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Shows a secret's first characters only: `bolt_AbCd…`. */
export function mask(secret: string, visible = 9): string {
  return `${secret.slice(0, visible)}…`;
}
