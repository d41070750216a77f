/**
 * The benchmark results arranged as the report shows them, for the HTML plots and the Markdown tables
 * alike: times per op (rows: sizes, columns: backends) and backend / Keras-on-JAX ratios.
 */
import type { BenchFile, BenchResult } from '../benchfile/model.js';
import { SEED_KERAS } from '../keras-versions.js';
import { machineLines, settingsLine } from '../machine-text.js';
import type { MachineFacts } from '../machine.js';

/** How the report names the Keras-on-JAX timings of one Keras version: `Keras 3.6 (JAX)`. */
export function kerasJaxName(version: string): string {
  return `Keras ${version.split('.').slice(0, 2).join('.')} (JAX)`;
}

export interface SizeTimes {
  size: string;
  elements: number;
  /** Per backend (the order of `backends`): the result, absent where that backend did not run it. */
  results: Array<BenchResult | undefined>;
  kerasJaxMs?: number;
  /** The Keras version kerasJaxMs came from, beside it. */
  kerasVersion?: string;
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
  /** The Keras version of the first Keras-on-JAX time, which headings name; a time from another says so. */
  keras: string;
  /** Its name, `Keras 3.6 (JAX)`. */
  kerasJax: string;
}

export function benchView(bench: BenchFile): BenchView {
  const listed = bench.environment.backends.map((b) => b.name);
  const backends = [...new Set([...listed, ...bench.results.map((r) => r.backend)])].filter((b) =>
    bench.results.some((r) => r.backend === b),
  );
  const byKey = new Map(bench.results.map((r) => [`${r.op}\u0000${r.size}\u0000${r.backend}`, r]));
  // Files before cases[].kerasVersion timed every case against the one Keras their versions name.
  const single = bench.kerasJax.versions?.keras ?? SEED_KERAS;
  const ops: OpTimes[] = [];
  for (const c of bench.cases) {
    let entry = ops.find((o) => o.op === c.op);
    if (!entry) ops.push((entry = { op: c.op, sizes: [] }));
    entry.sizes.push({
      size: c.size,
      elements: c.elements,
      results: backends.map((b) => byKey.get(`${c.op}\u0000${c.size}\u0000${b}`)),
      ...(c.kerasJaxMs !== undefined ? { kerasJaxMs: c.kerasJaxMs, kerasVersion: c.kerasVersion ?? single } : {}),
    });
  }
  const keras = ops.flatMap((o) => o.sizes).find((s) => s.kerasVersion)?.kerasVersion ?? single;
  return { backends, ops, hasKerasJax: bench.cases.some((c) => c.kerasJaxMs !== undefined), keras, kerasJax: kerasJaxName(keras) };
}

/** `` (Keras 3.15.1)`` after a Keras-on-JAX time from another version than `usual`; '' otherwise. */
export function kerasMark(s: SizeTimes, usual: string): string {
  return s.kerasVersion && s.kerasVersion !== usual ? ` (Keras ${s.kerasVersion})` : '';
}

/** The Keras version an op's times came from (its first timed size's); the view's where none has one. */
export function opKeras(o: OpTimes, view: BenchView): string {
  return o.sizes.find((s) => s.kerasVersion)?.kerasVersion ?? view.keras;
}

/** What timed the Keras-on-JAX times: `keras 3.6.0, jax 0.4.34; keras 3.15.1, jax 0.7.2`; '' where unrecorded. */
export function kerasJaxVersions(bench: BenchFile): string {
  const { byKeras, versions } = bench.kerasJax;
  const processes = byKeras ? Object.values(byKeras) : versions ? [versions] : [];
  return processes.map((p) => Object.entries(p).map(([k, v]) => `${k} ${v}`).join(', ')).join('; ');
}

/** Said after the Keras-on-JAX numbers where some came from another version than the view's; '' otherwise. */
export function kerasJaxOthers(view: BenchView): string {
  const mixed = view.ops.some((o) => o.sizes.some((s) => kerasMark(s, view.keras)));
  return mixed ? 'A time marked with another Keras version was timed against that version.' : '';
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

export interface BenchMachine {
  /** Whether the bench ran under the conformance run's conditions, in one sentence. */
  verdict: string;
  /** True when a fact or a backend setting differs from the conformance run's (the renderers stress it). */
  differs: boolean;
  /** The bench machine's facts, then each backend's settings, as labelled lines. */
  lines: Array<[string, string]>;
}

/** What introduces `BenchMachine.lines`, after the verdict. */
export const BENCH_MACHINE_LEAD = "The bench's machine and backend settings:";

/** What the conformance run recorded of its machine and backends. */
export interface RunConditions {
  machine?: MachineFacts;
  backends: ReadonlyArray<{ name: string; available: boolean; settings?: Record<string, string> }>;
}

/**
 * The machine the bench ran on and its backends' settings, set against the conformance run's: bench
 * numbers from another CPU, GPU, thread count or oneDNN setting do not describe this report's machine,
 * and the reader must see that.
 */
export function benchMachine(bench: BenchFile, run: RunConditions | undefined): BenchMachine {
  const e = bench.environment;
  const settings = settingLines(e.backends);
  if (!e.machine) {
    return {
      verdict: 'bench.json records only its CPU model and count (a file from before the machine facts).',
      differs: false,
      lines: [['CPU', `${e.cpus} \u00d7 ${e.cpuModel?.trim() || 'unknown CPU'}`], ...settings],
    };
  }
  const lines = [...machineLines(e.machine), ...settings];
  return { ...verdict(lines, run), lines };
}

/** `[backend, its settings in one line]` for each available backend that has settings. */
function settingLines(backends: RunConditions['backends']): Array<[string, string]> {
  return backends.filter((b) => b.available && settingsLine(b.settings)).map((b) => [b.name, settingsLine(b.settings)]);
}

function verdict(bench: Array<[string, string]>, run: RunConditions | undefined): Omit<BenchMachine, 'lines'> {
  if (!run?.machine) return { verdict: 'The conformance run recorded no machine facts to compare with.', differs: false };
  const theirs = new Map([...machineLines(run.machine), ...settingLines(run.backends)]);
  // A backend the conformance run did not start has nothing to compare with.
  const facts = new Set(machineLines(run.machine).map(([label]) => label));
  const differ = bench
    .filter(([label, text]) => theirs.has(label) && theirs.get(label) !== text)
    .map(([label]) => (facts.has(label) ? label : `the settings of ${label}`));
  if (!differ.length) {
    return { verdict: 'The bench ran under the conformance run\'s conditions: the same CPU, GPU, CUDA libraries, variables and backend settings.', differs: false };
  }
  return { verdict: `The bench ran under other conditions than the conformance run: ${differ.join(', ')} differ.`, differs: true };
}
