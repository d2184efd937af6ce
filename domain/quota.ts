// Quota windows and headroom of API keys and projects: per-minute windows, per-day windows in
// Pacific time (when Google resets daily quotas), and the queue-wide rate the quotas allow. No I/O.

/** The time zone whose midnight resets Google's per-day quotas. */
export const QUOTA_TIME_ZONE = 'America/Los_Angeles';

const MINUTE_MS = 60_000;

/** Start of the calendar minute holding `now`: the per-minute counting window. */
export function minuteWindow(now: Date): Date {
  return new Date(Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS);
}

/** Start of the minute after `now`: when a per-minute quota resets. */
export function nextMinute(now: Date): Date {
  return new Date(minuteWindow(now).getTime() + MINUTE_MS);
}

function zonedParts(at: Date, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
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

/** Requests counted in the current minute and day windows, with optional limits. */
export interface Usage {
  rpm: number | null;
  rpd: number | null;
  minuteWindow: Date | null;
  minuteCount: number;
  dayWindow: string | null;
  dayCount: number;
}

/** Requests already counted in the windows that hold `now` (older windows count zero). */
export function currentUsage(u: Usage, now: Date): { minute: number; day: number } {
  const minute = u.minuteWindow && u.minuteWindow.getTime() === minuteWindow(now).getTime() ? u.minuteCount : 0;
  const day = u.dayWindow === quotaDay(now) ? u.dayCount : 0;
  return { minute, day };
}

/**
 * When `cost` more requests fit under the limits: `now` when they fit now, else the reset that
 * makes room. A request bigger than a whole window is let through on an empty window, so it
 * can never wait forever.
 */
export function headroomAt(u: Usage, now: Date, cost = 1): Date {
  const used = currentUsage(u, now);
  const fits = (count: number, limit: number | null) => limit === null || count === 0 || count + cost <= limit;
  if (!fits(used.day, u.rpd)) return nextQuotaMidnight(now);
  if (!fits(used.minute, u.rpm)) return nextMinute(now);
  return now;
}

/** The windows and counts after `cost` more requests at `now`. */
export function countRequests(u: Usage, now: Date, cost = 1): Pick<Usage, 'minuteWindow' | 'minuteCount' | 'dayWindow' | 'dayCount'> {
  const used = currentUsage(u, now);
  return { minuteWindow: minuteWindow(now), minuteCount: used.minute + cost, dayWindow: quotaDay(now), dayCount: used.day + cost };
}

/** One usable key as the queue-wide rate sees it. */
export interface KeyQuota {
  project: string | null;
  rpm: number | null;
}

/**
 * Requests per second the keys of one service allow together: each project gives the smaller of
 * its own RPM and the sum of its keys' RPMs. Undefined (no queue-wide limit) when any key is unlimited.
 */
export function queueRatePerSecond(keys: readonly KeyQuota[], projectRpm: ReadonlyMap<string, number | null>): number | undefined {
  if (keys.length === 0) return undefined;
  const byProject = new Map<string, number>();
  let loose = 0;
  for (const k of keys) {
    const projectLimit = k.project === null ? null : (projectRpm.get(k.project) ?? null);
    if (k.rpm === null && projectLimit === null) return undefined;
    if (k.project === null) loose += k.rpm!;
    else byProject.set(k.project, (byProject.get(k.project) ?? 0) + (k.rpm ?? Number.POSITIVE_INFINITY));
  }
  let perMinute = loose;
  for (const [project, sum] of byProject) perMinute += Math.min(sum, projectRpm.get(project) ?? Number.POSITIVE_INFINITY);
  return perMinute / 60;
}
