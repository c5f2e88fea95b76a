// What bench/idle.ts records per server, and the Markdown tables it prints from that.

import type { MemoryUse } from './proc-stats.js';
import { median } from './server-process.js';

export interface Latency {
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** One APPEND and its fan-out to every IDLE client. */
export interface Run {
  /** The EXISTS number the clients waited for. */
  exists: number;
  seen: number;
  missing: number;
  closed: number;
  /** Server processes just before the APPEND (Dovecot: shows whether it had hibernated). */
  processesBefore: number;
  appendMs: number;
  /** Server CPU seconds from just before the APPEND until the last client saw the EXISTS. */
  cpuSeconds: number;
  latencyMs: Latency;
}

/** One server's turn. Fields stay unset when the turn failed before reaching them. */
export interface Result {
  /** 'gannet', 'dovecot' or 'dovecot-hibernate'. */
  server: string;
  label: string;
  n: number;
  openFiles?: { soft: number; hard: number };
  setupSeconds?: number;
  before?: MemoryUse;
  after?: MemoryUse;
  /** The same reading before Gannet's compacting collection (SIGUSR2): pages V8 still keeps. */
  afterUncollected?: MemoryUse;
  kibPerConnection?: { rss: number; pss: number; anon: number };
  runs: Run[];
  /** Warning and error lines of the server's log, alike lines grouped, most frequent first. */
  logProblems: Array<{ count: number; line: string }>;
  error?: string;
  /** Another server did not get new mail to every client in time (a result, not a bench failure). */
  shortfall?: string;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? NaN;
}

export function latency(ms: number[]): Latency {
  const s = [...ms].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return {
    min: s[0] ?? NaN,
    p50: percentile(s, 0.5),
    p90: percentile(s, 0.9),
    p99: percentile(s, 0.99),
    max: s[s.length - 1] ?? NaN,
    mean,
  };
}

function fmt(x: number | undefined, digits = 1): string {
  if (x === undefined || Number.isNaN(x)) return '–';
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  return x.toFixed(digits);
}

/** Median over a server's runs of one per-run figure (a run's p99, its CPU seconds, …). */
const runMedian = (r: Result, f: (run: Run) => number): number => (r.runs.length > 0 ? median(r.runs.map(f)) : NaN);

/** One row per server: memory, setup, and the fan-out figures as medians over the runs. */
export function mainTable(results: Result[]): string[] {
  const out = [
    '| server | N | setup s | RSS MiB before → after | PSS MiB before → after | processes after | KiB/conn RSS | KiB/conn PSS | KiB/conn RSS before collection | saw EXISTS | EXISTS p50 / p99 / max ms | fan-out CPU s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    const mib = (m: MemoryUse | undefined, k: 'rssKiB' | 'pssKiB') => fmt(m ? m[k] / 1024 : undefined);
    const seen = r.runs.length > 0 ? `${Math.min(...r.runs.map((x) => x.seen))}/${r.n}` : '–';
    const lat = [runMedian(r, (x) => x.latencyMs.p50), runMedian(r, (x) => x.latencyMs.p99), runMedian(r, (x) => x.latencyMs.max)]
      .map((x) => fmt(x))
      .join(' / ');
    const cells = [
      `${r.label}${r.error ? ' (FAILED)' : ''}`,
      r.n.toLocaleString('en-US'),
      fmt(r.setupSeconds),
      `${mib(r.before, 'rssKiB')} → ${mib(r.after, 'rssKiB')}`,
      `${mib(r.before, 'pssKiB')} → ${mib(r.after, 'pssKiB')}`,
      String(r.after?.processes ?? '–'),
      fmt(r.kibPerConnection?.rss, 2),
      fmt(r.kibPerConnection?.pss, 2),
      fmt(r.afterUncollected && r.before ? (r.afterUncollected.rssKiB - r.before.rssKiB) / r.n : undefined, 2),
      seen,
      lat,
      fmt(
        runMedian(r, (x) => x.cpuSeconds),
        2,
      ),
    ];
    out.push(`| ${cells.join(' | ')} |`);
  }
  return out;
}

/** Every run of every server. */
export function runsTable(results: Result[]): string[] {
  const out = [
    '| server | run | EXISTS | saw it | processes before | APPEND ms | p50 ms | p90 ms | p99 ms | max ms | CPU s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    r.runs.forEach((x, i) => {
      const l = x.latencyMs;
      out.push(
        `| ${r.label} | ${i + 1} | ${x.exists} | ${x.seen}/${r.n} | ${x.processesBefore} | ${fmt(x.appendMs)} | ${fmt(l.p50)} | ${fmt(l.p90)} | ${fmt(l.p99)} | ${fmt(l.max)} | ${fmt(x.cpuSeconds, 2)} |`,
      );
    });
  }
  return out;
}

/**
 * Dovecot / Gannet for each figure where the ratio means something: per-connection figures
 * always, latencies only when both served the same N (they grow with N).
 */
export function ratioTable(results: Result[]): string[] {
  const g = results.find((r) => r.server === 'gannet' && !r.error);
  const ds = results.filter((r) => r.server !== 'gannet' && !r.error);
  if (!g || ds.length === 0) return [];
  const ratio = (d: number | undefined, gv: number | undefined) =>
    d !== undefined && gv !== undefined && gv > 0 && !Number.isNaN(d) ? `${(d / gv).toFixed(2)}×` : '–';
  const sameN = (d: Result, x: string) => (d.n === g.n ? x : 'n/a (N differs)');
  const lat = (d: Result, f: (l: Latency) => number) =>
    sameN(
      d,
      ratio(
        runMedian(d, (x) => f(x.latencyMs)),
        runMedian(g, (x) => f(x.latencyMs)),
      ),
    );
  const rows: Array<[string, (d: Result) => string]> = [
    ['KiB per connection, RSS', (d) => ratio(d.kibPerConnection?.rss, g.kibPerConnection?.rss)],
    ['KiB per connection, PSS', (d) => ratio(d.kibPerConnection?.pss, g.kibPerConnection?.pss)],
    ['setup time per connection', (d) => ratio((d.setupSeconds ?? NaN) / d.n, (g.setupSeconds ?? NaN) / g.n)],
    ['fan-out CPU per connection', (d) => ratio(runMedian(d, (x) => x.cpuSeconds) / d.n, runMedian(g, (x) => x.cpuSeconds) / g.n)],
    ['EXISTS latency p50', (d) => lat(d, (l) => l.p50)],
    ['EXISTS latency p99', (d) => lat(d, (l) => l.p99)],
    ['EXISTS latency max', (d) => lat(d, (l) => l.max)],
  ];
  return [
    `| Dovecot / Gannet (> 1: Gannet uses less or is faster) | ${ds.map((d) => d.label).join(' | ')} |`,
    `|---|${ds.map(() => '---:').join('|')}|`,
    ...rows.map(([name, f]) => `| ${name} | ${ds.map(f).join(' | ')} |`),
  ];
}
