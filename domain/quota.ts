// Quota windows and headroom of API keys and projects: sliding 60-second windows, per-day windows in
// Pacific time (when Google resets daily quotas). No I/O.

/** The time zone whose midnight resets Google's per-day quotas. */
export const QUOTA_TIME_ZONE = 'America/Los_Angeles';

const MINUTE_MS = 60_000;
/**
 * How long a request counts against a key's or project's per-minute limit. Each request is logged where the provider
 * has surely counted it already (`restampRequests`: the call's answer, or a bound after its body left the socket),
 * and a later request reaches the provider only after its own lease, so a window of exactly Google's minute from
 * that point keeps any two requests of the provider's minute apart; the 100 ms more are the rounding of timers and
 * clocks. It was 60.5 s, from when a call was logged only at its end and a second bound had to cover the provider's
 * lag: that half second, spent at every minute's turn, cost a quota-bound batch of three minutes ~0.7 s
 * (`npm run bench -- quota`: 127.6 s at 60.5 s, 126.8–127.1 s at 60.1 s, 0 429s).
 */
export const RPM_WINDOW_MS = 60_100;
/**
 * The window of the minute logs of models with their own quota (Gemini-TTS): two seconds more than Google's minute.
 * They were stamped only at the lease, and one second was not enough (a two-worker run on a loaded machine put 61
 * requests of a 60-RPM key into one minute at the simulator). They are now restamped from the send like keys' logs
 * (`restampModelRequests`); the longer window stays as a margin for that quota, which rests on a 429.
 */
export const MODEL_RPM_WINDOW_MS = 62_000;

/** Start of the calendar minute holding `now`: the per-minute counting window. */
export function minuteWindow(now: Date): Date {
  return new Date(Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS);
}

/** Start of the minute after `now`: when a per-minute quota resets. */
export function nextMinute(now: Date): Date {
  return new Date(minuteWindow(now).getTime() + MINUTE_MS);
}

/** One formatter per time zone: building an Intl.DateTimeFormat costs far more than formatting with it, and every lease reads the quota day. */
const zoneFormats = new Map<string, Intl.DateTimeFormat>();

function zoneFormat(timeZone: string): Intl.DateTimeFormat {
  let fmt = zoneFormats.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    zoneFormats.set(timeZone, fmt);
  }
  return fmt;
}

function zonedParts(at: Date, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const fmt = zoneFormat(timeZone);
  const parts = Object.fromEntries(fmt.formatToParts(at).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** The calendar day of `now` in Pacific time, `YYYY-MM-DD`: the per-day counting window. */
export function quotaDay(now: Date): string {
  const p = zonedParts(now, QUOTA_TIME_ZONE);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** The zone's UTC offset at `at`, in ms (negative west of Greenwich). */
function zoneOffsetMs(at: Date, timeZone: string): number {
  const p = zonedParts(at, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** The next midnight in Pacific time after `now` (PST or PDT as that night has it): when per-day quotas reset. */
export function nextQuotaMidnight(now: Date): Date {
  const p = zonedParts(now, QUOTA_TIME_ZONE);
  // Midnight of the next local day, first read as if it were UTC, then shifted by the zone's offset.
  const guess = Date.UTC(p.year, p.month - 1, p.day + 1, 0, 0, 0);
  let at = guess - zoneOffsetMs(new Date(guess), QUOTA_TIME_ZONE);
  // The offset at the answer may differ from the offset at the guess; one correction settles it.
  at = guess - zoneOffsetMs(new Date(at), QUOTA_TIME_ZONE);
  return new Date(at);
}

/** Requests counted against optional limits: a log of the last minute's requests and a Pacific-day count. */
export interface Usage {
  rpm: number | null;
  rpd: number | null;
  /** Times (epoch ms, ascending) of the requests of the last 60 s; kept only under an RPM limit. */
  minuteLog: number[];
  /** How long a logged request counts. @default RPM_WINDOW_MS */
  windowMs?: number;
  dayWindow: string | null;
  dayCount: number;
}

/** The logged requests still inside the RPM window that ends at `now`. */
export function recentRequests(u: Pick<Usage, 'minuteLog' | 'windowMs'>, now: Date): number[] {
  const since = now.getTime() - (u.windowMs ?? RPM_WINDOW_MS);
  return u.minuteLog.filter((t) => t > since);
}

/** Requests in the RPM window and in the current Pacific day. */
export function currentUsage(u: Usage, now: Date): { minute: number; day: number } {
  const day = u.dayWindow === quotaDay(now) ? u.dayCount : 0;
  return { minute: recentRequests(u, now).length, day };
}

/**
 * When `cost` more requests fit under the limits: `now` when they fit now, else the moment that
 * makes room. The minute limit is a sliding window (see {@link RPM_WINDOW_MS}), as Google and the simulator count, so a
 * burst at the end of one calendar minute cannot be followed by another at the start of the next.
 * A request bigger than a whole limit is let through on an empty window, so it never waits forever.
 */
export function headroomAt(u: Usage, now: Date, cost = 1): Date {
  const day = u.dayWindow === quotaDay(now) ? u.dayCount : 0;
  if (u.rpd !== null && day > 0 && day + cost > u.rpd) return nextQuotaMidnight(now);
  if (u.rpm !== null) {
    const recent = recentRequests(u, now);
    if (recent.length > 0 && recent.length + cost > u.rpm) {
      // Room comes when enough of the oldest requests leave the window.
      const mustLeave = Math.min(recent.length, recent.length + cost - u.rpm);
      return new Date(recent[mustLeave - 1]! + (u.windowMs ?? RPM_WINDOW_MS) + 1);
    }
  }
  return now;
}

/** The log and day count after `cost` more requests at `now` (the log is kept only under an RPM limit). */
export function countRequests(u: Usage, now: Date, cost = 1): Pick<Usage, 'minuteLog' | 'dayWindow' | 'dayCount'> {
  const day = u.dayWindow === quotaDay(now) ? u.dayCount : 0;
  const minuteLog = u.rpm === null ? [] : [...recentRequests(u, now), ...Array<number>(cost).fill(now.getTime())];
  return { minuteLog, dayWindow: quotaDay(now), dayCount: day + cost };
}

/**
 * Longest time between a request leaving the worker and the provider counting it: the upload, and the event-loop
 * lag of a loaded worker inside the SDK (or of the simulator). On a two-worker run of this 2-core machine it reached
 * 2.1 s (the `scale-out` test, sent times matched in order with the simulator's arrivals).
 */
export const SEND_TO_ARRIVAL_MS = 3000;

/**
 * Longest time between a request's body leaving the worker's socket (Node's fetch and http module say when) and
 * the provider counting it: the network's one-way trip and the provider's own queue, well under half a second
 * across the internet. What the SDK did before the send (the event-loop lag of a loaded worker) is already behind
 * this point, so the bound is much shorter than {@link SEND_TO_ARRIVAL_MS}, which starts before the SDK's work. It
 * was 2 s while the simulators noted arrivals on their own process's event loop, which a loaded process let lag:
 * with 0.5 s the `scale-out` test (two worker processes and the simulators on 2 cores) once put 61 requests of a
 * 60-RPM key into one minute at the simulator. They now note each request at their front door, on a thread of its
 * own (simulators/front-door.ts), when it arrives, as a provider does. Each minute's allowance comes this much (plus
 * the window's half second) after the last one's: at real latency (6 s Gemini calls) the `quota` bench took 138.3 s
 * with 0.5 s against 145.5 s with 2 s.
 */
export const BODY_SENT_TO_ARRIVAL_MS = 500;

/** When a call's requests left the worker, as far as it is known. */
export interface CallSend {
  /** When the SDK was asked to send (before its own work). */
  sent: number;
  /** When the (last) request's body was written to the socket, when Node's fetch said so. */
  bodySent?: number;
  /** When the answer was in. */
  end: number;
}

/**
 * The log with up to `count` requests logged at `from` (the lease) moved to when the provider has surely counted
 * them, in order. The provider counts a request when it arrives: surely by the end of the call, `at.end`, and for a
 * one-request call within {@link BODY_SENT_TO_ARRIVAL_MS} of the moment its body left the socket, `at.bodySent`, or
 * when that is not known, within {@link SEND_TO_ARRIVAL_MS} of `at.sent`, when it was handed to the SDK. A window
 * counted from the earliest of these never lets a later lease land inside the provider's minute with it. Without
 * the bounds a 6-second Gemini call would hold its quota for 66.5 s and each minute's allowance would come 6.5 s
 * late: a tenth of the quota lost; and counting from the end let each minute's window widen by the spread of the
 * calls' latencies. The bound counts from the send, not the lease: between them a fresh key's client set-up took
 * up to 14 s on a two-worker run, and with a bound from the lease a 60-RPM key got 63 requests in a minute. A call
 * of several requests sends them one after another, so it counts from its end.
 */
export function restampRequests(log: readonly number[], from: number, at: CallSend, count = 1): number[] {
  const bound = at.bodySent === undefined ? at.sent + SEND_TO_ARRIVAL_MS : at.bodySent + BODY_SENT_TO_ARRIVAL_MS;
  const to = count > 1 ? at.end : Math.min(at.end, bound);
  const out = [...log];
  let left = count;
  for (let i = 0; i < out.length && left > 0; i++) {
    if (out[i] === from) {
      out[i] = to;
      left--;
    }
  }
  return out.sort((a, b) => a - b);
}

/** A finished call as the key pool knows it: when it was leased, handed to the SDK (the lease when unknown), when its body left (if known), its cost. */
export interface SentCall {
  leasedAt: Date;
  sentAt?: Date;
  bodySentAt?: Date;
  cost?: number;
}

/** {@link restampRequests} for a finished call. */
export function restampCall(log: readonly number[], call: SentCall, end: Date): number[] {
  const at = { sent: (call.sentAt ?? call.leasedAt).getTime(), bodySent: call.bodySentAt?.getTime(), end: end.getTime() };
  return restampRequests(log, call.leasedAt.getTime(), at, call.cost ?? 1);
}
