/** How the benchmark times calls: interleaved samples after warm-up, medians and paired ratios. */
import type * as tf from '@tensorflow/tfjs-core';
import type { BenchTiming } from '../src/benchfile/model.js';
import type { Tensor } from '../src/index.js';
import { median } from './data.js';

/** A sample of a fast op loops until it lasts at least this long, so timer resolution does not matter. */
export const MIN_SAMPLE_MS = 4;
export const MIN_RUNS = 3;
const WARM_UP_MS = 150;

export interface Interleaved extends BenchTiming {
  /** Per-call ms of each timed sample, round by round (the same round index across the fns). */
  samples: number[];
}

/**
 * Times `fns` (one or several, interleaved sample by sample so drift hits them alike, in reversed
 * order every other round so neither always runs first). A first call each (its time is kept), a
 * warm-up, then a calibration: calls per sample so a sample lasts MIN_SAMPLE_MS, runs so the case fits
 * `budgetMs`.
 */
export async function timeInterleaved(fns: Array<() => Promise<void>>, budgetMs: number, maxRuns: number): Promise<Interleaved[]> {
  const first: number[] = [];
  for (const fn of fns) first.push(await once(fn));
  const est: number[] = [];
  for (const fn of fns) est.push(Math.max(await warmUp(fn), 1e-3));
  const calls = est.map((e) => Math.max(1, Math.ceil(MIN_SAMPLE_MS / e)));
  const perRound = est.reduce((a, e, i) => a + e * calls[i], 0);
  const runs = Math.max(MIN_RUNS, Math.min(maxRuns, Math.floor(budgetMs / perRound)));
  const samples: number[][] = fns.map(() => []);
  for (let r = 0; r < runs; r++) {
    const order = fns.map((_, i) => (r % 2 ? fns.length - 1 - i : i));
    for (const i of order) {
      const t0 = performance.now();
      for (let c = 0; c < calls[i]; c++) await fns[i]();
      samples[i].push((performance.now() - t0) / calls[i]);
    }
  }
  return samples.map((s, i) => ({
    medianMs: median(s),
    minMs: Math.min(...s),
    maxMs: Math.max(...s),
    runs,
    callsPerRun: calls[i],
    firstCallMs: first[i],
    samples: s,
  }));
}

/**
 * Untimed calls until `fn` has run WARM_UP_MS, twice at least: the first call may include kernel
 * compilation or lazy initialisation, and V8 optimises a hot JavaScript kernel (the reference
 * adapter's) only after some calls. Without it, the reference's small conv2d timed 11 ms instead of
 * 1.1 ms when nothing had run it before. Returns the last call's time.
 */
async function warmUp(fn: () => Promise<void>): Promise<number> {
  let spent = 0;
  let last = 0;
  for (let n = 0; n < 2 || spent < WARM_UP_MS; n++) {
    last = await once(fn);
    spent += last;
  }
  return last;
}

async function once(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** The 25th and 75th percentiles of a / b taken round by round: how far one round's ratio strays. */
export function pairedRatioQuartiles(a: number[], b: number[]): [number, number] {
  const r = a.map((x, i) => x / b[i]).sort((p, q) => p - q);
  const at = (p: number) => r[Math.round(p * (r.length - 1))];
  return [at(0.25), at(0.75)];
}

/** What a timed keras-parity call ends with: every result read back and disposed, in one read. */
export async function readAll(out: Tensor | Tensor[]): Promise<void> {
  for (const t of Array.isArray(out) ? out : [out]) await t.data({ dispose: true });
}

/** The same for a raw TF.js call: data() (which hands out TF.js's own storage on cpu), then dispose(). */
export async function readRaw(out: tf.Tensor | tf.Tensor[]): Promise<void> {
  for (const t of Array.isArray(out) ? out : [out]) {
    await t.data();
    t.dispose();
  }
}
