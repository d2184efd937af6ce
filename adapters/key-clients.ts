// Google clients of pooled keys: a leased key's secret opened with the master key that sealed it (read again
// after a rotation this process has not seen), and a client built for it, cached per key.
import type { TextToSpeechClient } from '@google-cloud/text-to-speech';
import type { Kysely } from 'kysely';
import type { Lease } from '../db/key-leases';
import { sealedSecret } from '../db/keys';
import type { Database } from '../db/schema';
import { openSecret } from '../domain/crypto';
import { GeminiScriptWriter } from './gemini';
import { findMasterKey, type MasterKeyRing } from './master-key-file';
import { createTtsClient, initializeTtsClient } from './tts';

/** A client of one key, with the key's secret (to mask it in errors). */
export interface KeyClient {
  client: GeminiScriptWriter | TextToSpeechClient;
  secret: string;
}

export interface KeyClientOptions {
  db: Kysely<Database>;
  masterKeys: MasterKeyRing;
  /** Reads the master keys again, for keys sealed after a rotation this process has not seen. */
  reloadMasterKeys?: () => MasterKeyRing;
  gemini: { baseUrl?: string; model: string };
  tts: { baseUrl?: string };
  /** Base URL of the simulators, for keys whose target is `simulator`. */
  simulatorUrl?: string;
}

/** The clients of one process's leased keys; keys are opened here, never in Temporal history. */
export class KeyClients {
  private readonly cache = new Map<string, Promise<KeyClient>>();
  private masterKeys: MasterKeyRing;

  constructor(private readonly o: KeyClientOptions) {
    this.masterKeys = o.masterKeys;
  }

  /**
   * The client of a leased key, built once per process on first use: concurrent first leases share one build.
   * A TTS client's stubs are loaded here, before the call is timed as sent (see `KeyPool`), so the send is the
   * request's upload and not the SDK's first-use set-up.
   */
  async get(lease: Lease): Promise<KeyClient> {
    let entry = this.cache.get(lease.keyId);
    if (!entry) {
      entry = this.build(lease);
      this.cache.set(lease.keyId, entry);
      entry.catch(() => this.cache.delete(lease.keyId));
    }
    return entry;
  }

  private async build(lease: Lease): Promise<KeyClient> {
    const secret = await this.openKey(lease.keyId);
    const baseUrl = this.baseUrlOf(lease);
    if (lease.service === 'gemini') return { client: new GeminiScriptWriter({ apiKey: secret, baseUrl, model: this.o.gemini.model }), secret };
    const client = createTtsClient({ apiKey: secret, baseUrl });
    await initializeTtsClient(client);
    return { client, secret };
  }

  private async openKey(keyId: string): Promise<string> {
    const sealed = await sealedSecret(this.o.db, keyId);
    if (!sealed) throw new Error(`key ${keyId} was removed while leased`);
    let master = findMasterKey(this.masterKeys, sealed.masterKeyId);
    if (!master && this.o.reloadMasterKeys) {
      // `keys rotate-master-key` ran while this worker was up: the data directory has the new key.
      this.masterKeys = this.o.reloadMasterKeys();
      master = findMasterKey(this.masterKeys, sealed.masterKeyId);
    }
    if (!master) throw new Error(`key ${keyId} is sealed under master key ${sealed.masterKeyId}, which this worker does not have (BOLT_MASTER_KEY differs?)`);
    return openSecret(master, sealed.secret, keyId);
  }

  private baseUrlOf(lease: Lease): string | undefined {
    if (lease.target !== 'simulator') return lease.service === 'gemini' ? this.o.gemini.baseUrl : this.o.tts.baseUrl;
    if (!this.o.simulatorUrl) throw new Error(`key …${lease.last4} targets the simulators, but none run in this worker`);
    return this.o.simulatorUrl;
  }
}
