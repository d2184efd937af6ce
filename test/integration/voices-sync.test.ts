// `npm run voices -- sync` against the TTS simulator, through the production SDK client: it reports the
// voices added and removed since the catalog file was written, rewrites the file, and is then up to date.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { syncVoicesFile } from '../../adapters/catalog-files';
import { createTtsClient } from '../../adapters/tts';
import { SHIPPED_VOICES_FILE, type VoicesFile } from '../../domain/catalog';
import { formatReport, parseArgs } from '../../scripts/voices-cli';
import { startSimulators, type SimulatorServer } from '../../simulators/server';
import { catalogVoices, type SimVoice } from '../../simulators/voices';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '../../scripts/voices-cli.ts');
const TSX = path.resolve(__dirname, '../../node_modules/.bin/tsx');

async function voices(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(TSX, [CLI, ...args], { env: { ...process.env, GOOGLE_TTS_API_KEY: '', TTS_BASE_URL: '' } });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('voices sync against the simulator', function () {
  this.timeout(120_000);
  let sim: SimulatorServer;
  let dir: string;
  let file: string;
  const gone = ['pt-BR-Wavenet-E', 'en-GB-News-K'];
  const fresh: SimVoice = { name: 'pt-BR-Chirp-HD-F', languageCodes: ['pt-BR'], ssmlGender: 'FEMALE', naturalSampleRateHertz: 24000 };

  before(async () => {
    const served = catalogVoices().filter((v) => !gone.includes(v.name));
    // voices.list also returns bare Gemini-TTS speakers; sync must skip them, not add them.
    sim = await startSimulators({ tts: { voices: [...served, fresh, { name: 'Kore', languageCodes: ['en-US'], ssmlGender: 'FEMALE', naturalSampleRateHertz: 24000 }] } });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bolt-voices-'));
    file = path.join(dir, 'voices.json');
    fs.copyFileSync(path.resolve(__dirname, '../../catalog/voices.json'), file);
  });

  after(async () => {
    await sim.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('dry run: reports added and removed voices and leaves the file alone', async () => {
    const before = fs.readFileSync(file, 'utf8');
    const r = await voices('sync', '--dry-run', '--file', file, '--base-url', sim.url, '--key', 'sync-test-key');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /added 1:\n {2}pt-BR-Chirp-HD-F \(female\)/);
    assert.match(r.out, /removed 2:\n {2}en-GB-News-K \(male\)\n {2}pt-BR-Wavenet-E \(male\)/);
    assert.match(r.out, /1 other names skipped/);
    assert.match(r.out, /dry run/);
    assert.equal(fs.readFileSync(file, 'utf8'), before);
    assert.ok((sim.tts.counters.snapshot().byEndpoint.voices ?? 0) >= 1, 'the simulator answered voices.list');
  });

  it('sync: rewrites the file with the new list and a lastSync stamp, then finds nothing new', async () => {
    const r = await voices('sync', '--file', file, '--base-url', sim.url, '--key', 'sync-test-key');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /added 1/);
    assert.match(r.out, /removed 2/);
    assert.match(r.out, /wrote /);
    const written = JSON.parse(fs.readFileSync(file, 'utf8')) as VoicesFile;
    const names = new Set(written.voices.map((v) => v.name));
    assert.ok(names.has(fresh.name));
    for (const g of gone) assert.ok(!names.has(g), `${g} removed`);
    assert.ok(!names.has('Kore'));
    assert.equal(written.voices.length, (SHIPPED_VOICES_FILE as VoicesFile).voices.length - 1);
    assert.deepEqual(written.source.lastSync && { added: written.source.lastSync.added, removed: written.source.lastSync.removed }, { added: 1, removed: 2 });
    assert.deepEqual(written.source.references, (SHIPPED_VOICES_FILE as VoicesFile).source.references, 'source notes are kept');

    // In process from here on: the same code the CLI runs, without another process start.
    const client = createTtsClient({ apiKey: 'sync-test-key', baseUrl: sim.url });
    const again = await syncVoicesFile({ client, file, endpoint: sim.url });
    await client.close();
    assert.match(formatReport(again, false), /added 0\nremoved 0\nno change/);
    assert.equal(again.written, false);
  });

  it('refuses to run without a key, and reports a key the API rejects', async () => {
    const none = await voices('sync', '--file', file, '--base-url', sim.url);
    assert.notEqual(none.code, 0);
    assert.match(none.out, /no TTS key/);
    sim.tts.options.invalidKeys = ['bad-key'];
    const client = createTtsClient({ apiKey: 'bad-key', baseUrl: sim.url });
    try {
      await assert.rejects(syncVoicesFile({ client, file, endpoint: sim.url }), /API key not valid/);
    } finally {
      sim.tts.options.invalidKeys = undefined;
      await client.close();
    }
    assert.throws(() => parseArgs(['sync', '--base-url', 'not a url']), /baseUrl: must be a URL/);
    assert.throws(() => parseArgs(['sync', '--key']), /--key needs a value/);
    assert.throws(() => parseArgs(['refresh']), /invalid arguments/);
    assert.deepEqual(parseArgs(['sync', '--simulator', '--dry-run']), { command: 'sync', simulator: true, dryRun: true });
  });
});
