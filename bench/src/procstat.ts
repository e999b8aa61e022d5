import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far; null once it is gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Peak resident memory (VmHWM) in MiB; null once the process is gone. */
export function peakRssMiB(pid: number): number | null {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : null;
  } catch {
    return null;
  }
}

/** CPU used by named processes between `start()` and `stop()`, as a share of one core. */
export class CpuMeter {
  private readonly started = new Map<string, number>();
  private startedAt = 0;
  /** Wall time of the last measurement, in seconds. */
  lastSeconds = 0;

  constructor(private readonly processes: () => Record<string, number | undefined>) {}

  start(): void {
    this.started.clear();
    this.startedAt = performance.now();
    for (const [name, pid] of Object.entries(this.processes())) {
      if (pid === undefined) continue;
      const used = pid === process.pid ? process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6 : cpuSeconds(pid);
      if (used !== null) this.started.set(name, used);
    }
  }

  /** Per process: CPU seconds used and the share of one core (1 = a whole core); `wall`: the elapsed time. */
  stop(): Record<string, { seconds: number; cores: number }> {
    const elapsed = (performance.now() - this.startedAt) / 1000;
    this.lastSeconds = Math.round(elapsed * 10) / 10;
    const out: Record<string, { seconds: number; cores: number }> = {
      wall: { seconds: this.lastSeconds, cores: 0 },
    };
    for (const [name, pid] of Object.entries(this.processes())) {
      if (pid === undefined) continue;
      const before = this.started.get(name);
      const now =
        pid === process.pid ? process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6 : cpuSeconds(pid);
      if (before === undefined || now === null) continue;
      const seconds = now - before;
      out[name] = { seconds: Math.round(seconds * 100) / 100, cores: Math.round((seconds / elapsed) * 100) / 100 };
    }
    return out;
  }
}
