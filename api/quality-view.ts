// The narration-quality part of a job's view: its scripts' checks, the loudness before and after, and the
// pronunciations that reached (or could not reach) the voice.
import type { Kysely } from 'kysely';
import { checksForJob } from '../db/script-checks';
import type { Database, Job } from '../db/schema';

export async function jobQualityView(db: Kysely<Database>, job: Job) {
  const checks = await checksForJob(db, job);
  return {
    scriptCheck: checks.map((c) => ({
      kind: c.kind,
      language: c.language,
      outcome: c.outcome,
      reasons: c.reasons,
      attempts: c.attempts.map((a) => ({
        attempt: a.attempt,
        ok: a.ok,
        language: a.language,
        length: a.length,
        cleaned: a.cleaned,
        artefacts: a.artefacts,
        reasons: a.reasons,
      })),
    })),
    loudness: job.loudness,
    pronunciations: job.pronunciation_notes,
  };
}
