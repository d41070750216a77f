/**
 * The benchmark results arranged as the report shows them, for the HTML plots and the Markdown tables
 * alike: times per op (rows: sizes, columns: backends) and backend / Keras-on-JAX ratios.
 */
import type { BenchFile, BenchResult } from '../bench/model.js';

/** How the report names the Keras-on-JAX timings. */
export const KERAS_JAX = 'Keras 3.6 (JAX)';

export interface SizeTimes {
  size: string;
  elements: number;
  /** Per backend (the order of `backends`): the result, absent where that backend did not run it. */
  results: Array<BenchResult | undefined>;
  kerasJaxMs?: number;
}

export interface OpTimes {
  op: string;
  sizes: SizeTimes[];
}

export interface BenchView {
  /** Backends with results, in the bench's order. */
  backends: string[];
  ops: OpTimes[];
  /** Whether any case has a Keras-on-JAX time. */
  hasKerasJax: boolean;
}

export function benchView(bench: BenchFile): BenchView {
  const listed = bench.environment.backends.map((b) => b.name);
  const backends = [...new Set([...listed, ...bench.results.map((r) => r.backend)])].filter((b) =>
    bench.results.some((r) => r.backend === b),
  );
  const byKey = new Map(bench.results.map((r) => [`${r.op}\u0000${r.size}\u0000${r.backend}`, r]));
  const ops: OpTimes[] = [];
  for (const c of bench.cases) {
    let entry = ops.find((o) => o.op === c.op);
    if (!entry) ops.push((entry = { op: c.op, sizes: [] }));
    entry.sizes.push({
      size: c.size,
      elements: c.elements,
      results: backends.map((b) => byKey.get(`${c.op}\u0000${c.size}\u0000${b}`)),
      ...(c.kerasJaxMs !== undefined ? { kerasJaxMs: c.kerasJaxMs } : {}),
    });
  }
  return { backends, ops, hasKerasJax: bench.cases.some((c) => c.kerasJaxMs !== undefined) };
}

/** backend time / Keras-on-JAX time for one size, per backend; null where either is missing. */
export function kerasJaxRatios(s: SizeTimes): Array<number | null> {
  return s.results.map((r) => (r?.medianMs != null && s.kerasJaxMs !== undefined ? r.medianMs / s.kerasJaxMs : null));
}

/** The bench run in one line: when, where, which commit, how. */
export function provenance(bench: BenchFile): string {
  const e = bench.environment;
  const parts = [
    `run ${bench.date.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`,
    e.commit ? `commit ${e.commit.slice(0, 10)}` : 'outside a git checkout',
    `Node ${e.node}`,
    `${e.cpus} \u00d7 ${e.cpuModel?.trim() || 'unknown CPU'}`,
    `TF.js ${e.tfjsCore}`,
  ];
  if (e.quick) parts.push('--quick (fewer, shorter samples)');
  return parts.join(', ');
}
