// What the `scale` scenario watches while its batch runs: the memory of its processes, the latency of the
// status endpoint and of the progress stream, and, at the end, the longest workflow histories.
import fs from 'node:fs';
import type { Client } from '@temporalio/client';

/** The pth percentile (0–100) of some numbers, nearest rank; null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Resident memory of a process in MB, from /proc (undefined once it is gone). */
export function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface MemorySeries {
  samples: Array<{ atS: number; mb: Record<string, number> }>;
  /**
   * Per process, in MB: first sample, highest, last, growth (highest − first), and the same after the warm-up
   * (from the first sample at or past {@link WARM_UP_S}: audio threads, WebAssembly instances and the workflow
   * cache fill in the first minute; a leak keeps growing after it).
   */
  summary: Record<string, { firstMb: number; maxMb: number; lastMb: number; growthMb: number; warmMb?: number; growthAfterWarmUpMb?: number }>;
}

/** Seconds after the start from which memory growth counts as growth, not warm-up. */
export const WARM_UP_S = 60;

/** Samples the RSS of named processes every `everyMs` until stopped. */
export function sampleMemory(pids: Record<string, number>, everyMs = 2000): { stop(): MemorySeries } {
  const t0 = Date.now();
  const samples: MemorySeries['samples'] = [];
  const take = () => {
    const mb: Record<string, number> = {};
    for (const [name, pid] of Object.entries(pids)) {
      const v = rssMb(pid);
      if (v !== undefined) mb[name] = Math.round(v * 10) / 10;
    }
    samples.push({ atS: Math.round((Date.now() - t0) / 100) / 10, mb });
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      const summary: MemorySeries['summary'] = {};
      for (const name of Object.keys(pids)) {
        const series = samples.map((s) => s.mb[name]).filter((v): v is number => v !== undefined);
        if (series.length === 0) continue;
        const maxMb = Math.max(...series);
        const warm = samples.filter((s) => s.atS >= WARM_UP_S).map((s) => s.mb[name]).filter((v): v is number => v !== undefined);
        const afterWarmUp = warm.length > 0 ? { warmMb: warm[0]!, growthAfterWarmUpMb: Math.round((Math.max(...warm) - warm[0]!) * 10) / 10 } : {};
        summary[name] = { firstMb: series[0]!, maxMb, lastMb: series[series.length - 1]!, growthMb: Math.round((maxMb - series[0]!) * 10) / 10, ...afterWarmUp };
      }
      return { samples, summary };
    },
  };
}

export interface LatencySummary {
  n: number;
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
}

export const summarise = (ms: readonly number[]): LatencySummary => ({
  n: ms.length,
  p50Ms: percentile(ms, 50),
  p95Ms: percentile(ms, 95),
  maxMs: ms.length ? Math.max(...ms) : null,
});

/** Polls GET `url` every `everyMs` (one request at a time) and keeps each answer's latency and last body. */
export function pollStatus(url: string, token: string, everyMs = 500): { latest(): { status?: string } | undefined; stop(): Promise<number[]> } {
  const latencies: number[] = [];
  let last: { status?: string } | undefined;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t = performance.now();
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as { batch?: { status?: string } };
      latencies.push(performance.now() - t);
      if (res.ok) last = body.batch;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    latest: () => last,
    async stop() {
      stopped = true;
      await loop;
      return latencies;
    },
  };
}

/**
 * Follows the batch's progress stream until it ends or is stopped: the time to the first event, and each
 * event's lag (arrival here minus the `at` the server stamped it with; same machine, same clock).
 */
export function followEvents(url: string, token: string): { done: Promise<{ firstEventMs: number | null; lagsMs: number[]; events: number }>; stop(): void } {
  const abort = new AbortController();
  const done = (async () => {
    const t0 = performance.now();
    let firstEventMs: number | null = null;
    const lagsMs: number[] = [];
    try {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: abort.signal });
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
          const data = buffer.slice(0, cut).split('\n').find((l) => l.startsWith('data: '));
          buffer = buffer.slice(cut + 2);
          const at = data ? (JSON.parse(data.slice(6)) as { at?: string }).at : undefined;
          if (!at) continue;
          firstEventMs ??= performance.now() - t0;
          lagsMs.push(Date.now() - new Date(at).getTime());
        }
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
    return { firstEventMs, lagsMs, events: lagsMs.length };
  })();
  return { done, stop: () => abort.abort() };
}

export interface HistoryFigures {
  batchRuns: Array<{ runId: string; events: number }>;
  jobWorkflows: number;
  largestJob: { workflowId: string; events: number } | null;
  largest: { workflowId: string; events: number } | null;
}

/** Event counts of every run of the batch's workflow (its continue-as-new chain) and of its job workflows. */
export async function historyFigures(client: Client, batchId: string, workflowId: string): Promise<HistoryFigures> {
  const batchRuns: HistoryFigures['batchRuns'] = [];
  for await (const w of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    // A run's own history, read in full: the visibility record's length is only written at close.
    const history = await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
    batchRuns.push({ runId: w.runId, events: history.events?.length ?? 0 });
  }
  let jobWorkflows = 0;
  let largestJob: HistoryFigures['largestJob'] = null;
  for await (const w of client.workflow.list({ query: `WorkflowId STARTS_WITH "job-${batchId}-"` })) {
    jobWorkflows++;
    if (!largestJob || w.historyLength > largestJob.events) largestJob = { workflowId: w.workflowId, events: w.historyLength };
  }
  const biggestRun = batchRuns.reduce<{ runId: string; events: number } | null>((a, b) => (!a || b.events > a.events ? b : a), null);
  const candidates = [...(biggestRun ? [{ workflowId: `${workflowId} (run ${biggestRun.runId})`, events: biggestRun.events }] : []), ...(largestJob ? [largestJob] : [])];
  const largest = candidates.reduce<HistoryFigures['largest']>((a, b) => (!a || b.events > a.events ? b : a), null);
  return { batchRuns, jobWorkflows, largestJob, largest };
}
