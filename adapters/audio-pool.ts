// The audio thread pool (piscina): a narration's loudness normalisation and encoding run on worker threads, one
// per core, so a worker's event loop keeps polling Temporal, heartbeating and serving other activities while a
// narration is finished. The threads start on first use and stop after a minute idle; they never keep a
// process alive.
import os from 'node:os';
import Piscina, { queueOptionsSymbol, type PiscinaTask, type TaskQueue } from 'piscina';
import type { Pcm } from '../domain/audio/pcm';
import type { LoudnessTarget } from '../domain/loudness';
import type { AudioEncoding } from './audio-codec';
import type { FinishAudioTask, FinishedAudio } from './audio-thread';
import { activityPriorityKey, DEFAULT_PRIORITY_KEY, PriorityLines } from './priority';
import { threadModule } from './thread-module';

let pool: Piscina<FinishAudioTask, FinishedAudio> | undefined;

/** How much lower the audio threads' CPU priority is than the process's (0 to 19). */
export const AUDIO_THREAD_NICE = 10;

/** The queue options a narration's task carries (a symbol-keyed property: never cloned to the thread). */
interface AudioQueueOptions {
  priorityKey: number;
}

/**
 * The pool's waiting tasks by priority key, lowest first, in arrival order within a key. The TTS queue runs
 * many narrations at once, so their audio waits here, not in Temporal's task queue; without this a high-priority
 * batch's narration would wait behind every narration of a low-priority batch already in the pool.
 */
export class PriorityTaskQueue implements TaskQueue {
  private readonly lines = new PriorityLines<PiscinaTask>();

  get size(): number {
    return this.lines.size;
  }

  private keyOf(task: PiscinaTask): number {
    const options = task[queueOptionsSymbol] as Partial<AudioQueueOptions> | null;
    return typeof options?.priorityKey === 'number' ? options.priorityKey : DEFAULT_PRIORITY_KEY;
  }

  push(task: PiscinaTask): void {
    this.lines.push(this.keyOf(task), task);
  }

  unshift(task: PiscinaTask): void {
    this.lines.unshift(this.keyOf(task), task);
  }

  shift(): PiscinaTask | null {
    return this.lines.shift() ?? null;
  }

  remove(task: PiscinaTask): void {
    this.lines.remove(this.keyOf(task), task);
  }
}

function audioPool(): Piscina<FinishAudioTask, FinishedAudio> {
  pool ??= new Piscina<FinishAudioTask, FinishedAudio>({
    ...threadModule(__filename, 'audio-thread'),
    taskQueue: new PriorityTaskQueue(),
    maxThreads: Math.max(1, os.availableParallelism()),
    minThreads: 0,
    idleTimeout: 60_000,
    // Audio is throughput work that catches up; orchestration (workflow tasks, the next paid call) is latency
    // work that keeps the quotas spent. The threads yield the cores to the rest of the process (Linux nice 10).
    niceIncrement: AUDIO_THREAD_NICE,
  });
  return pool;
}

/** Sets a joined narration's loudness and encodes it, on the pool: the encoded file and the loudness report. */
export async function finishNarrationAudio(pcm: Pcm, loudness: LoudnessTarget, encoding: AudioEncoding): Promise<{ body: Buffer; contentType: string; extension: string; loudness: FinishedAudio['loudness'] }> {
  // A copy of the samples is moved to the thread (the caller's may be a chunk's, or a view on a larger buffer).
  const samples = pcm.samples.slice();
  const options: AudioQueueOptions = { priorityKey: activityPriorityKey() };
  const task = { samples, sampleRate: pcm.sampleRate, loudness, encoding, [queueOptionsSymbol]: options };
  const done = await audioPool().run(task, { transferList: [samples.buffer] });
  return { ...done, body: Buffer.from(done.body.buffer, done.body.byteOffset, done.body.byteLength) };
}
