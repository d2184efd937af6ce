// Chooses the Google clients: every call runs on a key leased from the pool. Keys from the environment
// are seeded into the pool; a service with no Google key gets a simulator key, so nothing needs configuring.
// `openProviders` is that set-up, the one the worker and the local stack both run.
import type { TextToSpeechClient } from '@google-cloud/text-to-speech';
import type { Kysely } from 'kysely';
import { addKey, listKeys, setKeyStatus } from '../db/keys';
import type { Database, KeyService } from '../db/schema';
import { publishSealingKey } from '../db/sealing-keys';
import type { Config } from '../domain/config';
import type { GeminiScriptWriter } from './gemini';
import { KeyPool, type KeyPoolOptions, type KeyWaiting } from './key-pool';
import type { KeyedProvider } from './keyed-provider';
import { resolveMasterKey, type MasterKeyRing } from './master-key-file';
import type { BoltMetrics } from './metrics';

/** The key the embedded default uses against the simulators; it is not a secret. */
export const SIMULATOR_API_KEY = 'bolt-simulator-key';

/** Why a simulator key stops serving once a Google key is in the pool (and serves again when none is). */
export const SIMULATOR_SUPERSEDED = 'a Google key of this service is in the pool';

export interface ProviderSettings {
  gemini: { apiKey?: string; baseUrl?: string; model: string };
  tts: { apiKey?: string; baseUrl?: string };
}

/** Which providers are real and which simulated, as users see it. */
export type ProviderKinds = { gemini: 'google' | 'simulator'; tts: 'google' | 'simulator' };

export interface Providers {
  gemini: KeyedProvider<GeminiScriptWriter>;
  tts: KeyedProvider<TextToSpeechClient>;
  pool: KeyPool;
  kind: ProviderKinds;
}

/**
 * Brings the pool in line with the environment, idempotently: `GEMINI_API_KEY` / `GOOGLE_TTS_API_KEY`
 * are added once; a service with an active Google key stops using its simulator key; a service
 * without one gets (or gets back) the simulator key. Returns the kinds and whether simulators are needed.
 */
async function preparePool(
  db: Kysely<Database>,
  masterKeys: MasterKeyRing,
  s: ProviderSettings,
  log: (line: string) => void = () => undefined,
): Promise<{ kind: ProviderKinds; needsSimulators: boolean }> {
  const kind: ProviderKinds = { gemini: 'simulator', tts: 'simulator' };
  let needsSimulators = false;
  const envKeys: Record<KeyService, string | undefined> = { gemini: s.gemini.apiKey, tts: s.tts.apiKey };
  const envNames: Record<KeyService, string> = { gemini: 'GEMINI_API_KEY', tts: 'GOOGLE_TTS_API_KEY' };
  for (const service of ['gemini', 'tts'] as const) {
    const envKey = envKeys[service];
    if (envKey) {
      const { key, created } = await addKey(
        db,
        masterKeys.current,
        { service, key: envKey, accountEmail: 'environment', label: `from ${envNames[service]}`, target: 'google' },
        { ifMissing: true },
      );
      if (created) log(`key pool: added the ${service} key …${key.last4} from ${envNames[service]}`);
    }
    const keys = await listKeys(db, { service });
    const google = keys.filter((k) => k.target === 'google' && k.status === 'active');
    const sims = keys.filter((k) => k.target === 'simulator');
    if (google.length > 0) {
      kind[service] = 'google';
      for (const k of sims.filter((k) => k.status === 'active' && k.label === SIMULATOR_LABEL)) await setKeyStatus(db, k.id, { status: 'disabled', reason: SIMULATOR_SUPERSEDED });
    } else {
      const mine = sims.find((k) => k.label === SIMULATOR_LABEL);
      if (!mine) {
        await addKey(db, masterKeys.current, { service, key: SIMULATOR_API_KEY, accountEmail: 'simulator@localhost', label: SIMULATOR_LABEL, target: 'simulator' }, { ifMissing: true });
        log(`key pool: no ${service} key yet, using the built-in simulator (add one with \`npm run keys -- add\`)`);
      } else if (mine.status === 'disabled' && mine.disabled_reason === SIMULATOR_SUPERSEDED) {
        await setKeyStatus(db, mine.id, { status: 'active' });
      }
    }
    if ((await listKeys(db, { service, status: 'active', target: 'simulator' })).length > 0) needsSimulators = true;
  }
  return { kind, needsSimulators };
}

/** Label of the simulator key the embedded default seeds. */
export const SIMULATOR_LABEL = 'built-in simulator';

/** Builds the pooled providers every activity of this process shares. */
function createProviders(o: KeyPoolOptions & { kind: ProviderKinds }): Providers {
  const pool = new KeyPool(o);
  return { gemini: pool.gemini, tts: pool.tts, pool, kind: o.kind };
}

/** What the key-pool set-up needs of the process. */
export interface OpenProvidersOptions<S extends { url: string }> extends KeyWaiting {
  db: Kysely<Database>;
  config: Pick<Config, 'masterKey' | 'dataDir' | 'gemini' | 'tts'>;
  /** Create `<dataDir>/master.key` when there is none (the local stack); a worker needs the key the pool was sealed with. */
  createMasterKey: boolean;
  /** Simulators already running elsewhere (BOLT_SIMULATOR_URL). */
  simulatorUrl?: string;
  /** Starts simulators here, when a simulator key serves and none run elsewhere. */
  startSimulators: () => Promise<S>;
  log: (line: string) => void;
  metrics?: BoltMetrics;
}

/**
 * The key pool of a process that makes provider calls: its master keys, the pool brought in line with the
 * environment, the sealing key published for the API, simulators started when a simulator key serves, and
 * the providers every activity shares. The caller stops the simulators it gets back.
 */
export async function openProviders<S extends { url: string }>(o: OpenProvidersOptions<S>): Promise<{ providers: Providers; masterKeys: MasterKeyRing; simulators?: S }> {
  const { db, config, log } = o;
  const masterKeys = resolveMasterKey({ configured: config.masterKey, dataDir: config.dataDir, create: o.createMasterKey });
  const pool = await preparePool(db, masterKeys, { gemini: config.gemini, tts: config.tts }, log);
  // The API seals webhook secrets to this key's public half without holding the master key.
  await publishSealingKey(db, masterKeys.current);
  const simulators = pool.needsSimulators && !o.simulatorUrl ? await o.startSimulators() : undefined;
  const reloadMasterKeys = () => resolveMasterKey({ configured: config.masterKey, dataDir: config.dataDir, create: false });
  const providers = createProviders({
    db,
    masterKeys,
    reloadMasterKeys,
    gemini: config.gemini,
    tts: config.tts,
    simulatorUrl: o.simulatorUrl ?? simulators?.url,
    kind: pool.kind,
    log,
    metrics: o.metrics,
    sleep: o.sleep,
    heartbeat: o.heartbeat,
  });
  return { providers, masterKeys, simulators };
}
