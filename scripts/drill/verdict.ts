// What a drill found once its batch ended: jobs lost (not final, or whose audio is missing from storage),
// outputs stored more than once, and paid calls made beyond one per needed call.
import type { WorkflowExecutionInfo } from '@temporalio/client';
import type { Stack } from '../../stack/stack';
import { jobPrefix } from '../../activities/outputs';
import { MASTER_WORKFLOW_TYPE } from '../../domain/master-script';
import { FINAL_JOB_STATUSES } from '../../domain/statuses';

/** Paid activities: each makes one Gemini or TTS call. */
const PAID = new Set(['writeMasterScript', 'adaptScript', 'synthesizeSpeech']);

export interface PaidCalls {
  masters: number;
  adaptations: number;
  syntheses: number;
}

export interface Verdict {
  expected: number;
  completed: number;
  failed: number;
  lost: number;
  /** Jobs with more than one audio object, plus script records beyond one per (title, variation, language, kind). */
  duplicated: number;
  /** Paid calls answered with success (the ones Google bills), and the ones the batch needed. */
  paid: PaidCalls;
  needed: PaidCalls;
  repeated: number;
  /** Requests the simulators answered with success more than once (what was asked, and how often). */
  repeats: Array<{ identity: string; times: number }>;
  /** The paid activities of the batch's workflows that took more than one attempt, and why. */
  retried: RetriedActivity[];
  /** Provider answers by HTTP error status, both services together. */
  errors: Record<string, number>;
}

/** Successful (billed) calls the stack's simulators answered so far. */
export function paidCalls(stack: Stack): PaidCalls {
  const g = stack.simulators!.gemini.counters.snapshot().answered;
  const t = stack.simulators!.tts.counters.snapshot().answered;
  return { masters: g.master ?? 0, adaptations: g.adaptation ?? 0, syntheses: t.synthesize ?? 0 };
}

export interface RetriedActivity {
  workflowId: string;
  activity: string;
  attempt: number;
  lastFailure: string;
}

/**
 * The paid activities of the batch's job and master workflows whose last attempt was not their first, with the
 * failure that ended the attempt before: where a repeated paid call may come from.
 */
async function retriedPaidActivities(stack: Stack, batchId: string): Promise<RetriedActivity[]> {
  const out: RetriedActivity[] = [];
  const runs = await batchWorkflows(stack, batchId);
  const scan = async (w: WorkflowExecutionInfo): Promise<void> => {
    const events = (await stack.client.workflow.getHandle(w.workflowId, w.runId).fetchHistory()).events ?? [];
    const scheduled = new Map<string, string>();
    for (const e of events) {
      const sch = e.activityTaskScheduledEventAttributes;
      if (sch) scheduled.set(String(e.eventId), sch.activityType?.name ?? '');
      const st = e.activityTaskStartedEventAttributes;
      if (st && (st.attempt ?? 1) > 1) {
        const activity = scheduled.get(String(st.scheduledEventId)) ?? '';
        if (PAID.has(activity)) out.push({ workflowId: w.workflowId, activity, attempt: st.attempt ?? 1, lastFailure: st.lastFailure?.message ?? '' });
      }
    }
  };
  // Sixteen histories at a time: read one by one, 600 of them took minutes.
  for (let i = 0; i < runs.length; i += 16) await Promise.all(runs.slice(i, i + 16).map(scan));
  return out;
}

function providerErrors(stack: Stack): Record<string, number> {
  const out: Record<string, number> = {};
  for (const sim of [stack.simulators!.gemini, stack.simulators!.tts]) {
    for (const [status, n] of Object.entries(sim.counters.snapshot().errors)) out[status] = (out[status] ?? 0) + n;
  }
  return out;
}

/** The batch's job workflows and its master script workflows (named by id only, without the BatchId attribute). */
async function batchWorkflows(stack: Stack, batchId: string, and = ''): Promise<WorkflowExecutionInfo[]> {
  const runs: WorkflowExecutionInfo[] = [];
  for await (const w of stack.client.workflow.list({ query: `BatchId = "${batchId}" AND WorkflowType = "jobWorkflow"${and}` })) runs.push(w);
  for await (const w of stack.client.workflow.list({ query: `WorkflowType = "${MASTER_WORKFLOW_TYPE}"${and}` })) {
    if (w.workflowId.startsWith(`master-${batchId}-`)) runs.push(w);
  }
  return runs;
}

/**
 * Paid activities (Gemini or TTS calls) a worker had started and not finished, across the batch's running jobs
 * and its master script workflows (named by id only, without the BatchId attribute).
 */
export async function paidInFlight(stack: Stack, batchId: string): Promise<number> {
  let n = 0;
  for (const w of await batchWorkflows(stack, batchId, ' AND ExecutionStatus = "Running"')) {
    const d = await stack.client.workflow.getHandle(w.workflowId, w.runId).describe();
    for (const a of d.raw.pendingActivities ?? []) {
      // PENDING_ACTIVITY_STATE_STARTED = 2: a worker had picked it up.
      if (PAID.has(a.activityType?.name ?? '') && Number(a.state) === 2) n++;
    }
  }
  return n;
}

async function duplicatedScripts(stack: Stack, batchId: string): Promise<number> {
  const rows = await stack.db
    .selectFrom('scripts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('batch_id', '=', batchId)
    .groupBy(['kind', 'title_index', 'variation', 'language'])
    .execute();
  return rows.reduce((sum, r) => sum + Math.max(0, Number(r.n) - 1), 0);
}

/** Checks the batch's rows against its stored objects and the simulators' counters. */
export async function verdict(stack: Stack, o: { batchId: string; titles: number; languages: number; paidBefore: PaidCalls }): Promise<Verdict> {
  const jobs = await stack.db.selectFrom('jobs').select(['status', 'audio_key', 'language', 'title_index', 'variation', 'title']).where('batch_id', '=', o.batchId).execute();
  const keys = await stack.storage.list(`batches/${o.batchId}/`);
  const stored = new Set(keys);
  const audioPerJob = new Map<string, number>();
  for (const k of keys) {
    const m = /^(.*\/)audio\.[a-z0-9]+$/.exec(k);
    if (m) audioPerJob.set(m[1]!, (audioPerJob.get(m[1]!) ?? 0) + 1);
  }
  let lost = 0;
  let duplicated = await duplicatedScripts(stack, o.batchId);
  for (const j of jobs) {
    if (!FINAL_JOB_STATUSES.includes(j.status) || (j.status === 'completed' && (!j.audio_key || !stored.has(j.audio_key)))) lost++;
    const prefix = jobPrefix({ batchId: o.batchId, language: j.language, titleIndex: j.title_index, variation: j.variation, title: j.title });
    duplicated += Math.max(0, (audioPerJob.get(prefix) ?? 0) - 1);
  }
  const now = paidCalls(stack);
  const paid = { masters: now.masters - o.paidBefore.masters, adaptations: now.adaptations - o.paidBefore.adaptations, syntheses: now.syntheses - o.paidBefore.syntheses };
  const completed = jobs.filter((j) => j.status === 'completed').length;
  const needed = { masters: o.titles, adaptations: o.titles * (o.languages - 1), syntheses: completed };
  const repeated = Math.max(0, paid.masters - needed.masters) + Math.max(0, paid.adaptations - needed.adaptations) + Math.max(0, paid.syntheses - needed.syntheses);
  const repeats = [...stack.simulators!.gemini.counters.repeatedAnswers(), ...stack.simulators!.tts.counters.repeatedAnswers()];
  return {
    expected: o.titles * o.languages,
    completed,
    failed: jobs.filter((j) => j.status === 'failed').length,
    // A job the batch never wrote is lost too.
    lost: lost + Math.max(0, o.titles * o.languages - jobs.length),
    duplicated,
    paid,
    needed,
    repeated,
    repeats,
    retried: await retriedPaidActivities(stack, o.batchId),
    errors: providerErrors(stack),
  };
}
