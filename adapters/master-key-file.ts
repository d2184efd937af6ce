// The master key on disk: read from BOLT_MASTER_KEY or `<dataDir>/master.key` (created 0600 on first use),
// plus the `master.key.next` a rotation stages, and the lookup of the key that sealed a given secret.
import fs from 'node:fs';
import path from 'node:path';
import { formatMasterKey, generateMasterKey, masterKeyId, parseMasterKey, type MasterKey } from '../domain/crypto';

/** The master key in use, plus any other one found (a rotation interrupted before its last step). */
export interface MasterKeyRing {
  current: MasterKey;
  others: MasterKey[];
  source: 'environment' | 'file';
  file?: string;
}

/** Where the embedded default keeps its master key, and where a rotation stages the next one. */
export const masterKeyFile = (dataDir: string) => path.join(dataDir, 'master.key');
export const nextMasterKeyFile = (dataDir: string) => path.join(dataDir, 'master.key.next');

/** Writes a master key file readable by its owner only. */
export function writeMasterKeyFile(file: string, key: MasterKey): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${formatMasterKey(key)}\n`, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

function readKeyFile(file: string): MasterKey | undefined {
  if (!fs.existsSync(file)) return undefined;
  const mode = fs.statSync(file).mode & 0o777;
  if (mode & 0o077) fs.chmodSync(file, 0o600);
  return parseMasterKey(fs.readFileSync(file, 'utf8'));
}

/**
 * The master key: `BOLT_MASTER_KEY` when set, else `<dataDir>/master.key`, generated (0600) on first
 * use when `create` is true. A `master.key.next` left by an interrupted rotation is kept as a second key.
 */
export function resolveMasterKey(o: { configured?: MasterKey; dataDir: string; create: boolean }): MasterKeyRing {
  const next = readKeyFile(nextMasterKeyFile(o.dataDir));
  if (o.configured) return { current: o.configured, others: next ? [next] : [], source: 'environment' };
  const file = masterKeyFile(o.dataDir);
  let current = readKeyFile(file);
  if (!current) {
    if (!o.create) throw new Error(`no master key: set BOLT_MASTER_KEY or start Bolt IA once to create ${file}`);
    current = generateMasterKey();
    writeMasterKeyFile(file, current);
  }
  return { current, others: next ? [next] : [], source: 'file', file };
}

/** The key of the ring whose id is `id` (the one a secret was sealed under), if the ring has it. */
export function findMasterKey(ring: MasterKeyRing, id: string | undefined): MasterKey | undefined {
  return [ring.current, ...ring.others].find((k) => masterKeyId(k) === id);
}
