// Catalog and estimate routes: the languages and voices users pick from, and what a batch will cost
// and take before it is launched (POST /api/estimates), calibrated on recent scripts and jobs and aware of
// the scripts the content-addressed cache already holds.
import { Router } from 'express';
import type { Kysely } from 'kysely';
import { loadCatalog } from '../adapters/catalog-files';
import { cachedScriptCells, recentJobMedianMs, recentScriptSamples, type BatchActuals } from '../db/estimates';
import type { Database } from '../db/schema';
import { FAMILY_CAPABILITIES, languageName, type CatalogVoice, type PriceTable, type VoiceCatalog } from '../domain/catalog';
import { loadConfig, type Config } from '../domain/config';
import { ErrorCode } from '../domain/errors';
import { calibrate, estimateBatch, EstimateError, type BatchEstimate, type Latencies } from '../domain/estimates';
import { EstimateSchema, LanguagesQuery, VoicesQuery, type EstimateRequest } from './catalog-schemas';
import { ApiError } from './errors';

export interface CatalogRouteDeps {
  db: Kysely<Database>;
}

export interface CatalogRouteOptions {
  /** Configuration; read from the environment when absent. */
  config?: Config;
  /** Catalog and prices to serve instead of the configured files (tests). */
  catalog?: VoiceCatalog;
  prices?: PriceTable;
}

/** The JSON view of a voice. */
export function voiceView(v: CatalogVoice, prices: PriceTable) {
  const price = prices.tts.families[v.family];
  return {
    name: v.name,
    language: v.language,
    languageCodes: v.languageCodes,
    gender: v.ssmlGender,
    naturalSampleRateHertz: v.naturalSampleRateHertz,
    family: v.family,
    familyLabel: v.capabilities.label,
    capabilities: { ssml: v.capabilities.ssml, speakingRate: v.capabilities.speakingRate, pitch: v.capabilities.pitch, timepoints: v.capabilities.timepoints },
    pricePerMillionCharacters: price?.perMillionCharacters ?? null,
  };
}

/** Scales the price file's per-stage latencies so a typical job (one adaptation, one TTS request) takes `jobMs`. */
export function latenciesFromJobs(jobMs: number | undefined, defaults: Latencies): Latencies | undefined {
  if (jobMs === undefined || jobMs <= 0) return undefined;
  const k = jobMs / (defaults.geminiAdaptationMs + defaults.ttsRequestMs);
  return { geminiMasterMs: defaults.geminiMasterMs * k, geminiAdaptationMs: defaults.geminiAdaptationMs * k, ttsRequestMs: defaults.ttsRequestMs * k };
}

/** Estimate vs actual of one figure, with the relative error of the estimate. */
export function compareFigure(estimated: number, actual: number) {
  return { estimated, actual, error: actual > 0 ? Math.round(((estimated - actual) / actual) * 1000) / 1000 : null };
}

/** Puts an estimate next to what a batch really used, so the page can show both and the estimator be judged. */
export function judgeEstimate(estimate: BatchEstimate, actual: BatchActuals) {
  return {
    ttsCharacters: compareFigure(estimate.providers.tts.characters, actual.ttsCharacters),
    inputTokens: compareFigure(estimate.providers.gemini.inputTokens, actual.inputTokens),
    outputTokens: compareFigure(estimate.providers.gemini.outputTokens, actual.outputTokens),
    geminiTokens: compareFigure(estimate.providers.gemini.inputTokens + estimate.providers.gemini.outputTokens, actual.inputTokens + actual.outputTokens),
    wallSeconds: actual.wallSeconds === null ? null : compareFigure(estimate.duration.seconds, Math.round(actual.wallSeconds)),
  };
}

export function createCatalogRouter(deps: CatalogRouteDeps, options: CatalogRouteOptions = {}): Router {
  const config = options.config ?? loadConfig();
  const loaded = options.catalog && options.prices ? { catalog: options.catalog, prices: options.prices } : loadCatalog(config.catalog);
  const catalog = options.catalog ?? loaded.catalog;
  const prices = options.prices ?? loaded.prices;
  const router = Router();

  const languages = catalog.languages.map((code) => {
    const voices = catalog.byLanguage.get(code) ?? [];
    const families = [...new Set(voices.map((v) => v.family))].sort();
    return {
      code,
      name: languageName(code),
      voices: voices.length,
      families: families.map((f) => ({ family: f, label: FAMILY_CAPABILITIES[f].label, voices: voices.filter((v) => v.family === f).length })),
      chirp3Hd: families.includes('chirp3-hd'),
    };
  });

  router.get('/api/languages', (req, res) => {
    LanguagesQuery.parse(req.query);
    res.json({ languages, total: languages.length, voices: catalog.voices.length, source: catalog.source });
  });

  router.get('/api/voices', (req, res) => {
    const q = VoicesQuery.parse(req.query);
    let voices = catalog.voices;
    if (q.language) {
      const wanted = q.language.toLowerCase();
      voices = voices.filter((v) => v.languageCodes.some((c) => c.toLowerCase() === wanted || c.toLowerCase().startsWith(`${wanted}-`)));
      if (voices.length === 0) throw new ApiError(404, ErrorCode.notFound, `no voices for language ${q.language}`, { language: q.language, see: '/api/languages' });
    }
    if (q.family) voices = voices.filter((v) => v.family === q.family);
    if (q.gender) voices = voices.filter((v) => v.ssmlGender === q.gender);
    res.json({ voices: voices.map((v) => voiceView(v, prices)), total: voices.length });
  });

  router.post('/api/estimates', async (req, res) => {
    const input = EstimateSchema.parse(req.body);
    const estimate = await estimateRequest(input);
    res.json({
      estimate,
      withinBudget: input.budgetUsd === undefined ? null : estimate.cost.totalUsd <= input.budgetUsd,
      pricing: { compiledOn: prices.source.compiledOn, references: prices.source.references, notes: prices.source.notes ?? null },
    });
  });

  async function estimateRequest(input: EstimateRequest, before?: Date): Promise<BatchEstimate> {
    const unknown = input.languages.flatMap((lv, i) => (catalog.byName.has(lv.voice) ? [] : [{ path: `languages.${i}.voice`, message: `unknown voice ${lv.voice}; see GET /api/voices?language=${lv.language}` }]));
    if (unknown.length) throw new ApiError(400, ErrorCode.validation, 'the request names voices that are not in the catalog', unknown);
    const masterLanguage = input.masterLanguage ?? input.languages[0]!.language;
    const [samples, jobMs, cache] = await Promise.all([
      recentScriptSamples(deps.db, { before }),
      recentJobMedianMs(deps.db, { before }),
      // Keyed with the model the workers write with: that is what a launched batch would hit.
      cachedScriptCells(deps.db, { titles: input.titles, variations: input.variations, masterLanguage, languages: input.languages.map((l) => l.language), model: config.gemini.model, agent: input.agent }),
    ]);
    try {
      return estimateBatch(
        {
          mode: input.mode,
          titles: input.titles,
          languages: input.languages,
          variations: input.variations,
          masterLanguage,
          cache,
          agent: input.agent,
          model: input.model ?? config.gemini.model,
          keys: input.keys,
          slots: input.slots,
          calibration: calibrate(samples),
          latencies: latenciesFromJobs(jobMs, prices.latencies),
        },
        prices,
      );
    } catch (err) {
      if (err instanceof EstimateError) throw new ApiError(400, ErrorCode.validation, err.message);
      throw err;
    }
  }

  return router;
}

