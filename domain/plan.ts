// Pure planning: turns a batch request (one of the three modes) into the ordered list of jobs it yields.

/** Batch modes, as the API and the page name them. */
export const BatchMode = {
  expandLanguages: 'expand_languages',
  expandTitles: 'expand_titles',
  matrix: 'matrix',
} as const;
export type BatchMode = (typeof BatchMode)[keyof typeof BatchMode];

/** A target language and the Google TTS voice that speaks it. */
export interface LanguageVoice {
  language: string;
  voice: string;
}

/** The part of a batch request that decides which jobs exist. */
export interface BatchShape {
  mode: BatchMode;
  titles: string[];
  languages: LanguageVoice[];
  /** 1–5 scripts per (title, language). @default 1 */
  variations: number;
  /** Language the master script is written in; adaptation targets every other language. */
  masterLanguage: string;
}

/** One job of a batch, before it has a database id. */
export interface PlannedJob {
  /** Position of the job in the batch, 0-based; stable ordering key. */
  seq: number;
  titleIndex: number;
  title: string;
  language: string;
  voice: string;
  variation: number;
  /** True when the job's language is the master's: it skips adaptation. */
  usesMasterDirectly: boolean;
}

/** Why a shape cannot be planned; the API reports these as validation errors. */
export class PlanError extends Error {
  override readonly name = 'PlanError';
}

/** Checks the mode's cardinality rules (1 title × N languages, N titles × 1 language, N × M). */
export function checkShape(shape: BatchShape): void {
  if (shape.titles.length === 0) throw new PlanError('at least one title is required');
  if (shape.languages.length === 0) throw new PlanError('at least one language is required');
  if (shape.mode === BatchMode.expandLanguages && shape.titles.length !== 1) {
    throw new PlanError(`mode expand_languages takes exactly 1 title, got ${shape.titles.length}`);
  }
  if (shape.mode === BatchMode.expandTitles && shape.languages.length !== 1) {
    throw new PlanError(`mode expand_titles takes exactly 1 language, got ${shape.languages.length}`);
  }
  const seen = new Set<string>();
  for (const { language } of shape.languages) {
    if (seen.has(language)) throw new PlanError(`language ${language} is listed twice`);
    seen.add(language);
  }
  if (!Number.isInteger(shape.variations) || shape.variations < 1 || shape.variations > 5) {
    throw new PlanError('variations must be an integer from 1 to 5');
  }
}

/** Number of jobs a shape yields, without building them. */
export function countJobs(shape: Pick<BatchShape, 'titles' | 'languages' | 'variations'>): number {
  return shape.titles.length * shape.languages.length * shape.variations;
}

/** Number of distinct master scripts: one per (title, variation). */
export function countMasters(shape: Pick<BatchShape, 'titles' | 'variations'>): number {
  return shape.titles.length * shape.variations;
}

/**
 * Expands a shape into its jobs, ordered title-major then variation then language,
 * so the jobs sharing one master script run close together.
 */
export function planJobs(shape: BatchShape): PlannedJob[] {
  checkShape(shape);
  const jobs: PlannedJob[] = [];
  shape.titles.forEach((title, titleIndex) => {
    for (let variation = 1; variation <= shape.variations; variation++) {
      for (const { language, voice } of shape.languages) {
        jobs.push({
          seq: jobs.length,
          titleIndex,
          title,
          language,
          voice,
          variation,
          usesMasterDirectly: language === shape.masterLanguage,
        });
      }
    }
  });
  return jobs;
}
