// Loudness of finished narrations, checked by a second, independent meter: Debian's ffmpeg `ebur128` filter.
// Two voices the simulator speaks 10 dB apart end within ±1 LU of the target with true peak ≤ -1 dBTP.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { call } from '../support/http';
import { eventually, newTestUser, testStack, type TestStack } from '../support/stack';

const LOUD = 'en-US-Standard-B';
const QUIET = 'en-US-Wavenet-D';

function parseSummary(text: string): { integrated: number; truePeak: number } {
  const summary = text.slice(text.lastIndexOf('Summary:'));
  const integrated = Number(/I:\s+(-?[\d.]+|-inf) LUFS/.exec(summary)?.[1]);
  const truePeak = Number(/Peak:\s+(-?[\d.]+|-inf) dBFS/.exec(summary)?.[1]);
  assert.ok(Number.isFinite(integrated) && Number.isFinite(truePeak), `no ebur128 summary in: ${summary.slice(0, 400)}`);
  return { integrated, truePeak };
}

/** Integrated loudness and true peak as ffmpeg's ebur128 filter (its own EBU R128 implementation) reports them. */
function meter(audio: Buffer, ext: string) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bolt-loudness-')), `narration.${ext}`);
  fs.writeFileSync(file, audio);
  try {
    // The filter prints its summary on stderr; `-f null -` decodes without writing anything.
    const r = spawnSync('ffmpeg', ['-hide_banner', '-nostats', '-i', file, '-af', 'ebur128=peak=true', '-f', 'null', '-'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return parseSummary(r.stderr);
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

describe('narration loudness, measured by ffmpeg', function () {
  this.timeout(900_000);
  let stack: TestStack;
  let user: { token: string };
  let savedLevels: Record<string, number> | undefined;

  /** Runs a one-job batch and returns its job view and its audio. */
  async function narrate(voice: string, loudness: 'off' | -23 | -16 | -14 | undefined, encoding: 'MP3' | 'LINEAR16' | 'OGG_OPUS' = 'MP3') {
    const created = await call(stack, user.token, 'POST', '/api/batches', {
      mode: 'expand_titles',
      titles: ['How lighthouses guided ships through the night'],
      languages: [{ language: 'en-US', voice }],
      agent: { targetMinutes: 0.4 },
      audio: { encoding, ...(loudness !== undefined ? { loudness } : {}) },
    });
    assert.equal(created.status, 201, created.text);
    const id = created.json.batch.id;
    await eventually(async () => {
      const r = await call(stack, user.token, 'GET', `/api/batches/${id}`);
      return ['completed', 'failed'].includes(r.json.batch.status) ? r.json.batch : undefined;
    }, `batch ${id}`, 600_000, 500);
    const list = await call(stack, user.token, 'GET', `/api/batches/${id}/jobs`);
    const job = (await call(stack, user.token, 'GET', `/api/jobs/${list.json.jobs[0].id}`)).json.job;
    assert.equal(job.status, 'completed', JSON.stringify(job.error));
    const row = await stack.db.selectFrom('jobs').select('audio_key').where('id', '=', job.id).executeTakeFirstOrThrow();
    return { job, audio: await stack.storage.get(row.audio_key!), ext: { MP3: 'mp3', LINEAR16: 'wav', OGG_OPUS: 'ogg' }[encoding] };
  }

  before(async function () {
    this.timeout(900_000);
    const v = execFileSync('ffmpeg', ['-hide_banner', '-filters'], { encoding: 'utf8' });
    assert.match(v, /ebur128/, 'ffmpeg with the ebur128 filter is needed (scripts/install-tools.sh installs it)');
    stack = await testStack();
    user = await newTestUser(stack, 'loudness');
    const tts = stack.simulators!.tts;
    savedLevels = tts.options.voiceLevelsDb;
    tts.options.voiceLevelsDb = { ...savedLevels, [LOUD]: 0, [QUIET]: -10 };
  });
  after(() => {
    if (stack?.simulators) stack.simulators.tts.options.voiceLevelsDb = savedLevels;
  });

  it('the two voices differ by at least 6 LU as spoken (loudness off)', async () => {
    const loud = await narrate(LOUD, 'off');
    const quiet = await narrate(QUIET, 'off');
    const a = meter(loud.audio, loud.ext);
    const b = meter(quiet.audio, quiet.ext);
    assert.ok(a.integrated - b.integrated >= 6, `raw loudness ${a.integrated} vs ${b.integrated} LUFS`);
    assert.equal(loud.job.loudness.target, 'off');
    assert.equal(loud.job.loudness.after, undefined);
  });

  for (const [target, label] of [[undefined, 'the default -16'], [-14, '-14'], [-23, '-23']] as const) {
    it(`both voices end within ±1 LU of ${label} LUFS with true peak ≤ -1 dBTP (MP3, as delivered)`, async () => {
      const want = target ?? -16;
      for (const voice of [LOUD, QUIET]) {
        const { job, audio, ext } = await narrate(voice, target);
        const m = meter(audio, ext);
        assert.ok(Math.abs(m.integrated - want) <= 1, `${voice}: ffmpeg says ${m.integrated} LUFS, target ${want}`);
        assert.ok(m.truePeak <= -1, `${voice}: ffmpeg says true peak ${m.truePeak} dBTP`);
        // The job keeps what our meter saw before and after.
        assert.equal(job.loudness.target, want);
        assert.ok(Math.abs(job.loudness.after.integratedLufs - want) <= 0.5, JSON.stringify(job.loudness));
        assert.ok(job.loudness.before.integratedLufs < want || voice === LOUD, JSON.stringify(job.loudness));
      }
    });
  }

  it('WAV (LINEAR16) and Ogg Opus narrations are normalised the same way', async () => {
    for (const [encoding, target] of [['LINEAR16', -16], ['OGG_OPUS', -14]] as const) {
      const { audio, ext } = await narrate(QUIET, target, encoding);
      const m = meter(audio, ext);
      assert.ok(Math.abs(m.integrated - target) <= 1 && m.truePeak <= -1, `${encoding}: ${JSON.stringify(m)}`);
    }
  });

  it('(ffmpeg meter self-check) reads a known sine at -23 LUFS', () => {
    const sr = 48000;
    const n = sr * 5;
    const wav = Buffer.alloc(44 + n * 2);
    wav.write('RIFF', 0);
    wav.writeUInt32LE(36 + n * 2, 4);
    wav.write('WAVEfmt ', 8);
    wav.writeUInt32LE(16, 16);
    wav.writeUInt16LE(1, 20);
    wav.writeUInt16LE(1, 22);
    wav.writeUInt32LE(sr, 24);
    wav.writeUInt32LE(sr * 2, 28);
    wav.writeUInt16LE(2, 32);
    wav.writeUInt16LE(16, 34);
    wav.write('data', 36);
    wav.writeUInt32LE(n * 2, 40);
    for (let i = 0; i < n; i++) wav.writeInt16LE(Math.round(3277 * Math.sin((2 * Math.PI * 997 * i) / sr)), 44 + i * 2);
    const m = meter(wav, 'wav');
    assert.ok(Math.abs(m.integrated + 23) <= 0.2, JSON.stringify(m));
  });
});
