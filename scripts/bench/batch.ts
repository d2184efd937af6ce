// A benchmark batch: a matrix of generated titles over the first `languageCount` benchmark languages, each
// with the first voice the simulator serves for it (so every job can succeed), written as rows and started.
import type { WorkflowHandle } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { batchWorkflowPriority } from '../../api/batch-control';
import { createBatch } from '../../db/batches';
import type { Batch, Database } from '../../db/schema';
import { planJobs } from '../../domain/plan';
import type { Stack } from '../../stack/stack';
import type { batchWorkflow } from '../../workflows';

export const BENCH_LANGUAGES = ['en-US', 'pt-BR', 'es-ES', 'fr-FR', 'de-DE', 'it-IT', 'ja-JP', 'ko-KR', 'hi-IN', 'ru-RU'];
/** Ten more, for the 20-language headline batch. */
BENCH_LANGUAGES.push('nl-NL', 'pl-PL', 'sv-SE', 'tr-TR', 'id-ID', 'vi-VN', 'cmn-CN', 'uk-UA', 'da-DK', 'cs-CZ');

/**
 * What a benchmark batch asks of the audio: `mp3`, the product's default (MP3 at the agent's -16 LUFS, each
 * narration measured, normalised and encoded); `wav`, its cheapest settings (LINEAR16 with loudness off: each
 * narration still measured, its PCM written as it came), which leaves the orchestration and that measuring.
 */
export const BENCH_AUDIO = ['mp3', 'wav'] as const;
export type BenchAudio = (typeof BENCH_AUDIO)[number];

/** Writes the rows of a one-variation matrix batch, English first, for a short plain agent. @default audio 'mp3' */
export async function createMatrixBatch(
  db: Kysely<Database>,
  o: { userId: string; agentName: string; titles: string[]; languages: Array<{ language: string; voice: string }>; audio?: BenchAudio },
): Promise<{ batch: Batch; jobs: number }> {
  const { titles, languages } = o;
  const jobs = planJobs({ mode: 'matrix', titles, languages, variations: 1, masterLanguage: 'en-US' });
  const { batch } = await createBatch(db, {
    userId: o.userId,
    mode: 'matrix',
    titles,
    languages,
    variations: 1,
    masterLanguage: 'en-US',
    options: {
      agent: { name: o.agentName, premisePrompt: 'Explain.', structurePrompt: 'Hook, body, end.', tone: 'plain', targetMinutes: 0.1 },
      ...(o.audio === 'wav' ? { audioEncoding: 'LINEAR16', loudness: 'off' } : { audioEncoding: 'MP3' }),
      priority: 'normal',
    },
    jobs,
  });
  return { batch, jobs: jobs.length };
}

export async function startBenchBatch(
  stack: Stack,
  o: { titles: number; languages: number; window: number; label: string; audio?: BenchAudio },
): Promise<{ batch: Batch; handle: WorkflowHandle<typeof batchWorkflow>; jobs: number }> {
  const languages = BENCH_LANGUAGES.slice(0, o.languages).map((language) => {
    const voice = stack.simulators!.tts.voices.find((v) => v.languageCodes.includes(language));
    if (!voice) throw new Error(`the simulator has no ${language} voice`);
    return { language, voice: voice.name };
  });
  const titles = Array.from({ length: o.titles }, (_, i) => `${o.label} ${i + 1}`);
  const { batch, jobs } = await createMatrixBatch(stack.db, { userId: 'bench', agentName: 'bench', titles, languages, audio: o.audio });
  const handle = await stack.client.workflow.start<typeof batchWorkflow>('batchWorkflow', {
    workflowId: batch.workflow_id,
    taskQueue: stack.taskQueue,
    args: [{ batchId: batch.id, userId: 'bench', mode: 'matrix', window: o.window }],
    priority: batchWorkflowPriority(batch),
  });
  return { batch, handle, jobs };
}
