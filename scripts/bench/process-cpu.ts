// CPU time of this process and of every process it started (the Temporal dev server, the embedded PostgreSQL and
// its backends, anything else), read from Linux's /proc. A run that keeps every core busy is bound by the CPU
// that all of them spend on a job, not by this process's alone: the overhead scenario reports it by process.
import fs from 'node:fs';

export type ProcessGroup = 'bench' | 'temporal' | 'postgres' | 'other';

/** Cumulative CPU time (user + system, ms) of each process of the tree, by pid, with its group. */
export type CpuSnapshot = Map<number, { group: ProcessGroup; ms: number }>;

/** Clock ticks per second of /proc's CPU times: 100 on every Linux build Node supports. */
const TICKS_PER_SECOND = 100;

function groupOf(pid: number, comm: string): ProcessGroup {
  if (pid === process.pid) return 'bench';
  if (comm === 'temporal') return 'temporal';
  if (comm === 'postgres') return 'postgres';
  return 'other';
}

/** A /proc/<pid>/stat line's parent pid and CPU time; the command name (in parentheses) may hold spaces. */
function parseStat(text: string): { comm: string; ppid: number; ms: number } | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const fields = text.slice(close + 2).split(' '); // fields[0] is the state (field 3)
  const ppid = Number(fields[1]);
  // utime, stime, cutime, cstime (fields 14 to 17): its own CPU and that of the children it has reaped, such as
  // PostgreSQL's backends, which come and go with the pool's connections.
  const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
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
 * zero. One that ended in between has all its CPU in its parent's reaped-children time by then, so what it had
 * spent before the first snapshot is taken off again (in its own group, which is its parent's for PostgreSQL's
 * backends); a process that its parent never reaps in the tree is missed.
 */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): Record<ProcessGroup | 'total', number> {
  const out = { bench: 0, temporal: 0, postgres: 0, other: 0, total: 0 };
  const add = (group: ProcessGroup, ms: number) => {
    out[group] += ms;
    out.total += ms;
  };
  for (const [pid, a] of after) add(a.group, a.ms - (before.get(pid)?.ms ?? 0));
  for (const [pid, b] of before) if (!after.has(pid)) add(b.group, -b.ms);
  return out;
}
