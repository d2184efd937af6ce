// Real audio for the TTS simulator: espeak-ng speech when it is installed, a generated voice-like tone otherwise.
import { spawn, spawnSync } from 'node:child_process';
import { concatPcm, resamplePcm, type Pcm } from '../domain/audio/pcm';
import { decodeWav } from '../domain/audio/wav';
import { atVoiceLevel } from './tts-quality';

/** Sample rate of every simulated voice, like Google's 24 kHz voices. */
export const SIM_SAMPLE_RATE = 24000;

let espeakChecked: boolean | undefined;
/** True when `espeak-ng` is on PATH. */
export function hasEspeak(): boolean {
  if (espeakChecked === undefined) {
    const r = spawnSync('espeak-ng', ['--version'], { stdio: 'ignore' });
    espeakChecked = r.status === 0;
  }
  return espeakChecked;
}

function espeak(text: string, language: string, rate: number): Promise<Pcm> {
  return new Promise((resolve, reject) => {
    const voice = language.toLowerCase();
    // -s: words per minute, scaled by the requested speaking rate.
    const child = spawn('espeak-ng', ['-v', voice, '-s', String(Math.round(165 * rate)), '--stdout', '--stdin'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    // espeak-ng quits at once for a voice it lacks; writing the text then fails with EPIPE, which the exit code reports.
    child.stdin.on('error', () => {});
    child.on('close', (code) => {
      if (code !== 0 || out.length === 0) return reject(new Error(`espeak-ng failed (${code}): ${err.trim()}`));
      try {
        resolve(resamplePcm(decodeWav(Buffer.concat(out)), SIM_SAMPLE_RATE));
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
    child.stdin.end(text);
  });
}

/** Seconds a text takes to say at rate 1: about 14 characters a second, fewer for ideographic scripts. */
export function nominalSeconds(text: string, rate = 1): number {
  const chars = [...text].length;
  const ideographic = (text.match(/[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/gu) ?? []).length;
  const seconds = (chars - ideographic) / 14 + ideographic / 7;
  return Math.max(0.3, seconds / rate);
}

/**
 * `length` samples of a `freq` Hz sine under a half-sine envelope, peaking at 9000. Both sines come from the
 * two-term recurrence sin((i + 1)w) = 2cos(w)sin(iw) - sin((i - 1)w), not two `Math.sin` calls a sample: the
 * simulator's CPU counts in the benches.
 */
export function pitchedNote(freq: number, length: number): Int16Array {
  const note = new Int16Array(length);
  const we = Math.PI / length;
  const wc = (2 * Math.PI * freq) / SIM_SAMPLE_RATE;
  const ke = 2 * Math.cos(we);
  const kc = 2 * Math.cos(wc);
  let e0 = 0; // sin(i·we) and sin((i - 1)·we), likewise for the carrier
  let e1 = -Math.sin(we);
  let c0 = 0;
  let c1 = -Math.sin(wc);
  for (let i = 0; i < length; i++) {
    note[i] = Math.round(9000 * e0 * c0);
    const e = ke * e0 - e1;
    e1 = e0;
    e0 = e;
    const c = kc * c0 - c1;
    c1 = c0;
    c0 = c;
  }
  return note;
}

/** Notes already made, by pitch, length and level: each batch's narrations reuse a few hundred (bounded). */
const notes = new Map<string, Int16Array>();

/** A note at a voice's level (see `pitchedNote`), made once. */
function noteAt(freq: number, length: number, levelDb: number): Int16Array {
  const key = `${freq}/${length}/${levelDb}`;
  let note = notes.get(key);
  if (!note) {
    if (notes.size >= 2048) notes.clear();
    note = pitchedNote(freq, length);
    if (levelDb !== 0) note = atVoiceLevel({ sampleRate: SIM_SAMPLE_RATE, samples: note }, levelDb).samples;
    notes.set(key, note);
  }
  return note;
}

/** A tone that follows the text's words at a voice's level: one short pitched note per word, with silences between. */
function tone(text: string, rate: number, levelDb: number): Pcm {
  const total = Math.round(nominalSeconds(text, rate) * SIM_SAMPLE_RATE);
  const samples = new Int16Array(total);
  const words = text.split(/\s+/u).filter(Boolean);
  const per = Math.max(1, Math.floor(total / Math.max(1, words.length)));
  const voiced = Math.floor(per * 0.8);
  // Every note of a text has the same length and one of 60 pitches, each made once (and kept for the next texts).
  for (let w = 0; w * per < total; w++) {
    const word = words[w % Math.max(1, words.length)] ?? 'a';
    const freq = 140 + ((word.codePointAt(0) ?? 97) % 60) * 3;
    samples.set(noteAt(freq, voiced, levelDb).subarray(0, Math.min(voiced, total - w * per)), w * per);
  }
  return { sampleRate: SIM_SAMPLE_RATE, samples };
}

/** How the simulator makes speech: espeak-ng when installed (`auto`), or always the generated tone (fast, exact length). */
export type SpeechEngine = 'auto' | 'tone';

/** Speaks text as mono 16-bit PCM at {@link SIM_SAMPLE_RATE}, at a voice's level (dB of gain, rounded and clamped). */
export async function speak(text: string, language: string, rate = 1, engine: SpeechEngine = 'auto', levelDb = 0): Promise<Pcm> {
  if (engine === 'auto' && hasEspeak()) {
    try {
      return atVoiceLevel(await espeak(text, language, rate), levelDb);
    } catch {
      // espeak-ng lacks some languages; fall back to its base language, then to the tone.
      const base = language.split('-')[0]!;
      if (base !== language) {
        try {
          return atVoiceLevel(await espeak(text, base, rate), levelDb);
        } catch {
          /* tone below */
        }
      }
    }
  }
  return tone(text, rate, levelDb);
}

/**
 * Speaks consecutive segments and returns the joined PCM with the offset (seconds) where each segment starts,
 * which is how the simulator answers `<mark>` timepoints exactly. Segments are spoken a few at a time.
 */
export async function speakSegments(
  segments: string[],
  language: string,
  rate = 1,
  engine: SpeechEngine = 'auto',
  levelDb = 0,
  concurrency = 4,
): Promise<{ pcm: Pcm; startsSeconds: number[] }> {
  const parts: Pcm[] = new Array<Pcm>(segments.length);
  let next = 0;
  const worker = async () => {
    while (next < segments.length) {
      const i = next++;
      const text = segments[i]!;
      parts[i] = /[\p{L}\p{N}]/u.test(text) ? await speak(text, language, rate, engine, levelDb) : { sampleRate: SIM_SAMPLE_RATE, samples: new Int16Array(0) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, segments.length) }, worker));
  const startsSeconds: number[] = [];
  let at = 0;
  for (const p of parts) {
    startsSeconds.push(at / SIM_SAMPLE_RATE);
    at += p.samples.length;
  }
  const pcm = parts.length > 0 ? concatPcm(parts) : { sampleRate: SIM_SAMPLE_RATE, samples: new Int16Array(0) };
  return { pcm, startsSeconds };
}
