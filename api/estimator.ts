// The estimator as the API uses it: checks voices against the catalog, then estimates a batch-to-be,
// calibrated on recent scripts and job latencies and aware of what the script cache already holds.
// POST /api/estimates answers with it, and POST /api/batches stores its answer on the new batch.
import type { Kysely } from 'kysely';
import { cachedScriptCells, recentBatchIdsOf, recentGeminiSpeech, recentJobMedianMs, recentScriptSamples } from '../db/estimates';
import type { Database } from '../db/schema';
import type { PriceTable, VoiceCatalog } from '../domain/catalog';
import { ErrorCode } from '../domain/errors';
import { calibrateSpeechRate } from '../domain/gemini-tts';
import { calibrate, estimateBatch, EstimateError, type BatchEstimate, type Latencies } from '../domain/estimates';
import type { AgentSnapshot } from '../domain/prompts';
import type { BatchMode } from '../domain/plan';
import { ApiError } from './errors';

/** What an estimate is made of: the shape of a batch, and optionally what to assume about capacity. */
export interface EstimateQuestion {
  mode: BatchMode;
  titles: string[];
  languages: Array<{ language: string; voice: string }>;
  masterLanguage?: string;
  variations: number;
  agent: AgentSnapshot;
  model?: string;
  keys?: { gemini?: number; tts?: number };
  slots?: { gemini?: number; tts?: number };
  /** The caller: cache hits count only scripts of their own batches. */
  userId?: string;
}

/** Scales the price file's per-stage latencies so a typical job (one adaptation, one TTS request) takes `jobMs`. */
export function latenciesFromJobs(jobMs: number | undefined, defaults: Latencies): Latencies | undefined {
  if (jobMs === undefined || jobMs <= 0) return undefined;
  const k = jobMs / (defaults.geminiAdaptationMs + defaults.ttsRequestMs);
  return { geminiMasterMs: defaults.geminiMasterMs * k, geminiAdaptationMs: defaults.geminiAdaptationMs * k, ttsRequestMs: defaults.ttsRequestMs * k };
}

/**
 * The caller's own recent work calibrates their estimates once there is enough of it (their agents,
 * languages and script lengths); until then, everyone's recent work does.
 */
export const OWN_CALIBRATION_MIN = { scripts: 10, speech: 5 } as const;

export class BatchEstimator {
  constructor(
    private readonly db: Kysely<Database>,
    readonly catalog: VoiceCatalog,
    readonly prices: PriceTable,
    /** The model the workers write with: part of the script cache key. */
    private readonly model: string,
  ) {}

  /** 400 `validation_error` naming every voice the catalog does not have. */
  checkVoices(languages: ReadonlyArray<{ language: string; voice: string }>): void {
    const unknown = languages.flatMap((lv, i) =>
      this.catalog.byName.has(lv.voice) ? [] : [{ path: `languages.${i}.voice`, message: `unknown voice ${lv.voice}; see GET /api/voices?language=${lv.language}` }],
    );
    if (unknown.length) throw new ApiError(400, ErrorCode.validation, 'the request names voices that are not in the catalog', unknown);
  }

  /** Estimates the batch; `before` leaves out what happened from then on (so a batch is not calibrated on itself). */
  async estimate(q: EstimateQuestion, before?: Date): Promise<BatchEstimate> {
    this.checkVoices(q.languages);
    const masterLanguage = q.masterLanguage ?? q.languages[0]!.language;
    const own = q.userId ? await recentBatchIdsOf(this.db, q.userId, { before }) : [];
    const [ownSamples, ownSpeech, jobMs, cache] = await Promise.all([
      recentScriptSamples(this.db, { before, batchIds: own }),
      recentGeminiSpeech(this.db, { before, batchIds: own }),
      recentJobMedianMs(this.db, { before }),
      cachedScriptCells(this.db, { titles: q.titles, variations: q.variations, masterLanguage, languages: q.languages.map((l) => l.language), model: this.model, agent: q.agent, userId: q.userId }),
    ]);
    const samples = ownSamples.length >= OWN_CALIBRATION_MIN.scripts ? ownSamples : await recentScriptSamples(this.db, { before });
    const speech = ownSpeech.length >= OWN_CALIBRATION_MIN.speech ? ownSpeech : await recentGeminiSpeech(this.db, { before });
    try {
      return estimateBatch(
        {
          mode: q.mode,
          titles: q.titles,
          languages: q.languages,
          variations: q.variations,
          masterLanguage,
          cache,
          agent: q.agent,
          model: q.model ?? this.model,
          keys: q.keys,
          slots: q.slots,
          calibration: calibrate(samples),
          geminiSpeechRate: calibrateSpeechRate(speech),
          latencies: latenciesFromJobs(jobMs, this.prices.latencies),
        },
        this.prices,
      );
    } catch (err) {
      if (err instanceof EstimateError) throw new ApiError(400, ErrorCode.validation, err.message);
      throw err;
    }
  }
}
