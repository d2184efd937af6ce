// Catalog and estimate routes: the languages and voices users pick from, and what a batch will cost
// and take before it is launched (POST /api/estimates, for logged-in users), calibrated on recent scripts and jobs and aware of
// the scripts the content-addressed cache already holds.
import { Router } from 'express';
import { FAMILY_CAPABILITIES, languageName, type CatalogVoice, type PriceTable } from '../domain/catalog';
import { ErrorCode } from '../domain/errors';
import { z } from 'zod';
import { EstimateSchema, LanguagesQuery, VoicesQuery } from './catalog-schemas';
import { route, type Api } from './http';
import { ApiError } from './errors';
import type { BatchEstimator } from './estimator';

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
    // Gemini-TTS: a speaker on a model, priced by tokens (never by characters).
    ...(v.model
      ? {
          model: v.model,
          speaker: v.speaker,
          readiness: v.readiness,
          pricePerMillionTokens: prices.geminiTts?.models[v.model]
            ? { textInput: prices.geminiTts.models[v.model]!.inputPerMillionTextTokens, audioOutput: prices.geminiTts.models[v.model]!.outputPerMillionAudioTokens }
            : null,
        }
      : {}),
  };
}

export function createCatalogRouter(estimator: BatchEstimator): Router {
  const { catalog, prices } = estimator;
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
      gemini: families.includes('gemini') ? { models: [...new Set(voices.flatMap((v) => (v.model ? [v.model] : [])))].sort(), readiness: voices.find((v) => v.readiness)?.readiness ?? null } : null,
    };
  });

  // Locales and voices per family, for the page and the README's counts.
  const byFamily: Record<string, { locales: number; voices: number }> = {};
  for (const v of catalog.voices) (byFamily[v.family] ??= { locales: 0, voices: 0 }).voices++;
  for (const f of Object.keys(byFamily)) byFamily[f]!.locales = languages.filter((l) => l.families.some((x) => x.family === f)).length;

  router.get('/api/languages', (req, res) => {
    LanguagesQuery.parse(req.query);
    res.json({ languages, total: languages.length, voices: catalog.voices.length, byFamily, source: catalog.source, documented: catalog.documented });
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
    if (q.model) voices = voices.filter((v) => v.model === q.model);
    if (q.gender) voices = voices.filter((v) => v.ssmlGender === q.gender);
    res.json({ voices: voices.map((v) => voiceView(v, prices)), total: voices.length });
  });

  return router;
}


/** POST /api/estimates: needs a login, and counts cache hits among the caller's own scripts only. */
export function estimateRoute(api: Api): void {
  const { estimator } = api;
  route(
    api,
    {
      method: 'post',
      path: '/api/estimates',
      tag: 'catalog',
      summary: 'What a batch would cost and how long it would take, before launching it',
      description: "Scripts already in the cache count only when the caller's own batches wrote them.",
      body: EstimateSchema,
      responses: { 200: { description: 'the estimate', schema: z.object({ estimate: z.any(), withinBudget: z.boolean().nullable(), pricing: z.any() }) } },
    },
    async ({ res, body, user }) => {
      const estimate = await estimator.estimate({ ...body, titles: body.titles, languages: body.languages, userId: user.id });
      res.json({
        estimate,
        withinBudget: body.budgetUsd === undefined ? null : estimate.cost.totalUsd <= body.budgetUsd,
        pricing: { compiledOn: estimator.prices.source.compiledOn, references: estimator.prices.source.references, notes: estimator.prices.source.notes ?? null },
      });
    },
  );
}
