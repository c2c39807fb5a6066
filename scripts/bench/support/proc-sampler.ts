import { readFileSync } from 'node:fs';

/**
 * CPU and resident memory of named processes, read from /proc once a second: CPU as a percentage of one
 * core (utime + stime between two samples), memory as VmRSS. Samples are grouped by the phase the
 * benchmark says it is in, so each phase gets its own mean CPU and peak memory per process.
 */
export interface ProcessUsage {
  readonly process: string;
  readonly cpuPercentMean: number;
  readonly cpuPercentMax: number;
  readonly rssMbMean: number;
  readonly rssMbMax: number;
}

const TICKS_PER_S = 100;

export class ProcSampler {
  readonly #pids: () => ReadonlyMap<string, number>;
  readonly #samples = new Map<string, Map<string, { cpu: number[]; rss: number[] }>>();
  readonly #last = new Map<number, { ticks: number; atMs: number }>();
  #phase = 'idle';
  #timer: NodeJS.Timeout | undefined;

  constructor(pids: () => ReadonlyMap<string, number>) {
    this.#pids = pids;
  }

  start(): void {
    this.#timer = setInterval(() => this.#sample(), 1_000);
    this.#timer.unref();
  }

  phase(name: string): void {
    this.#phase = name;
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  usage(phase: string): ProcessUsage[] {
    const byProcess = this.#samples.get(phase) ?? new Map();
    return [...byProcess.entries()]
      .map(([process, { cpu, rss }]) => ({
        process,
        cpuPercentMean: round(mean(cpu)),
        cpuPercentMax: round(Math.max(0, ...cpu)),
        rssMbMean: round(mean(rss)),
        rssMbMax: round(Math.max(0, ...rss)),
      }))
      .sort((a, b) => a.process.localeCompare(b.process));
  }

  #sample(): void {
    const now = Date.now();
    for (const [name, pid] of this.#pids()) {
      const read = readProc(pid);
      if (read === undefined) continue;
      const last = this.#last.get(pid);
      this.#last.set(pid, { ticks: read.ticks, atMs: now });
      if (last === undefined) continue;
      const cpu = ((read.ticks - last.ticks) / TICKS_PER_S / ((now - last.atMs) / 1000)) * 100;
      const phase = this.#samples.get(this.#phase) ?? new Map<string, { cpu: number[]; rss: number[] }>();
      this.#samples.set(this.#phase, phase);
      const series = phase.get(name) ?? { cpu: [], rss: [] };
      phase.set(name, series);
      series.cpu.push(cpu);
      series.rss.push(read.rssMb);
    }
  }
}

function readProc(pid: number): { ticks: number; rssMb: number } | undefined {
  try {
    // Fields after the command name: state is the first, utime and stime the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { ticks: Number(fields[11]) + Number(fields[12]), rssMb: Number(rss?.[1] ?? 0) / 1024 };
  } catch {
    return undefined;
  }
}

const mean = (values: readonly number[]): number => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);
const round = (value: number): number => Math.round(value * 10) / 10;
