// The task of the audio thread pool (audio-pool.ts), run in a worker thread: a joined narration's loudness set
// and its encoding, the CPU-heavy end of a narration, returned as the file's bytes and the loudness report.
import type { LoudnessReport, LoudnessTarget } from '../domain/loudness';
import { encodeAudio, type AudioEncoding } from './audio-codec';
import { normaliseNarration } from './loudness';

export interface FinishAudioTask {
  /** Joined 16-bit mono PCM (its buffer is moved to the thread). */
  samples: Int16Array;
  sampleRate: number;
  loudness: LoudnessTarget;
  encoding: AudioEncoding;
}

export interface FinishedAudio {
  body: Uint8Array;
  contentType: string;
  extension: string;
  loudness: LoudnessReport;
}

/** Normalises and encodes one narration (the bytes come back by structured clone: one copy, under a millisecond). */
export default async function finishAudio(task: FinishAudioTask): Promise<FinishedAudio> {
  const pcm = { sampleRate: task.sampleRate, samples: task.samples };
  const { samples, gain, report } = await normaliseNarration(pcm, task.loudness, task.encoding);
  // A normalised narration's true peak is under its encoding's ceiling (under 0 dBTP), so its floats are in [-1, 1].
  // Gain alone is applied as the encoder's input is written.
  const input = samples ? { sampleRate: task.sampleRate, floats: samples } : gain !== undefined ? { ...pcm, gain } : pcm;
  const encoded = await encodeAudio(input, task.encoding);
  return { body: new Uint8Array(encoded.body.buffer, encoded.body.byteOffset, encoded.body.byteLength), contentType: encoded.contentType, extension: encoded.extension, loudness: report };
}
