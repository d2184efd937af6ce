// Google Cloud TTS simulator: `POST /v1|v1beta1/text:synthesize` and `GET /v1/voices` with the real limits
// (5,000 bytes of input, sentence length, SSML validity, existing voices, per-voice features, quotas) and real
// audio whose length follows the text, in LINEAR16, MP3 or OGG_OPUS, with `<mark>` timepoints on v1beta1.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resamplePcm, type Pcm } from '../domain/audio/pcm';
import { encodeWav } from '../domain/audio/wav';
import { encodeMp3, encodeOggOpus } from '../adapters/audio-codec';
import { voiceFeatures } from '../domain/voice-features';
import { CallCounters, digest } from './counters';
import { checkGeminiTtsRequest, type GeminiTtsSimOptions } from './gemini-tts';
import { HttpError, QuotaMeter, admit, answerError, apiKeyOf, arrivalOf, readJson, sendJson, simulateLatency, type CommonSimOptions, type QuotaNames } from './http';
import { RecentLog } from './recent';
import { speak, speakSegments, type SpeechEngine } from './speech';
import { audioJson, checkCustomPronunciations, phonemesIn, voiceLevelDb, type ReceivedInput } from './tts-quality';
import { SEED_VOICES, type SimVoice } from './voices';

export interface TtsSimOptions extends CommonSimOptions {
  voices?: SimVoice[];
  /** Longest sentence accepted, in UTF-8 bytes. @default SENTENCE_LIMIT_BYTES */
  maxSentenceBytes?: number;
  /** `tone` skips espeak-ng: fast, and the length follows the text exactly. @default 'auto' */
  speech?: SpeechEngine;
  /** Level (dB) a voice speaks at; other voices get one of 0, -4, -8, -12 dB by a hash of their name. */
  voiceLevelsDb?: Record<string, number>;
  /** Gemini-TTS models, speakers, locales and request limits. @default the shipped catalog and documented limits */
  geminiTts?: GeminiTtsSimOptions;
}

/** A synthesize request as received, for tests that check what the client sent. */
export interface ReceivedSynthesize {
  version: 'v1' | 'v1beta1';
  body: unknown;
}

/** Google's AudioEncoding enum; the REST transport of the SDK sends numbers, curl users send names. */
const ENCODINGS: Record<string, string> = { '1': 'LINEAR16', '2': 'MP3', '3': 'OGG_OPUS', '5': 'MULAW', '6': 'ALAW', '7': 'PCM' };
const GENDER_NUMBERS: Record<string, number> = { MALE: 1, FEMALE: 2, NEUTRAL: 3 };
const SUPPORTED_OUTPUT = ['LINEAR16', 'MP3', 'OGG_OPUS'];

/** Google rejects any input over this many bytes. */
export const MAX_INPUT_BYTES = 5000;
/**
 * The simulator's longest sentence, in UTF-8 bytes. Google does not publish its threshold; it rejects long runs
 * without sentence-ending punctuation. Bolt IA's chunker keeps sentences under 700 bytes, so this leaves room.
 */
export const SENTENCE_LIMIT_BYTES = 1000;

const TOO_LONG_INPUT = `Either \`input.text\` or \`input.ssml\` is longer than the limit of ${MAX_INPUT_BYTES} bytes. This limit is different from quotas. To fix, reduce the byte length of the characters in this request, or consider using the Long Audio API: https://cloud.google.com/text-to-speech/docs/create-audio-text-long-audio-synthesis.`;
const TOO_LONG_SENTENCE = 'This request contains sentences that are too long. To fix, split up long sentences with sentence ending punctuation e.g. periods.';

const QUOTA_NAMES: QuotaNames = {
  service: 'texttospeech.googleapis.com',
  metric: 'texttospeech.googleapis.com/synthesize_requests',
  minuteId: (per) => (per === 'Key' ? 'SynthesizeRequestsPerMinutePerKey' : 'SynthesizeRequestsPerMinutePerProject'),
  dayId: (per) => (per === 'Key' ? 'SynthesizeRequestsPerDayPerKey' : 'SynthesizeRequestsPerDayPerProject'),
};

interface SynthesizeBody {
  input?: { text?: unknown; ssml?: unknown; markup?: unknown; prompt?: unknown; customPronunciations?: unknown };
  voice?: { languageCode?: unknown; name?: unknown; modelName?: unknown };
  audioConfig?: { audioEncoding?: string | number; speakingRate?: number; pitch?: number; volumeGainDb?: number; sampleRateHertz?: number };
  enableTimePointing?: Array<string | number>;
}

/** What SSML says: the text to speak, split where marks stand and where sentences are forced (`<s>`, `<p>`, `<break>`). */
interface ParsedSsml {
  /** Text between marks: segment 0 before the first mark, segment k after mark k. */
  segments: string[];
  marks: string[];
  /** Text between forced sentence boundaries, for the sentence-length rule. */
  sentenceGroups: string[];
}

const SSML_ELEMENTS = new Set(['speak', 'mark', 's', 'p', 'break', 'say-as', 'sub', 'emphasis', 'prosody', 'audio', 'phoneme', 'voice', 'lang', 'par', 'seq', 'media', 'desc']);
const ENTITY = /&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/gi;

function unescapeXml(s: string): string {
  return s.replace(ENTITY, (_, e: string) => {
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (named[e.toLowerCase()]) return named[e.toLowerCase()]!;
    const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return String.fromCodePoint(code);
  });
}

/** Parses SSML strictly enough to reject what Google rejects (unbalanced or unknown tags, bare `&` or `<`). */
export function parseSsml(ssml: string): ParsedSsml {
  const invalid = (why: string) => new HttpError(400, `Invalid SSML: ${why}`);
  const src = ssml.trim();
  if (!/^<speak(\s[^>]*)?>/.test(src) || !/<\/speak>$/.test(src)) throw invalid('input must be enclosed in <speak> tags.');
  const segments = [''];
  const marks: string[] = [];
  const groups = [''];
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y;
  let i = 0;
  const addText = (raw: string) => {
    if (raw.includes('<')) throw invalid('unescaped "<" in text.');
    if (/&/.test(raw.replace(ENTITY, ''))) throw invalid('unescaped "&" in text (use &amp;).');
    const text = unescapeXml(raw);
    segments[segments.length - 1] += text;
    groups[groups.length - 1] += text;
  };
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    if (lt < 0) {
      addText(src.slice(i));
      break;
    }
    if (lt > i) addText(src.slice(i, lt));
    tag.lastIndex = lt;
    const m = tag.exec(src);
    if (!m) throw invalid(`malformed tag at offset ${lt}.`);
    const [, closing, name, attrs, selfClosing] = m;
    const el = name!.toLowerCase();
    if (!SSML_ELEMENTS.has(el)) throw invalid(`unsupported element <${el}>.`);
    if (closing) {
      if (stack.pop() !== el) throw invalid(`closing </${el}> does not match.`);
    } else if (!selfClosing) {
      if (el === 'speak' && stack.length > 0) throw invalid('<speak> cannot be nested.');
      stack.push(el);
    }
    if (el === 'mark' && !closing) {
      const markName = /\bname\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(attrs ?? '');
      if (!markName) throw invalid('<mark> needs a name attribute.');
      marks.push(markName[1] ?? markName[2]!);
      segments.push('');
    }
    if (el === 's' || el === 'p' || el === 'break') groups.push('');
    i = lt + m[0].length;
  }
  if (stack.length > 0) throw invalid(`<${stack[stack.length - 1]}> is not closed.`);
  return { segments, marks, sentenceGroups: groups };
}

/** Throws Google's "sentences too long" error when any sentence runs over `limit` bytes. */
export function checkSentences(groups: string[], locale: string, limit: number): void {
  const segmenter = new Intl.Segmenter(locale, { granularity: 'sentence' });
  for (const g of groups) {
    for (const { segment } of segmenter.segment(g)) {
      if (Buffer.byteLength(segment.trim(), 'utf8') > limit) throw new HttpError(400, TOO_LONG_SENTENCE);
    }
  }
}

export class TtsSimulator {
  readonly counters = new CallCounters();
  readonly quotas = new QuotaMeter();
  /** The inputs received (text or SSML, phonemes, custom pronunciations), the newest 2,000 kept. */
  readonly receivedInputs = new RecentLog<ReceivedInput>(2000);
  /** The synthesize bodies received, the newest 2,000 kept. */
  readonly received = new RecentLog<ReceivedSynthesize>(2000);
  constructor(public options: TtsSimOptions = {}) {}

  get voices(): SimVoice[] {
    return this.options.voices ?? SEED_VOICES;
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    const synth = /^\/(v1|v1beta1)\/text:synthesize$/.exec(path);
    const isVoices = /^\/(v1|v1beta1)\/voices$/.test(path);
    if (!synth && !isVoices) return false;
    try {
      const key = apiKeyOf(req, url);
      const arrived = arrivalOf(req);
      this.counters.record(synth ? 'synthesize' : 'voices', key, undefined, arrived);
      if (synth && req.method === 'POST') {
        admit(key, this.options, this.quotas, QUOTA_NAMES, arrived);
        this.counters.recordAnswer('synthesize', await this.synthesize(req, res, synth[1] === 'v1beta1'));
      } else if (isVoices && req.method === 'GET') {
        // voices.list has its own, much larger quota; only keys and faults apply.
        admit(key, { ...this.options, quota: undefined, exhaustedKeys: undefined }, this.quotas, QUOTA_NAMES, arrived);
        this.listVoices(res, url);
      } else throw new HttpError(404, 'Not found.');
    } catch (err) {
      await answerError(req, res, err, (s) => this.counters.recordError(s));
    }
    return true;
  }

  private listVoices(res: ServerResponse, url: URL): void {
    const lang = url.searchParams.get('languageCode');
    const enumInt = (url.searchParams.get('$alt') ?? '').includes('enum-encoding=int');
    const voices = this.voices
      .filter((v) => !lang || v.languageCodes.some((c) => c.toLowerCase().startsWith(lang.toLowerCase())))
      .map((v) => ({ ...v, ssmlGender: enumInt ? GENDER_NUMBERS[v.ssmlGender] : v.ssmlGender }));
    sendJson(res, 200, { voices });
  }

  /** Answers a synthesize request; returns what it asked for (voice, language and a digest of the whole body). */
  private async synthesize(req: IncomingMessage, res: ServerResponse, beta: boolean): Promise<string> {
    const body = (await readJson(req)) as SynthesizeBody;
    this.received.push({ version: beta ? 'v1beta1' : 'v1', body });
    const identity = `synthesize ${String(body.voice?.name ?? '')} ${String(body.voice?.languageCode ?? '')} #${digest(JSON.stringify(body))}`;
    const gemini = checkGeminiTtsRequest(body, this.options.geminiTts);
    if (gemini) {
      await this.synthesizeGemini(res, body, gemini.text, beta);
      return identity;
    }
    const input = body.input ?? {};
    const given = (['text', 'ssml', 'markup'] as const).filter((k) => input[k] !== undefined && input[k] !== null);
    if (given.length === 0) throw new HttpError(400, 'Either `input.text` or `input.ssml` is empty.');
    if (given.length > 1) throw new HttpError(400, 'Exactly one of input.text, input.ssml or input.markup must be set.');
    const raw = input[given[0]!];
    if (typeof raw !== 'string') throw new HttpError(400, `Invalid value at 'input.${given[0]}' (TYPE_STRING)`);
    if (raw.trim().length === 0) throw new HttpError(400, 'Either `input.text` or `input.ssml` is empty.');
    if (Buffer.byteLength(raw, 'utf8') > MAX_INPUT_BYTES) throw new HttpError(400, TOO_LONG_INPUT);

    const languageCode = body.voice?.languageCode;
    if (typeof languageCode !== 'string' || !languageCode) throw new HttpError(400, 'Voice language code is required.');
    const name = typeof body.voice?.name === 'string' ? body.voice.name : undefined;
    const voice = name ? this.voices.find((v) => v.name === name) : this.voices.find((v) => v.languageCodes.includes(languageCode));
    if (!voice) throw new HttpError(400, name ? `Voice '${name}' does not exist. Is it misspelled?` : `No voice found for language ${languageCode}.`);
    if (!voice.languageCodes.some((c) => c.toLowerCase() === languageCode.toLowerCase())) {
      throw new HttpError(400, `Requested language code '${languageCode}' doesn't match the voice '${voice.name}' language code '${voice.languageCodes[0]}'!`);
    }
    const features = voiceFeatures(voice.name);

    const cfg = body.audioConfig ?? {};
    const encoding = ENCODINGS[String(cfg.audioEncoding)] ?? String(cfg.audioEncoding ?? '');
    if (!encoding || encoding === '0') throw new HttpError(400, 'AudioConfig.audioEncoding is required.');
    if (!SUPPORTED_OUTPUT.includes(encoding)) throw new HttpError(400, `Unsupported audio encoding ${encoding} in this simulator (LINEAR16, MP3 and OGG_OPUS are).`);
    const rate = cfg.speakingRate ?? 0;
    if (rate !== 0 && (rate < 0.25 || rate > 4)) throw new HttpError(400, 'speakingRate must be between 0.25 and 4.0.');
    const pitch = cfg.pitch ?? 0;
    if (pitch < -20 || pitch > 20) throw new HttpError(400, 'pitch must be between -20.0 and 20.0.');
    if (cfg.volumeGainDb !== undefined && (cfg.volumeGainDb < -96 || cfg.volumeGainDb > 16)) throw new HttpError(400, 'volumeGainDb must be between -96.0 and 16.0.');
    const sampleRate = cfg.sampleRateHertz ?? 0;
    if (sampleRate !== 0 && (sampleRate < 8000 || sampleRate > 48000)) throw new HttpError(400, 'sampleRateHertz must be between 8000 and 48000.');
    if (given[0] === 'ssml' && !features.ssml) throw new HttpError(400, `This voice (${voice.name}) does not support SSML input. Use input.text.`);
    if (pitch !== 0 && !features.pitch) throw new HttpError(400, `This voice (${voice.name}) does not support pitch parameters.`);
    if (rate !== 0 && rate !== 1 && !features.speakingRate) throw new HttpError(400, `This voice (${voice.name}) does not support speaking rate parameters.`);

    const ssml = given[0] === 'ssml' ? parseSsml(raw) : undefined;
    const customPronunciations = checkCustomPronunciations(input.customPronunciations, voice.name, ssml ? raw : undefined);
    this.receivedInputs.push({ voice: voice.name, kind: given[0]!, input: raw, phonemes: ssml ? phonemesIn(raw) : [], ...(customPronunciations ? { customPronunciations } : {}) });
    const plain = ssml ? ssml.segments.join('') : raw;
    checkSentences(ssml ? ssml.sentenceGroups : [plain], languageCode, this.options.maxSentenceBytes ?? SENTENCE_LIMIT_BYTES);

    const wantMarks = beta && features.timepoints && (body.enableTimePointing ?? []).some((t) => t === 'SSML_MARK' || t === 1);
    await simulateLatency(this.options);
    let pcm: Pcm;
    let timepoints: Array<{ markName: string; timeSeconds: number }> | undefined;
    const levelDb = voiceLevelDb(voice.name, this.options.voiceLevelsDb);
    if (ssml && wantMarks) {
      const spoken = await speakSegments(ssml.segments, languageCode, rate || 1, this.options.speech, levelDb);
      pcm = spoken.pcm;
      timepoints = ssml.marks.map((markName, k) => ({ markName, timeSeconds: spoken.startsSeconds[k + 1]! }));
    } else {
      pcm = await speak(plain, languageCode, rate || 1, this.options.speech, levelDb);
    }
    if (sampleRate) {
      const from = pcm.sampleRate;
      pcm = resamplePcm(pcm, sampleRate);
      if (timepoints) timepoints = timepoints.map((t) => ({ ...t, timeSeconds: Math.floor(t.timeSeconds * from) / from }));
    }
    const audio = encoding === 'MP3' ? await encodeMp3(pcm) : encoding === 'OGG_OPUS' ? encodeOggOpus(pcm) : encodeWav(pcm);
    const audioConfig = { audioEncoding: encoding, speakingRate: rate || 1, pitch, sampleRateHertz: pcm.sampleRate };
    // Google bills every character sent, SSML tags included, except <mark> tags.
    this.counters.bill([...(ssml ? raw.replace(/<mark\b[^>]*\/>/g, '') : raw)].length);
    sendJson(res, 200, audioJson(audio, beta ? { timepoints: timepoints ?? [], audioConfig } : {}));
    return identity;
  }

  /** A checked Gemini-TTS request: speech in the request's locale (the prompt steers style, not words). */
  private async synthesizeGemini(res: ServerResponse, body: SynthesizeBody, text: string, beta: boolean): Promise<void> {
    const cfg = body.audioConfig ?? {};
    const encoding = ENCODINGS[String(cfg.audioEncoding)] ?? String(cfg.audioEncoding ?? 'LINEAR16');
    if (!SUPPORTED_OUTPUT.includes(encoding)) throw new HttpError(400, `Unsupported audio encoding ${encoding} in this simulator (LINEAR16, MP3 and OGG_OPUS are).`);
    await simulateLatency(this.options);
    let pcm = await speak(text, String(body.voice?.languageCode), 1, this.options.speech);
    if (cfg.sampleRateHertz) pcm = resamplePcm(pcm, cfg.sampleRateHertz);
    const audio = encoding === 'MP3' ? await encodeMp3(pcm) : encoding === 'OGG_OPUS' ? encodeOggOpus(pcm) : encodeWav(pcm);
    sendJson(res, 200, audioJson(audio, beta ? { timepoints: [], audioConfig: { audioEncoding: encoding, sampleRateHertz: pcm.sampleRate } } : {}));
  }
}
