/**
 * CPU accounting from /proc (Linux), so that each figure says whether the service under test was
 * saturated and whether processes outside the benchmark took CPU meanwhile (on a shared 2-core
 * machine they can halve a throughput figure without anything in the product changing).
 */
import { readFile } from 'node:fs/promises';

export interface CpuSnapshot {
  /** Jiffies summed over every core: all, and all but idle and iowait. */
  readonly machineTotal: number;
  readonly machineBusy: number;
  /** Jiffies (user + system) of each process asked about. */
  readonly byPid: ReadonlyMap<number, number>;
  readonly cores: number;
}

export interface CpuUsage {
  /** Share of the whole machine (all cores) that was busy, in %. */
  machineBusyPct: number;
  /** Share of the whole machine used by processes other than the benchmark's own, in %. */
  foreignPct: number;
  /** The service under test, in % of one core (100 = one core saturated). */
  servicePct: number;
}

async function processJiffies(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  } catch {
    return 0; // The process has exited.
  }
}

/** undefined where there is no /proc. */
export async function snapshotCpu(pids: readonly number[]): Promise<CpuSnapshot | undefined> {
  let stat: string;
  try {
    stat = await readFile('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const lines = stat.split('\n');
  const total = (lines[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
  const idle = (total[3] ?? 0) + (total[4] ?? 0);
  const machineTotal = total.reduce((sum, value) => sum + value, 0);
  const cores = lines.filter((line) => /^cpu\d+ /.test(line)).length;
  const byPid = new Map(await Promise.all(pids.map(async (pid) => [pid, await processJiffies(pid)] as const)));
  return { machineTotal, machineBusy: machineTotal - idle, byPid, cores };
}

export function cpuBetween(before: CpuSnapshot | undefined, after: CpuSnapshot | undefined, servicePid: number): CpuUsage | undefined {
  if (!before || !after) return undefined;
  const total = after.machineTotal - before.machineTotal;
  if (total <= 0) return undefined;
  const used = (pid: number) => (after.byPid.get(pid) ?? 0) - (before.byPid.get(pid) ?? 0);
  const ours = [...after.byPid.keys()].reduce((sum, pid) => sum + used(pid), 0);
  const busy = after.machineBusy - before.machineBusy;
  return {
    machineBusyPct: (100 * busy) / total,
    foreignPct: Math.max(0, (100 * (busy - ours)) / total),
    servicePct: (100 * used(servicePid) * after.cores) / total,
  };
}
