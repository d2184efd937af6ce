// Checks shared by the provider tests: a narration is one valid file (as ffmpeg reads it) whose duration is the
// sum of its chunks, with subtitles that stay inside it.
import assert from 'node:assert/strict';
import type { Narration } from '../../adapters/tts';
import { TTS_MAX_INPUT_BYTES } from '../../domain/chunking';
import { parseSrt, parseVtt } from '../../domain/subtitles';
import { probeAudio } from './audio-probe';

/** Duration of an encoded file as ffmpeg plays it; throws unless the file is valid and in the extension's format. */
export async function fileDurationMs(body: Buffer, extension: string): Promise<number> {
  const probed = await probeAudio(body);
  if (probed.format !== extension) throw new Error(`a .${extension} file that ffmpeg reads as ${probed.format}`);
  return probed.durationMs;
}

/** Asserts every acceptance rule of a narration and returns its measured figures. */
export async function checkNarration(n: Narration, extension: string): Promise<{ fileMs: number; sumMs: number; cues: number; requests: number }> {
  assert.equal(n.extension, extension);
  for (const b of n.requestBytes) assert.ok(b <= TTS_MAX_INPUT_BYTES, `a request of ${b} bytes`);
  const fileMs = await fileDurationMs(n.body, extension);
  const sumMs = n.chunkDurationsMs.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(fileMs - sumMs) <= 50, `file lasts ${fileMs} ms, chunks add up to ${sumMs} ms`);
  assert.ok(Math.abs(n.durationMs - sumMs) <= 1, `recorded ${n.durationMs} ms, chunks add up to ${sumMs} ms`);
  const srt = parseSrt(n.subtitles.srt);
  const vtt = parseVtt(n.subtitles.vtt);
  assert.equal(srt.length, n.subtitles.cues);
  assert.deepEqual(vtt.map((c) => [c.startMs, c.endMs]), srt.map((c) => [c.startMs, c.endMs]));
  assert.ok(srt.length > 0, 'there are cues');
  let prevEnd = 0;
  for (const c of srt) {
    assert.ok(c.startMs >= prevEnd && c.endMs > c.startMs, `cue ${c.startMs}–${c.endMs} after ${prevEnd}`);
    assert.ok(c.lines.length >= 1 && c.lines.length <= 2, `cue with ${c.lines.length} lines`);
    prevEnd = c.endMs;
  }
  const last = srt[srt.length - 1]!;
  assert.ok(last.endMs <= fileMs, `last cue ends at ${last.endMs} ms, after the audio (${fileMs} ms)`);
  assert.ok(fileMs - last.endMs < 2000, 'the subtitles run to the end of the narration');
  return { fileMs, sumMs, cues: srt.length, requests: n.requestBytes.length };
}
