/**
 * CPU accounting from /proc (Linux), so that each figure says whether the service under test was
 * saturated and whether processes outside the benchmark took CPU meanwhile (on a shared 2-core
 * machine they can halve a throughput figure without anything in the product changing).
 *
 * Every process is counted with its descendants: a coordinator started with `--processes 2` does
 * its work in node:cluster children, and the redis-server the benchmark starts is its own child,
 * so "the benchmark's own" is this process's whole tree.
 */
import { readdir, readFile } from 'node:fs/promises';

interface ProcessStat {
  /** The executable's name as /proc gives it (`comm`, at most 15 characters), e.g. node. */
  readonly command: string;
  readonly ppid: number;
  /** user + system jiffies */
  readonly jiffies: number;
}

export interface CpuSnapshot {
  /** Jiffies summed over every core: all, and all but idle and iowait. */
  readonly machineTotal: number;
  readonly machineBusy: number;
  /** Every process visible in /proc. */
  readonly processes: ReadonlyMap<number, ProcessStat>;
  readonly cores: number;
}

export interface CpuUsage {
  /** Share of the whole machine (all cores) that was busy, in %. */
  machineBusyPct: number;
  /** Share of the whole machine used by processes other than the benchmark's own, in %. */
  foreignPct: number;
  /** The service under test and its descendants, in % of one core (100 = one core saturated). */
  servicePct: number;
  /** The peers asked about (LoadSpec.peers: the fleet, a redis-server), each in % of one core. */
  peersPct?: Record<string, number>;
}

async function readProcessStat(pid: number): Promise<ProcessStat | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    // ppid, utime and stime are fields 4, 14 and 15 of stat.
    return { command: stat.slice(stat.indexOf('(') + 1, close), ppid: Number(fields[1]), jiffies: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined; // The process has exited.
  }
}

/** undefined where there is no /proc. */
export async function snapshotCpu(): Promise<CpuSnapshot | undefined> {
  let stat: string;
  let entries: string[];
  try {
    [stat, entries] = await Promise.all([readFile('/proc/stat', 'utf8'), readdir('/proc')]);
  } catch {
    return undefined;
  }
  const lines = stat.split('\n');
  const total = (lines[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
  const idle = (total[3] ?? 0) + (total[4] ?? 0);
  const machineTotal = total.reduce((sum, value) => sum + value, 0);
  const cores = lines.filter((line) => /^cpu\d+ /.test(line)).length;
  const pids = entries.filter((name) => /^\d+$/.test(name)).map(Number);
  const stats = await Promise.all(pids.map(async (pid) => [pid, await readProcessStat(pid)] as const));
  const processes = new Map(stats.flatMap(([pid, s]) => (s === undefined ? [] : [[pid, s] as const])));
  return { machineTotal, machineBusy: machineTotal - idle, processes, cores };
}

/** `root` and every process descended from it, as the snapshot saw them. */
export function processTree(snapshot: CpuSnapshot, root: number): Set<number> {
  const tree = new Set([root]);
  // Parents are not always listed before their children: repeat until nothing is added.
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, { ppid }] of snapshot.processes) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return tree;
}

export function cpuBetween(
  before: CpuSnapshot | undefined,
  after: CpuSnapshot | undefined,
  servicePid: number,
  peers: Readonly<Record<string, number>> = {},
): CpuUsage | undefined {
  if (!before || !after) return undefined;
  const total = after.machineTotal - before.machineTotal;
  if (total <= 0) return undefined;
  // Trees as they stood at the end; a process started meanwhile counts all of its jiffies.
  const used = (root: number) => [...processTree(after, root)].reduce((sum, pid) => sum + jiffiesBetween(before, after, pid), 0);
  const ofOneCore = (jiffies: number) => (100 * jiffies * after.cores) / total;
  const busy = after.machineBusy - before.machineBusy;
  const peerEntries = Object.entries(peers);
  return {
    machineBusyPct: (100 * busy) / total,
    foreignPct: Math.max(0, (100 * (busy - used(process.pid))) / total),
    servicePct: ofOneCore(used(servicePid)),
    ...(peerEntries.length === 0 ? {} : { peersPct: Object.fromEntries(peerEntries.map(([name, pid]) => [name, ofOneCore(used(pid))])) }),
  };
}

/** The direct children of `parent` running `command` (e.g. node, redis-server). */
export function childrenRunning(snapshot: CpuSnapshot, parent: number, command: string): number[] {
  return [...snapshot.processes].flatMap(([pid, stat]) => (stat.ppid === parent && stat.command === command ? [pid] : []));
}

/** Jiffies `pid` used between two snapshots (0 for a process missing from either). */
export function jiffiesBetween(before: CpuSnapshot, after: CpuSnapshot, pid: number): number {
  return Math.max(0, (after.processes.get(pid)?.jiffies ?? 0) - (before.processes.get(pid)?.jiffies ?? 0));
}

/** CPU time per request in µs, from a share of one core (in %) and a rate of requests per second. */
export function microsPerRequest(percentOfCore: number, requestsPerSec: number): number {
  return (percentOfCore / 100) * (1e6 / requestsPerSec);
}
