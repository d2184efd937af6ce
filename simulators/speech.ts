// Real audio for the TTS simulator: espeak-ng speech when it is installed, a generated voice-like tone otherwise.
import { spawn, spawnSync } from 'node:child_process';
import { decodeWav, type Pcm } from '../domain/audio';

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

function resample(pcm: Pcm, rate: number): Pcm {
  if (pcm.sampleRate === rate) return pcm;
  const ratio = pcm.sampleRate / rate;
  const out = new Int16Array(Math.floor(pcm.samples.length / ratio));
  for (let i = 0; i < out.length; i++) {
    const x = i * ratio;
    const i0 = Math.floor(x);
    const i1 = Math.min(i0 + 1, pcm.samples.length - 1);
    const f = x - i0;
    out[i] = Math.round(pcm.samples[i0]! * (1 - f) + pcm.samples[i1]! * f);
  }
  return { sampleRate: rate, samples: out };
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
    child.on('close', (code) => {
      if (code !== 0 || out.length === 0) return reject(new Error(`espeak-ng failed (${code}): ${err.trim()}`));
      try {
        resolve(resample(decodeWav(Buffer.concat(out)), SIM_SAMPLE_RATE));
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

/** A tone that follows the text's words: one short pitched note per word, with silences between. */
function tone(text: string, rate: number): Pcm {
  const total = Math.round(nominalSeconds(text, rate) * SIM_SAMPLE_RATE);
  const samples = new Int16Array(total);
  const words = text.split(/\s+/u).filter(Boolean);
  const per = Math.max(1, Math.floor(total / Math.max(1, words.length)));
  for (let w = 0; w * per < total; w++) {
    const word = words[w % Math.max(1, words.length)] ?? 'a';
    const freq = 140 + ((word.codePointAt(0) ?? 97) % 60) * 3;
    const voiced = Math.floor(per * 0.8);
    for (let i = 0; i < voiced && w * per + i < total; i++) {
      const env = Math.sin((Math.PI * i) / voiced);
      samples[w * per + i] = Math.round(9000 * env * Math.sin((2 * Math.PI * freq * i) / SIM_SAMPLE_RATE));
    }
  }
  return { sampleRate: SIM_SAMPLE_RATE, samples };
}

/** Speaks text as mono 16-bit PCM at {@link SIM_SAMPLE_RATE}. */
export async function speak(text: string, language: string, rate = 1): Promise<Pcm> {
  if (hasEspeak()) {
    try {
      return await espeak(text, language, rate);
    } catch {
      // espeak-ng lacks some languages; fall back to its base language, then to the tone.
      const base = language.split('-')[0]!;
      if (base !== language) {
        try {
          return await espeak(text, base, rate);
        } catch {
          /* tone below */
        }
      }
    }
  }
  return tone(text, rate);
}
