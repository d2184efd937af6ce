// The new-batch form as the API's requests: the batch to create (POST /api/batches) and the estimate to
// ask for (POST /api/estimates) while the form changes.
import { EstimateSchema, type EstimateRequest } from '../../api/catalog-schemas';
import type { AgentChoice } from './components/AgentEditor';
import type { Options } from './components/BatchOptions';

export type Mode = 'matrix' | 'expand_languages' | 'expand_titles';

export interface BatchForm {
  mode: Mode;
  titles: string[];
  languages: string[];
  voices: Record<string, string>;
  agent: AgentChoice;
  options: Options;
}

const optionalNumber = (text: string): number | undefined => (text.trim() === '' ? undefined : Number(text));

/** The creation body, and the languages that have a voice (a language without one is not sent). */
export function batchRequest({ mode, titles, languages, voices, agent, options }: BatchForm) {
  const chosen = languages.filter((l) => voices[l]).map((l) => ({ language: l, voice: voices[l]! }));
  const budgetUsd = optionalNumber(options.budgetUsd);
  const speakingRate = optionalNumber(options.speakingRate);
  const body = {
    mode,
    titles: titles.map((t) => t.trim()),
    languages: chosen,
    variations: options.variations,
    priority: options.priority,
    audio: { encoding: options.encoding, ...(speakingRate !== undefined ? { speakingRate } : {}) },
    ...(budgetUsd !== undefined ? { budgetUsd } : {}),
    ...(options.webhookUrl.trim() ? { webhook: { url: options.webhookUrl.trim(), secret: options.webhookSecret } } : {}),
    ...(agent.saved ? { agentId: agent.saved.id, agentVersion: agent.saved.version } : { agent: agent.fields }),
  };
  return { body, chosen, budgetUsd };
}

/** The estimate request for the form, or null while it cannot be estimated (no title or voiced language yet). */
export function estimateRequest(form: BatchForm): EstimateRequest | null {
  const { body, chosen, budgetUsd } = batchRequest(form);
  if (body.titles.length === 0 || chosen.length === 0) return null;
  const parsed = EstimateSchema.safeParse({ mode: form.mode, titles: body.titles, languages: chosen, variations: form.options.variations, agent: form.agent.fields, ...(budgetUsd !== undefined ? { budgetUsd } : {}) });
  return parsed.success ? parsed.data : null;
}
