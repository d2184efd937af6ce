// Google Cloud TTS simulator: `POST /v1/text:synthesize` and `GET /v1/voices` with the real limits
// (5,000 bytes of input, existing voices only) and real audio whose length follows the text.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { encodeWav } from '../domain/audio';
import { encodeMp3 } from '../adapters/audio-codec';
import { CallCounters } from './counters';
import { HttpError, apiKeyInvalidDetail, apiKeyOf, readJson, sendGoogleError, sendJson, sleep } from './http';
import { speak } from './speech';
import { SEED_VOICES, type SimVoice } from './voices';

export interface TtsSimOptions {
  validKeys?: string[];
  invalidKeys?: string[];
  latencyMs?: number;
  voices?: SimVoice[];
}

/** Google's AudioEncoding enum; the REST transport of the SDK sends numbers, curl users send names. */
const ENCODINGS: Record<string, string> = { '1': 'LINEAR16', '2': 'MP3', '3': 'OGG_OPUS', '5': 'MULAW', '6': 'ALAW', '7': 'PCM' };
const GENDER_NUMBERS: Record<string, number> = { MALE: 1, FEMALE: 2, NEUTRAL: 3 };

const MAX_INPUT_BYTES = 5000;

interface SynthesizeBody {
  input?: { text?: string; ssml?: string; markup?: string };
  voice?: { languageCode?: string; name?: string };
  audioConfig?: { audioEncoding?: string | number; speakingRate?: number; pitch?: number; sampleRateHertz?: number };
}

/** Plain text of SSML input, for speaking it. */
function ssmlText(ssml: string): string {
  if (!/^\s*<speak[\s>]/.test(ssml) || !/<\/speak>\s*$/.test(ssml)) throw new HttpError(400, 'Invalid SSML: input must be enclosed in <speak> tags.');
  if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i.test(ssml)) throw new HttpError(400, 'Invalid SSML: unescaped ampersand.');
  return ssml
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

export class TtsSimulator {
  readonly counters = new CallCounters();
  constructor(public options: TtsSimOptions = {}) {}

  get voices(): SimVoice[] {
    return this.options.voices ?? SEED_VOICES;
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    const isSynth = /^\/(v1|v1beta1)\/text:synthesize$/.test(path);
    const isVoices = /^\/(v1|v1beta1)\/voices$/.test(path);
    if (!isSynth && !isVoices) return false;
    try {
      const key = apiKeyOf(req, url);
      this.counters.record(isSynth ? 'synthesize' : 'voices', key);
      this.checkKey(key);
      if (isSynth && req.method === 'POST') await this.synthesize(req, res);
      else if (isVoices && req.method === 'GET') this.listVoices(res, url);
      else throw new HttpError(404, 'Not found.');
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(500, 'Internal error encountered.');
      this.counters.recordError(e.status);
      sendGoogleError(res, e);
    }
    return true;
  }

  private checkKey(key: string | undefined): void {
    if (!key) throw new HttpError(403, 'The request is missing a valid API key.');
    if (this.options.invalidKeys?.includes(key) || (this.options.validKeys && !this.options.validKeys.includes(key))) {
      throw new HttpError(400, 'API key not valid. Please pass a valid API key.', [apiKeyInvalidDetail('texttospeech.googleapis.com')]);
    }
  }

  private listVoices(res: ServerResponse, url: URL): void {
    const lang = url.searchParams.get('languageCode');
    const enumInt = (url.searchParams.get('$alt') ?? '').includes('enum-encoding=int');
    const voices = this.voices
      .filter((v) => !lang || v.languageCodes.some((c) => c.toLowerCase().startsWith(lang.toLowerCase())))
      .map((v) => ({ ...v, ssmlGender: enumInt ? GENDER_NUMBERS[v.ssmlGender] : v.ssmlGender }));
    sendJson(res, 200, { voices });
  }

  private async synthesize(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = (await readJson(req)) as SynthesizeBody;
    const input = body.input ?? {};
    const given = [input.text, input.ssml, input.markup].filter((x) => typeof x === 'string');
    if (given.length !== 1) throw new HttpError(400, 'Exactly one of input.text, input.ssml or input.markup must be set.');
    const raw = given[0]!;
    if (raw.length === 0) throw new HttpError(400, 'Either `input.text` or `input.ssml` is empty.');
    if (Buffer.byteLength(raw, 'utf8') > MAX_INPUT_BYTES) {
      throw new HttpError(400, `Either \`input.text\` or \`input.ssml\` is longer than the limit of ${MAX_INPUT_BYTES} bytes. This limit is different from quotas. To fix, reduce the byte length of the characters in this request, or consider using the Long Audio API: https://cloud.google.com/text-to-speech/docs/create-audio-text-long-audio-synthesis.`);
    }
    const text = input.ssml !== undefined ? ssmlText(raw) : raw;
    const languageCode = body.voice?.languageCode;
    if (!languageCode) throw new HttpError(400, 'Voice language code is required.');
    const name = body.voice?.name;
    const voice = name ? this.voices.find((v) => v.name === name) : this.voices.find((v) => v.languageCodes.includes(languageCode));
    if (!voice) throw new HttpError(400, name ? `Voice '${name}' does not exist. Is it misspelled?` : `No voice found for language ${languageCode}.`);
    if (!voice.languageCodes.some((c) => c.toLowerCase() === languageCode.toLowerCase())) {
      throw new HttpError(400, `Requested language code '${languageCode}' doesn't match the voice '${voice.name}' language code '${voice.languageCodes[0]}'!`);
    }
    const cfg = body.audioConfig ?? {};
    const encoding = ENCODINGS[String(cfg.audioEncoding)] ?? String(cfg.audioEncoding ?? '');
    if (!['LINEAR16', 'MP3'].includes(encoding)) {
      throw new HttpError(400, encoding ? `Unsupported audio encoding ${encoding} in this simulator.` : 'AudioConfig.audioEncoding is required.');
    }
    const rate = cfg.speakingRate ?? 1;
    if (rate !== 0 && (rate < 0.25 || rate > 4)) throw new HttpError(400, 'speakingRate must be between 0.25 and 4.0.');
    if (this.options.latencyMs) await sleep(this.options.latencyMs);
    const pcm = await speak(text, languageCode, rate || 1);
    const audio = encoding === 'MP3' ? await encodeMp3(pcm) : encodeWav(pcm);
    sendJson(res, 200, { audioContent: audio.toString('base64') });
  }
}
