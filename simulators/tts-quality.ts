// What the TTS simulator adds for narration quality: each voice speaks at its own level (so loudness
// normalisation has real differences to even out), and `customPronunciations` is checked as Google documents it.
// It also builds the audio's JSON answer cheaply.
import { createHash } from 'node:crypto';
import type { Pcm } from '../domain/audio/pcm';
import { familyOf } from '../domain/catalog';
import { HttpError } from './http';

/** Levels a voice speaks at, in dB, chosen by a hash of its name; tests may set their own per voice. */
const LEVELS_DB = [0, -4, -8, -12];

/** The level (dB of gain) a simulated voice speaks at. */
export function voiceLevelDb(voice: string, overrides: Record<string, number> = {}): number {
  if (overrides[voice] !== undefined) return overrides[voice];
  return LEVELS_DB[createHash('sha256').update(voice).digest()[0]! % LEVELS_DB.length]!;
}

/** Every 16-bit sample's value at a level, by level (dB): tests set few levels, so a handful are ever kept. */
const levelTables = new Map<number, Int16Array>();

/** The 65,536 16-bit values at `db`, rounded and clamped, indexed by value + 32768. */
function levelTable(db: number): Int16Array {
  let table = levelTables.get(db);
  if (!table) {
    if (levelTables.size >= 16) levelTables.clear();
    const g = 10 ** (db / 20);
    table = new Int16Array(65536);
    for (let v = -32768; v < 32768; v++) table[v + 32768] = Math.max(-32768, Math.min(32767, Math.round(v * g)));
    levelTables.set(db, table);
  }
  return table;
}

/** The PCM at the voice's level (each sample looked up in its level's table: this is the simulator's CPU, which benches count). */
export function atVoiceLevel(pcm: Pcm, db: number): Pcm {
  if (db === 0) return pcm;
  const table = levelTable(db);
  const from = pcm.samples;
  const n = from.length;
  const samples = new Int16Array(n);
  for (let i = 0; i < n; i++) samples[i] = table[from[i]! + 32768]!;
  return { sampleRate: pcm.sampleRate, samples };
}

/**
 * `{ "audioContent": <base64 of audio>, ...rest }` as bytes, the base64 copied in: it needs no JSON escaping, and
 * scanning half a megabyte of it as JSON was a large part of the simulator's CPU, which benches count.
 */
export function audioJson(audio: Buffer, rest: Record<string, unknown>): Buffer {
  const tail = JSON.stringify(rest).slice(1); // `}` or `"timepoints":…}`
  return Buffer.concat([Buffer.from('{"audioContent":"'), Buffer.from(audio.toString('base64'), 'latin1'), Buffer.from(tail === '}' ? '"}' : `",${tail}`)]);
}

const ENCODINGS: Record<string, string> = { '1': 'PHONETIC_ENCODING_IPA', '2': 'PHONETIC_ENCODING_X_SAMPA', '3': 'PHONETIC_ENCODING_JAPANESE_YOMIGANA', '4': 'PHONETIC_ENCODING_PINYIN' };

/** One pronunciation as the API received it (encodings by name, whether sent as names or numbers). */
export interface ReceivedPronunciation {
  phrase: string;
  phoneticEncoding: string;
  pronunciation: string;
}

/**
 * Validates `input.customPronunciations` like the API: a list of phrase, encoding and pronunciation, only for
 * voice families that take it (Chirp 3: HD), and never for a phrase inside an SSML `<phoneme>`.
 */
export function checkCustomPronunciations(field: unknown, voice: string, ssml: string | undefined): ReceivedPronunciation[] | undefined {
  if (field === undefined || field === null) return undefined;
  const list = (field as { pronunciations?: unknown }).pronunciations;
  if (!Array.isArray(list)) throw new HttpError(400, "Invalid value at 'input.custom_pronunciations.pronunciations'");
  if (familyOf(voice) !== 'chirp3-hd') throw new HttpError(400, `This voice (${voice}) does not support custom pronunciations.`);
  return list.map((p: { phrase?: unknown; phoneticEncoding?: unknown; pronunciation?: unknown }, i) => {
    const encoding = ENCODINGS[String(p.phoneticEncoding)] ?? String(p.phoneticEncoding ?? '');
    if (typeof p.phrase !== 'string' || !p.phrase.trim()) throw new HttpError(400, `input.custom_pronunciations.pronunciations[${i}].phrase is required.`);
    if (!Object.values(ENCODINGS).includes(encoding)) throw new HttpError(400, `input.custom_pronunciations.pronunciations[${i}].phonetic_encoding is required.`);
    if (typeof p.pronunciation !== 'string' || !p.pronunciation.trim()) throw new HttpError(400, `input.custom_pronunciations.pronunciations[${i}].pronunciation is required.`);
    if (ssml && new RegExp(`<phoneme[^>]*>[^<]*${p.phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).test(ssml)) {
      throw new HttpError(400, `The phrase "${p.phrase}" is inside a <phoneme> tag; custom pronunciations cannot apply to it.`);
    }
    return { phrase: p.phrase, phoneticEncoding: encoding, pronunciation: p.pronunciation };
  });
}

/** `<phoneme>` elements of an SSML input, checked for a known alphabet and a pronunciation. */
export function phonemesIn(ssml: string): Array<{ alphabet: string; ph: string; text: string }> {
  return Array.from(ssml.matchAll(/<phoneme\s+([^>]*)>([^<]*)<\/phoneme>/g), (m) => {
    const attr = (name: string) => new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`).exec(m[1]!)?.[1];
    const alphabet = attr('alphabet');
    const ph = attr('ph');
    if (alphabet !== 'ipa' && alphabet !== 'x-sampa') throw new HttpError(400, `Invalid SSML: <phoneme> alphabet must be "ipa" or "x-sampa", not "${alphabet ?? ''}".`);
    if (!ph) throw new HttpError(400, 'Invalid SSML: <phoneme> needs a ph attribute.');
    return { alphabet, ph, text: m[2]! };
  });
}

/** What one synthesize request carried, kept for tests. */
export interface ReceivedInput {
  voice: string;
  kind: 'text' | 'ssml' | 'markup';
  input: string;
  phonemes: Array<{ alphabet: string; ph: string; text: string }>;
  customPronunciations?: ReceivedPronunciation[];
}
