// CPU time of this process and of every process it started (the Temporal dev server, the embedded PostgreSQL and
// its backends, the S3 server), read from Linux's /proc. A run that keeps every core busy is bound by the CPU
// that all of them spend on a job, not by this process's alone: the overhead scenario reports it by process.
import fs from 'node:fs';

export const PROCESS_GROUPS = ['bench', 'temporal', 'postgres', 's3', 'other'] as const;
export type ProcessGroup = (typeof PROCESS_GROUPS)[number];

/** Cumulative CPU time (user + system, ms) of each process of the tree, by pid, with its group. */
export type CpuSnapshot = Map<number, { group: ProcessGroup; ms: number }>;

/** Clock ticks per second of /proc's CPU times: 100 on every Linux build Node supports. */
const TICKS_PER_SECOND = 100;

function groupOf(pid: number, comm: string): ProcessGroup {
  if (pid === process.pid) return 'bench';
  if (comm === 'temporal') return 'temporal';
  if (comm === 'postgres') return 'postgres';
  if (comm === 'versitygw') return 's3';
  return 'other';
}

/** A /proc/<pid>/stat line's parent pid and CPU time; the command name (in parentheses) may hold spaces. */
function parseStat(text: string): { comm: string; ppid: number; ms: number } | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const fields = text.slice(close + 2).split(' '); // fields[0] is the state (field 3)
  const ppid = Number(fields[1]);
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  if (!Number.isFinite(ppid) || !Number.isFinite(ticks)) return undefined;
  return { comm: text.slice(open + 1, close), ppid, ms: (ticks * 1000) / TICKS_PER_SECOND };
}

/** This process and its descendants now, or undefined where there is no /proc (not Linux). */
export function snapshotTreeCpu(): CpuSnapshot | undefined {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return undefined;
  }
  const all = new Map<number, { comm: string; ppid: number; ms: number }>();
  for (const e of entries) {
    try {
      const stat = parseStat(fs.readFileSync(`/proc/${e}/stat`, 'utf8'));
      if (stat) all.set(Number(e), stat);
    } catch {
      // gone meanwhile
    }
  }
  if (!all.has(process.pid)) return undefined;
  const children = new Map<number, number[]>();
  for (const [pid, s] of all) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  const out: CpuSnapshot = new Map();
  const todo = [process.pid];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    const s = all.get(pid);
    if (!s || out.has(pid)) continue;
    out.set(pid, { group: groupOf(pid, s.comm), ms: s.ms });
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * CPU ms each group spent between two snapshots, with their total. A process started in between counts from
 * zero; one that ended in between is missed (PostgreSQL's backends live as long as the pool's connections).
 */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): Record<ProcessGroup | 'total', number> {
  const out = { bench: 0, temporal: 0, postgres: 0, s3: 0, other: 0, total: 0 };
  for (const [pid, a] of after) {
    const d = Math.max(0, a.ms - (before.get(pid)?.ms ?? 0));
    out[a.group] += d;
    out.total += d;
  }
  return out;
}
