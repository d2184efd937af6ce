// The quota-bound ideal of a matrix batch: the earliest it could finish if nothing but the providers' quotas and
// latencies held it back. Computed from the quotas and the calls the batch needs, never from a run. No I/O.
//
// Model (stated in BENCHMARKS.md):
// - Each service's quota is a sliding window of `windowMs` (60 s, as Google's per-minute quotas and the
//   simulators count): at most `perWindow` calls may start in any window, so a client may spend a whole
//   minute's quota at once. `perWindow` is the sum over projects of min(project RPM, sum of its keys' RPM),
//   plus the RPM of keys outside any project.
// - Calls have no concurrency limit; each lasts its service's median latency.
// - A job needs its script first: the master of its title (Gemini), then its adaptation (Gemini) unless it is in
//   the master language; then its narration's TTS requests, one after another (as the narration buys them).
// - Calls of one service start in the order they become ready, each as early as the window allows (masters,
//   ready at 0, go first). With one dependency level per service this list schedule finishes the last call of a
//   service no earlier than floor((n − 1) / perWindow) × window after the first, which no schedule beats.

/** A per-minute quota as the pool is told it: keys (with their project) and the projects' own limits. */
export interface ServiceQuota {
  keys: ReadonlyArray<{ project: string | null; rpm: number }>;
  projectRpm?: Readonly<Record<string, number>>;
}

export interface IdealInput {
  titles: number;
  /** Languages per title, the master language included. */
  languages: number;
  /** TTS requests each job's narration needs (the chunk plan). */
  ttsRequestsPerJob: number;
  gemini: ServiceQuota;
  tts: ServiceQuota;
  /** Median latency of one call, in ms. */
  geminiLatencyMs: number;
  ttsLatencyMs: number;
  /** @default 60_000 */
  windowMs?: number;
}

export interface Ideal {
  geminiCalls: number;
  ttsCalls: number;
  /** Calls per window each service allows. */
  geminiPerWindow: number;
  ttsPerWindow: number;
  /** The quota-bound ideal completion time (sliding window: a minute's quota may be spent at once), in s. */
  seconds: number;
  /** The same calls spread evenly at the quota's rate (calls / RPM minutes for the slower service), in s. */
  evenSpreadSeconds: number;
}

/** Calls per window the keys of one service allow together. */
export function callsPerWindow(q: ServiceQuota): number {
  const byProject = new Map<string, number>();
  let loose = 0;
  for (const k of q.keys) {
    if (k.project === null) loose += k.rpm;
    else byProject.set(k.project, (byProject.get(k.project) ?? 0) + k.rpm);
  }
  let total = loose;
  for (const [project, sum] of byProject) total += Math.min(sum, q.projectRpm?.[project] ?? Number.POSITIVE_INFINITY);
  return total;
}

/** A sliding-window schedule: each call starts at its release or once the call `perWindow` places back has left the window. */
class WindowSchedule {
  private readonly starts: number[] = [];
  constructor(
    private readonly perWindow: number,
    private readonly windowMs: number,
  ) {}
  /** Starts one call released at `release` (releases must come in non-decreasing order); returns its start. */
  start(release: number): number {
    const n = this.starts.length;
    const at = n >= this.perWindow ? Math.max(release, this.starts[n - this.perWindow]! + this.windowMs) : release;
    this.starts.push(at);
    return at;
  }
}

/** When each job's script is ready (ms): masters first, then the adaptations as their masters come back. */
function scriptReadyTimes(i: IdealInput, perWindow: number, windowMs: number): number[] {
  const gemini = new WindowSchedule(perWindow, windowMs);
  const masterEnds = Array.from({ length: i.titles }, () => gemini.start(0) + i.geminiLatencyMs);
  // Adaptations are released when their master ends; masters end in start order, so releases stay sorted.
  const ready: number[] = [];
  for (const end of masterEnds) {
    ready.push(end);
    for (let l = 1; l < i.languages; l++) ready.push(gemini.start(end) + i.geminiLatencyMs);
  }
  return ready;
}

/** The ideal completion time of the batch, and the evenly spread figure beside it. */
export function quotaBoundIdeal(i: IdealInput): Ideal {
  const windowMs = i.windowMs ?? 60_000;
  const geminiPerWindow = callsPerWindow(i.gemini);
  const ttsPerWindow = callsPerWindow(i.tts);
  if (geminiPerWindow <= 0 || ttsPerWindow <= 0) throw new Error('every service needs a positive quota');
  const ready = scriptReadyTimes(i, geminiPerWindow, windowMs).sort((a, b) => a - b);
  const tts = new WindowSchedule(ttsPerWindow, windowMs);
  // A job's requests go one after another; with releases taken in order from a queue, starts stay sorted.
  const queue = ready.map((at) => ({ at, left: i.ttsRequestsPerJob }));
  let end = Math.max(0, ...ready);
  while (queue.length > 0) {
    let next = 0;
    for (let q = 1; q < queue.length; q++) if (queue[q]!.at < queue[next]!.at) next = q;
    const job = queue[next]!;
    const done = tts.start(job.at) + i.ttsLatencyMs;
    end = Math.max(end, done);
    if (--job.left > 0) job.at = done;
    else queue.splice(next, 1);
  }
  const geminiCalls = i.titles * i.languages;
  const ttsCalls = geminiCalls * i.ttsRequestsPerJob;
  const evenSpreadSeconds = Math.max((geminiCalls / geminiPerWindow) * (windowMs / 1000), (ttsCalls / ttsPerWindow) * (windowMs / 1000));
  return { geminiCalls, ttsCalls, geminiPerWindow, ttsPerWindow, seconds: end / 1000, evenSpreadSeconds };
}
