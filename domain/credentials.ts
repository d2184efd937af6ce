// Secrets without I/O: scrypt password hashes, bearer tokens stored as hashes, HMAC signatures.
import { createHash, createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));

/** scrypt cost parameters (N=2^15, r=8, p=1: about 32 MiB and tens of milliseconds per hash). */
const COST = { N: 32768, r: 8, p: 1 } as const;
const KEY_BYTES = 32;

/** Hashes a password as `scrypt$N$r$p$salt$hash` (base64url), with a fresh random salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_BYTES, { ...COST, maxmem: 128 * COST.N * COST.r * 2 });
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Checks a password against a stored hash in constant time; false for any malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64url');
  const N = Number(n);
  const key = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, { N, r: Number(r), p: Number(p), maxmem: 128 * N * Number(r) * 2 });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash to compare against when the email is unknown, so a miss costs as much time as a wrong password. */
export const DUMMY_PASSWORD_HASH = `scrypt$${COST.N}$${COST.r}$${COST.p}$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(KEY_BYTES).toString('base64url')}`;

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
