// The audio thread pool: a narration's loudness and encoding done on a worker thread (loaded from the TypeScript
// source under tsx here), returned as a valid file with the loudness report, the caller's samples untouched.
import assert from 'node:assert/strict';
import { queueOptionsSymbol, type PiscinaTask } from 'piscina';
import { finishNarrationAudio, PriorityTaskQueue } from '../../adapters/audio-pool';
import { probeAudio } from '../support/audio-probe';

const SR = 24000;
const speechLike = (seconds: number): Int16Array =>
  new Int16Array(SR * seconds).map((_, i) => Math.round(6000 * Math.max(0, Math.sin((2 * Math.PI * 2 * i) / SR)) ** 2 * Math.sin((2 * Math.PI * 180 * i) / SR)));

describe('audio thread pool', () => {
  it('normalises and encodes on a worker thread: MP3 and Ogg Opus at full length, the input left as it was', async () => {
    const samples = speechLike(4);
    const copy = samples.slice();
    const [mp3, ogg] = await Promise.all([finishNarrationAudio({ sampleRate: SR, samples }, -16, 'MP3'), finishNarrationAudio({ sampleRate: SR, samples }, -16, 'OGG_OPUS')]);
    assert.deepEqual(samples, copy, 'the caller keeps its samples');
    for (const [out, format] of [[mp3, 'mp3'], [ogg, 'ogg']] as const) {
      assert.equal(out.extension, format);
      assert.ok(Buffer.isBuffer(out.body));
      const probed = await probeAudio(out.body);
      assert.equal(probed.format, format);
      assert.ok(Math.abs(probed.durationMs - 4000) < 30, `${format}: ${probed.durationMs} ms`);
      assert.ok(out.loudness.after && Math.abs(out.loudness.after.integratedLufs + 16) <= 0.5, JSON.stringify(out.loudness));
    }
  });

  it('passes a failure of the thread back to the caller', async () => {
    await assert.rejects(finishNarrationAudio({ sampleRate: SR, samples: speechLike(1) }, -16, 'FLAC' as never));
  });

  it('queues waiting narrations by priority key, lowest first, in arrival order within a key', () => {
    const task = (name: string, priorityKey?: number) => ({ name, [queueOptionsSymbol]: priorityKey === undefined ? null : { priorityKey } }) as unknown as PiscinaTask;
    const q = new PriorityTaskQueue();
    const tasks = [task('low-1', 5), task('low-2', 5), task('high-1', 1), task('default'), task('normal', 3), task('high-2', 1), task('low-3', 5)];
    for (const t of tasks) q.push(t);
    assert.equal(q.size, 7);
    q.remove(tasks[1]!);
    assert.equal(q.size, 6);
    q.unshift(task('high-0', 1));
    const order: string[] = [];
    for (let t = q.shift(); t; t = q.shift()) order.push((t as unknown as { name: string }).name);
    assert.deepEqual(order, ['high-0', 'high-1', 'high-2', 'default', 'normal', 'low-1', 'low-3']);
    assert.equal(q.size, 0);
    assert.equal(q.shift(), null);
  });
});
