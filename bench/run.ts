/**
 * keras-parity benchmark: representative ops at three sizes on every available backend, the adapter's
 * overhead against the same raw TF.js call, reference / tfjs-cpu on conv2d, TF.js tensor accounting and
 * the conformance suite's wall time and peak RSS.
 *
 *   node --import tsx bench/run.ts [--quick] [--no-conformance] [--no-keras] [--backends a,b] [--out FILE]
 *
 * Every timing is the median of repeated runs after a warm-up, read-back included (await data()).
 * Small cases time a loop of calls per sample and report the per-call time. Writes a plain table to
 * stdout and bench/results/bench.json (its format: src/bench/model.ts), which `keras-parity run --bench`
 * plots in the parity report.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { listBackends, ops, setBackend, tensor, type Tensor } from '../src/index.js';
import { currentAdapter } from '../src/backend/registry.js';
import { formatMs as fmt } from '../src/bench/format.js';
import {
  BENCH_SCHEMA, KERAS_JAX_TARGET, OVERHEAD_TARGET, overheadMet,
  type AdapterOverhead, type BenchCase, type BenchFile, type BenchResult, type BenchTiming, type ConformanceRun,
  type ReferenceOverTfjsCpu,
} from '../src/bench/model.js';
import { filled, median } from './data.js';
import { timeKerasJax, type KerasCall } from './keras-jax.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const QUICK = flag('--quick');
const OUT = option('--out') ?? join(ROOT, 'bench', 'results', 'bench.json');
/** Time budget for one case's timed samples (warm-up excluded), and the per-call cap for reference. */
const CASE_BUDGET_MS = QUICK ? 250 : 900;
const MAX_CALL_MS = 2000;
/** A sample of a fast op loops until it lasts at least this long, so timer resolution does not matter. */
const MIN_SAMPLE_MS = 4;
const MIN_RUNS = 3;
const MAX_RUNS = QUICK ? 7 : 25;

// ---------------------------------------------------------------------------------------------- helpers


const prod = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const rand = (shape: number[], seed: number) => tensor(filled(prod(shape), seed), shape);


async function readAll(out: Tensor | Tensor[]): Promise<void> {
  for (const t of Array.isArray(out) ? out : [out]) {
    await t.data();
    t.dispose();
  }
}

/**
 * Times `fns` (one or several, interleaved sample by sample so drift hits them alike). One warm-up
 * call each, then a calibration: calls per sample so a sample lasts MIN_SAMPLE_MS, runs so the case
 * fits its budget.
 */
async function timeInterleaved(fns: Array<() => Promise<void>>, budgetMs = CASE_BUDGET_MS): Promise<BenchTiming[]> {
  const first: number[] = [];
  for (const fn of fns) {
    const t0 = performance.now();
    await fn();
    first.push(performance.now() - t0);
  }
  // A second untimed call each: the first may include kernel compilation or lazy initialisation.
  const est: number[] = [];
  for (const fn of fns) {
    const t0 = performance.now();
    await fn();
    est.push(Math.max(performance.now() - t0, 1e-3));
  }
  const calls = est.map((e) => Math.max(1, Math.ceil(MIN_SAMPLE_MS / e)));
  const perRound = est.reduce((a, e, i) => a + e * calls[i], 0);
  const runs = Math.max(MIN_RUNS, Math.min(MAX_RUNS, Math.floor(budgetMs / perRound)));
  const samples: number[][] = fns.map(() => []);
  for (let r = 0; r < runs; r++) {
    for (let i = 0; i < fns.length; i++) {
      const fn = fns[i];
      const t0 = performance.now();
      for (let c = 0; c < calls[i]; c++) await fn();
      samples[i].push((performance.now() - t0) / calls[i]);
    }
  }
  return samples.map((s, i) => ({
    medianMs: median(s),
    minMs: Math.min(...s),
    maxMs: Math.max(...s),
    runs: runs,
    callsPerRun: calls[i],
    firstCallMs: first[i],
  }));
}

// ---------------------------------------------------------------------------------------------- cases

interface Size {
  label: string;
  /** Elements of the largest input (bench.json's cases[].elements). */
  elements: number;
  /** Builds the inputs on the current backend and returns the call; `work` scales the cost estimate. */
  work: number;
  make: () => Made;
}
/** The call on the active backend, its inputs (to dispose) and the same call in Keras's terms. */
interface Made {
  call: () => Tensor | Tensor[];
  inputs: Tensor[];
  keras: KerasCall;
}
interface Case {
  op: string;
  sizes: Size[];
}

const img = (n: number, h: number, w: number, c: number) => [n, h, w, c];
const label4 = (s: number[]) => s.join('x');

function elementwise(op: 'relu' | 'gelu'): Case {
  return {
    op,
    sizes: [1e3, 1e5, 1e6].map((n) => ({
      label: `${n.toExponential(0).replace('+', '')} elems`,
      elements: n,
      work: n,
      make: () => {
        const x = rand([n], 1);
        return { call: () => ops[op](x), inputs: [x], keras: { op, args: [x] } };
      },
    })),
  };
}

function conv(op: 'conv' | 'depthwise_conv' | 'conv_transpose', shapes: Array<[number[], number[]]>, options: Record<string, unknown>): Case {
  const fn = op === 'conv' ? ops.conv : op === 'depthwise_conv' ? ops.depthwiseConv : ops.convTranspose;
  return {
    op,
    sizes: shapes.map(([xs, ks]) => ({
      label: `${label4(xs)} k${label4(ks)}`,
      elements: Math.max(prod(xs), prod(ks)),
      work: prod(xs) * prod(ks) / (op === 'depthwise_conv' ? xs[3] : op === 'conv_transpose' ? 1 : xs[3]) *
        (op === 'conv_transpose' ? 4 : 1),
      make: () => {
        const x = rand(xs, 1);
        const k = rand(ks, 2);
        // conv_transpose's strides is positional in Keras (no default); the others take options only.
        const call = op === 'conv_transpose' ? () => fn(x, k, 2, options) : () => fn(x, k, options);
        const args = op === 'conv_transpose' ? [x, k, 2] : [x, k];
        return { call, inputs: [x, k], keras: { op, args, kwargs: options } };
      },
    })),
  };
}

function pool(op: 'max_pool' | 'average_pool'): Case {
  const fn = op === 'max_pool' ? ops.maxPool : ops.averagePool;
  return {
    op,
    sizes: [img(1, 16, 16, 16), img(1, 64, 64, 64), img(1, 128, 128, 64)].map((xs) => ({
      label: `${label4(xs)} p2 s2`,
      elements: prod(xs),
      work: prod(xs),
      make: () => {
        const x = rand(xs, 1);
        return { call: () => fn(x, 2, { strides: 2 }), inputs: [x], keras: { op, args: [x, 2], kwargs: { strides: 2 } } };
      },
    })),
  };
}

const CASES: Case[] = [
  elementwise('relu'),
  elementwise('gelu'),
  {
    op: 'softmax',
    sizes: [1, 100, 1000].map((rows) => ({
      label: `${rows}x1000`,
      elements: rows * 1000,
      work: rows * 1000,
      make: () => {
        const x = rand([rows, 1000], 1);
        return { call: () => ops.softmax(x), inputs: [x], keras: { op: 'softmax', args: [x] } };
      },
    })),
  },
  conv('conv', [
    [img(1, 16, 16, 16), [3, 3, 16, 16]],
    [img(1, 64, 64, 32), [3, 3, 32, 64]],
    [img(1, 128, 128, 64), [3, 3, 64, 64]],
  ], { padding: 'same' }),
  conv('depthwise_conv', [
    [img(1, 16, 16, 16), [3, 3, 16, 1]],
    [img(1, 64, 64, 64), [3, 3, 64, 1]],
    [img(1, 128, 128, 64), [3, 3, 64, 1]],
  ], { padding: 'same' }),
  conv('conv_transpose', [
    [img(1, 8, 8, 16), [3, 3, 16, 16]],
    [img(1, 32, 32, 32), [3, 3, 32, 32]],
    [img(1, 64, 64, 64), [3, 3, 64, 64]],
  ], { padding: 'same' }),
  pool('max_pool'),
  pool('average_pool'),
  {
    op: 'dot_product_attention',
    sizes: ([[1, 16, 2, 16], [1, 128, 4, 32], [2, 512, 8, 64]] as const).map(([b, t, n, h]) => ({
      label: `B${b} T=S=${t} N${n} H${h}`,
      elements: b * t * n * h,
      work: b * n * t * t * h,
      make: () => {
        const q = rand([b, t, n, h], 1);
        const k = rand([b, t, n, h], 2);
        const v = rand([b, t, n, h], 3);
        return { call: () => ops.dotProductAttention(q, k, v), inputs: [q, k, v], keras: { op: 'dot_product_attention', args: [q, k, v] } };
      },
    })),
  },
  {
    op: 'ctc_loss',
    sizes: ([[2, 20, 10, 5], [8, 100, 30, 20], [16, 200, 60, 50]] as const).map(([b, t, c, l]) => ({
      label: `B${b} T${t} C${c} L${l}`,
      elements: b * t * c,
      work: b * t * (2 * l + 1 + c),
      make: () => {
        const target = new Int32Array(b * l);
        for (let i = 0; i < target.length; i++) target[i] = 1 + ((i * 7 + 3) % (c - 1));
        const tg = tensor(target, [b, l]);
        const out = rand([b, t, c], 1);
        const tl = tensor(new Int32Array(b).fill(l), [b]);
        const ol = tensor(new Int32Array(b).fill(t), [b]);
        return { call: () => ops.ctcLoss(tg, out, tl, ol), inputs: [tg, out, tl, ol], keras: { op: 'ctc_loss', args: [tg, out, tl, ol] } };
      },
    })),
  },
  {
    op: 'moments',
    sizes: [img(1, 16, 16, 16), img(1, 64, 64, 64), img(1, 128, 128, 64)].map((xs) => ({
      label: `${label4(xs)} axes 0,1,2`,
      elements: prod(xs),
      work: prod(xs),
      make: () => {
        const x = rand(xs, 1);
        return { call: () => ops.moments(x, [0, 1, 2]), inputs: [x], keras: { op: 'moments', args: [x, [0, 1, 2]] } };
      },
    })),
  },
];

// ---------------------------------------------------------------------------------------------- adapter overhead

interface RawCase {
  op: string;
  label: string;
  elements: number;
  make: () => { ours: () => Tensor | Tensor[]; raw: () => tf.Tensor; inputs: Tensor[] };
}

/** The tf.Tensor behind a keras-parity Tensor on the active adapter: the same data both calls read. */
const handle = <T extends tf.Tensor>(t: Tensor) => t.handleOn(currentAdapter()) as T;

const RAW_CASES: RawCase[] = [
  ...[1024, 1048576].map((n): RawCase => ({
    op: 'relu', label: `${n} elems`, elements: n,
    make: () => {
      const x = rand([n], 1);
      return { ours: () => ops.relu(x), raw: () => tf.relu(handle(x)), inputs: [x] };
    },
  })),
  ...([[1, 1024], [1024, 1024]] as const).map(([r, c]): RawCase => ({
    op: 'softmax', label: `${r}x${c}`, elements: r * c,
    make: () => {
      const x = rand([r, c], 1);
      return { ours: () => ops.softmax(x), raw: () => tf.softmax(handle(x)), inputs: [x] };
    },
  })),
  ...([[img(1, 8, 8, 16), [3, 3, 16, 16]], [img(1, 128, 128, 64), [3, 3, 64, 64]]] as Array<[number[], number[]]>).map(
    ([xs, ks]): RawCase => ({
      op: 'conv2d', label: `${label4(xs)} k${label4(ks)} same`, elements: prod(xs),
      make: () => {
        const x = rand(xs, 1);
        const k = rand(ks, 2);
        return {
          ours: () => ops.conv(x, k, { padding: 'same' }),
          raw: () => tf.conv2d(handle<tf.Tensor4D>(x), handle<tf.Tensor4D>(k), 1, 'same'),
          inputs: [x, k],
        };
      },
    }),
  ),
  ...[img(1, 16, 16, 4), img(1, 128, 128, 64)].map((xs): RawCase => ({
    op: 'maxPool', label: `${label4(xs)} p2 s2`, elements: prod(xs),
    make: () => {
      const x = rand(xs, 1);
      return {
        ours: () => ops.maxPool(x, 2, { strides: 2 }),
        raw: () => tf.maxPool(handle<tf.Tensor4D>(x), 2, 2, 'valid'),
        inputs: [x],
      };
    },
  })),
];

// ---------------------------------------------------------------------------------------------- run

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const padL = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

const started = performance.now();
const infos = await listBackends();
const wanted = option('--backends')?.split(',');
const backends = infos.filter((b) => b.available && (!wanted || wanted.includes(b.name)));
const unavailable = infos.filter((b) => !b.available).map((b) => ({ name: b.name, reason: b.reason }));

const results: BenchResult[] = [];
const tfMemory: Record<string, { before: tf.MemoryInfo; after: tf.MemoryInfo; leakedTensors: number; leakedBytes: number }> = {};

for (const backend of backends) {
  await setBackend(backend.name);
  const isTfjs = backend.name.startsWith('tfjs-');
  const before = isTfjs ? { ...tf.memory() } : undefined;
  process.stderr.write(`[bench] ${backend.name}`);
  for (const c of CASES) {
    let prev: { work: number; ms: number } | undefined;
    for (const size of c.sizes) {
      // The reference backend is skipped where one call is predicted (from the previous size, scaled by
      // work) to take longer than MAX_CALL_MS.
      const predicted = prev ? (prev.ms * size.work) / prev.work : 0;
      if (predicted > MAX_CALL_MS) {
        results.push({
          op: c.op, size: size.label, backend: backend.name, medianMs: null,
          skipped: `one call predicted ~${(predicted / 1000).toFixed(1)} s (> ${MAX_CALL_MS / 1000} s cap), from the smaller size scaled by work`,
        });
        prev = { work: size.work, ms: predicted };
        continue;
      }
      const { call, inputs } = size.make();
      let t: BenchTiming;
      try {
        [t] = await timeInterleaved([() => readAll(call())]);
      } catch (e) {
        const msg = e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
        results.push({ op: c.op, size: size.label, backend: backend.name, medianMs: null, skipped: `error: ${msg.slice(0, 300)}` });
        process.stderr.write('E');
        for (const x of inputs) x.dispose();
        break;
      }
      for (const x of inputs) x.dispose();
      results.push({ op: c.op, size: size.label, backend: backend.name, ...t });
      prev = { work: size.work, ms: t.medianMs };
      process.stderr.write('.');
    }
  }
  process.stderr.write('\n');
  if (before) {
    const after = { ...tf.memory() };
    tfMemory[backend.name] = {
      before, after,
      leakedTensors: after.numTensors - before.numTensors,
      leakedBytes: after.numBytes - before.numBytes,
    };
  }
}

// Adapter overhead: keras-parity's call against the same TF.js op on the same tf.Tensors, interleaved.
const overhead: AdapterOverhead[] = [];
for (const backend of backends.filter((b) => b.name.startsWith('tfjs-'))) {
  await setBackend(backend.name);
  process.stderr.write(`[overhead] ${backend.name}`);
  for (const rc of RAW_CASES) {
    const { ours, raw, inputs } = rc.make();
    const [a, b] = await timeInterleaved(
      [
        () => readAll(ours()),
        async () => {
          // raw TF.js: the op on the same backend's tf.Tensors, read back, disposed.
          const y = raw();
          await y.data();
          y.dispose();
        },
      ],
      // A ratio near 1 needs more samples than a time: single ratios on a 2-core VM swing by 15%.
      CASE_BUDGET_MS * 6,
    );
    for (const x of inputs) x.dispose();
    overhead.push({
      op: rc.op, size: rc.label, elements: rc.elements, backend: backend.name,
      oursMs: a.medianMs, rawMs: b.medianMs, ratio: a.medianMs / b.medianMs,
      overheadUsPerCall: (a.medianMs - b.medianMs) * 1000, runs: a.runs,
    });
    process.stderr.write('.');
  }
  process.stderr.write('\n');
}

// reference / tfjs-cpu on conv2d at the three sizes, interleaved call by call (same tensors: made on
// reference, copied to tfjs-cpu once on first use and cached there).
const refVsCpu: ReferenceOverTfjsCpu[] = [];
const haveRefAndCpu = ['reference', 'tfjs-cpu'].every((n) => backends.some((b) => b.name === n));
process.stderr.write('[reference/tfjs-cpu conv2d]');
for (const s of CASES.find((c) => c.op === 'conv')!.sizes) {
  const ref = results.find((r) => r.op === 'conv' && r.size === s.label && r.backend === 'reference');
  const cpu = results.find((r) => r.op === 'conv' && r.size === s.label && r.backend === 'tfjs-cpu');
  const tableRatio = ref?.medianMs != null && cpu?.medianMs != null ? ref.medianMs / cpu.medianMs : null;
  if (!haveRefAndCpu || ref?.medianMs == null) {
    refVsCpu.push({ size: s.label, referenceMs: null, tfjsCpuMs: null, ratio: null, tableRatio, note: ref?.skipped ?? 'backend unavailable' });
    continue;
  }
  await setBackend('reference');
  const { call, inputs } = s.make();
  const on = (name: string) => async () => {
    await setBackend(name);
    await readAll(call());
  };
  const [r, c] = await timeInterleaved([on('reference'), on('tfjs-cpu')], CASE_BUDGET_MS * 2);
  for (const x of inputs) x.dispose();
  refVsCpu.push({ size: s.label, referenceMs: r.medianMs, tfjsCpuMs: c.medianMs, ratio: r.medianMs / c.medianMs, runs: r.runs, tableRatio });
  process.stderr.write('.');
}
process.stderr.write('\n');

// Keras 3.6 on JAX, the same calls (inputs made on reference), unless --no-keras.
process.stderr.write('[keras on jax]');
await setBackend('reference');
const kerasJax = flag('--no-keras')
  ? { ms: new Map<string, number>(), note: 'not measured (--no-keras)' }
  : await timeKerasJax(
      CASES.flatMap((c) => c.sizes.map((s) => ({ key: `${c.op} ${s.label}`, make: s.make }))),
      CASE_BUDGET_MS,
      MAX_RUNS,
    );
process.stderr.write('\n');
const benchSeconds = (performance.now() - started) / 1000;

// ---------------------------------------------------------------------------------------------- conformance

function conformance(names: string[]): ConformanceRun {
  const reportFile = join(os.tmpdir(), `keras-parity-bench-${process.pid}-${names.length}.json`);
  const env = { ...process.env, KERAS_PARITY_BACKENDS: names.join(',') };
  const useTime = existsSync('/usr/bin/time');
  const mocha = ['npx', 'mocha', 'spec/conformance.spec.ts', '--reporter', 'json', '--reporter-option', `output=${reportFile}`];
  const [cmd, ...rest] = useTime ? ['/usr/bin/time', '-v', ...mocha] : mocha;
  const t0 = performance.now();
  const r = spawnSync(cmd, rest, { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const wallSeconds = (performance.now() - t0) / 1000;
  // GNU time reports the largest resident set among the child and its descendants (mocha re-spawns
  // node with --import=tsx), in KiB.
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr ?? '');
  const run: ConformanceRun = {
    backends: names.join(','), exitCode: r.status, wallSeconds,
    maxRssMiB: m ? Number(m[1]) / 1024 : null,
  };
  try {
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    run.passing = report.stats.passes;
    run.failing = report.stats.failures;
    run.pending = report.stats.pending;
    const sums: Record<string, number> = {};
    for (const t of report.tests ?? []) {
      const b = /\[([^\]]+)\]\s*$/.exec(t.title ?? '')?.[1];
      if (b && typeof t.duration === 'number') sums[b] = (sums[b] ?? 0) + t.duration / 1000;
    }
    run.testSeconds = sums;
  } catch {
    /* the report is missing when mocha failed to start; exitCode says so */
  }
  return run;
}

const conformanceRuns: ConformanceRun[] = [];
if (!flag('--no-conformance')) {
  const all = ['reference', 'tfjs-cpu', 'tfjs-wasm', 'tfjs-tensorflow'];
  process.stderr.write('[conformance] all four backends');
  conformanceRuns.push(conformance(all));
  for (const name of all) {
    process.stderr.write(`, ${name}`);
    conformanceRuns.push(conformance([name]));
  }
  process.stderr.write('\n');
}

// ---------------------------------------------------------------------------------------------- report

const backendNames = backends.map((b) => b.name);
const lines: string[] = [];
const say = (s = '') => lines.push(s);
say(`keras-parity bench  ${new Date().toISOString()}  node ${process.version}  ${os.cpus().length}x ${os.cpus()[0]?.model ?? '?'}`);
say(`median ms per call, read-back included (await data()); '-' = skipped (see notes)`);
say();
say(pad('op', 22) + pad('size', 34) + backendNames.map((b) => padL(b, 16)).join(''));
for (const c of CASES) {
  for (const s of c.sizes) {
    const cells = backendNames.map((b) => {
      const r = results.find((x) => x.op === c.op && x.size === s.label && x.backend === b);
      return padL(r ? fmt(r.medianMs) : 'n/a', 16);
    });
    say(pad(c.op, 22) + pad(s.label, 34) + cells.join(''));
  }
}
const skips = results.filter((r) => r.skipped);
if (skips.length) {
  say();
  for (const r of skips) say(`note: ${r.backend} ${r.op} ${r.size} skipped: ${r.skipped}`);
}
say();
say(
  'adapter overhead: keras-parity call / raw TF.js call on the same tf.Tensors ' +
    `(targets: <= ${OVERHEAD_TARGET.ratio}x at ~1e6 elements, <= ${OVERHEAD_TARGET.usPerCall} us/call at ~1e3)`,
);
say(pad('op', 10) + pad('size', 34) + pad('backend', 17) + padL('ours ms', 10) + padL('raw ms', 10) + padL('ratio', 8) + padL('+us/call', 10) + '  target');
for (const o of overhead) {
  const small = o.elements < OVERHEAD_TARGET.smallElements;
  const ok = overheadMet(o);
  say(
    pad(o.op, 10) + pad(o.size, 34) + pad(o.backend, 17) + padL(fmt(o.oursMs), 10) + padL(fmt(o.rawMs), 10) +
      padL(o.ratio.toFixed(3), 8) + padL(o.overheadUsPerCall.toFixed(1), 10) + `  ${ok ? 'ok' : 'MISSED'} (${small ? `<= ${OVERHEAD_TARGET.usPerCall} us` : `<= ${OVERHEAD_TARGET.ratio}x`})`,
  );
}
say();
say('reference / tfjs-cpu, conv2d, interleaved call by call (target: <= 1.0x); "table" = the ratio of the main table\'s medians');
for (const r of refVsCpu) {
  say(
    pad(r.size, 34) + padL(fmt(r.referenceMs), 10) + ' / ' + pad(fmt(r.tfjsCpuMs), 10) +
      (r.ratio == null
        ? `  ratio n/a${r.note ? ` (reference ${r.note})` : ''}`
        : `  ${r.ratio.toFixed(2)}x  ${r.ratio <= 1 ? 'ok' : 'MISSED'}  (${r.runs} runs; table ${r.tableRatio?.toFixed(2) ?? '-'}x)`),
  );
}
say();
say(`backend / Keras 3.6 on JAX (${kerasJax.note}); target: the fastest Node backend <= ${KERAS_JAX_TARGET.ratio}x on ${KERAS_JAX_TARGET.ops.join(', ')} at the medium size`);
say(pad('op', 22) + pad('size', 34) + padL('keras ms', 10) + backendNames.map((b) => padL(b, 16)).join('') + '  fastest');
for (const c of CASES) {
  c.sizes.forEach((s, i) => {
    const keras = kerasJax.ms.get(`${c.op} ${s.label}`);
    const ratios = backendNames.map((b) => {
      const r = results.find((x) => x.op === c.op && x.size === s.label && x.backend === b);
      return keras !== undefined && r?.medianMs != null ? r.medianMs / keras : null;
    });
    const fastest = Math.min(...ratios.filter((r): r is number => r !== null));
    const judged = (KERAS_JAX_TARGET.ops as readonly string[]).includes(c.op) && i === KERAS_JAX_TARGET.sizeIndex;
    const verdict = !Number.isFinite(fastest) ? '-' : `${fastest.toFixed(2)}x${judged ? (fastest <= KERAS_JAX_TARGET.ratio ? ' ok' : ' MISSED') : ''}`;
    say(pad(c.op, 22) + pad(s.label, 34) + padL(fmt(keras ?? null), 10) + ratios.map((r) => padL(r === null ? '-' : `${r.toFixed(2)}x`, 16)).join('') + `  ${verdict}`);
  });
}
say();
say('TF.js tf.memory() before and after the bench, per backend');
for (const [name, m] of Object.entries(tfMemory)) {
  say(
    `${pad(name, 17)} numTensors ${m.before.numTensors} -> ${m.after.numTensors}, numBytes ${m.before.numBytes} -> ${m.after.numBytes}` +
      `  (${m.leakedTensors === 0 && m.leakedBytes === 0 ? 'no leak' : `LEAK ${m.leakedTensors} tensors, ${m.leakedBytes} bytes`})`,
  );
}
say(`bench process maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB, bench wall ${benchSeconds.toFixed(1)} s`);
if (conformanceRuns.length) {
  say();
  say('conformance suite (npx mocha spec/conformance.spec.ts), wall time incl. startup (target < 60 s per backend) and peak RSS');
  for (const r of conformanceRuns) {
    const tests = r.testSeconds ? Object.entries(r.testSeconds).map(([b, s]) => `${b} ${s.toFixed(1)} s`).join(', ') : '';
    say(
      `${pad(r.backends, 50)} exit ${r.exitCode}  wall ${r.wallSeconds.toFixed(1)} s  maxRSS ${r.maxRssMiB == null ? '?' : r.maxRssMiB.toFixed(0)} MiB` +
        `  ${r.passing ?? '?'} passing ${r.failing ?? '?'} failing ${r.pending ?? '?'} pending` +
        `${tests ? `  (test time: ${tests})` : ''}  ${r.wallSeconds < 60 ? 'ok' : 'MISSED'}`,
    );
  }
}
console.log(lines.join('\n'));

let commit = '';
try {
  commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
} catch {
  /* not a git checkout */
}
const cases: BenchCase[] = CASES.flatMap((c) =>
  c.sizes.map((s) => {
    const kerasJaxMs = kerasJax.ms.get(`${c.op} ${s.label}`);
    return { op: c.op, size: s.label, elements: s.elements, ...(kerasJaxMs === undefined ? {} : { kerasJaxMs }) };
  }),
);
const report: BenchFile = {
  schema: BENCH_SCHEMA,
  date: new Date().toISOString(),
  environment: {
    node: process.version, platform: process.platform, arch: process.arch, release: os.release(),
    cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, totalMemMiB: Math.round(os.totalmem() / 2 ** 20),
    tfjsCore: tf.version_core, commit, quick: QUICK,
    backends: infos.map((b) => ({ name: b.name, available: b.available, device: b.device, reason: b.reason })),
  },
  method: {
    statistic: 'median of timed samples after two untimed warm-up calls; read-back (await data()) and dispose included',
    caseBudgetMs: CASE_BUDGET_MS, minSampleMs: MIN_SAMPLE_MS, maxRuns: MAX_RUNS, referenceCallCapMs: MAX_CALL_MS,
  },
  cases,
  results,
  ratios: {
    adapterOverhead: overhead,
    referenceOverTfjsCpuConv2d: refVsCpu,
  },
  kerasJax: { versions: 'versions' in kerasJax ? kerasJax.versions : undefined, note: kerasJax.note },
  memory: {
    tfMemory,
    benchMaxRssMiB: process.resourceUsage().maxRSS / 1024,
    conformance: conformanceRuns,
  },
  unavailable,
  benchSeconds,
};
mkdirSync(dirname(OUT), { recursive: true });
// Four significant digits keep the file small (well under 50 KB) and are more than the noise allows.
const round = (_: string, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v);
writeFileSync(OUT, JSON.stringify(report, round, 1) + '\n');
console.log(`\nwrote ${OUT}`);
// The plots live in the parity report, which embeds this file.
const rel = relative(process.cwd(), OUT);
console.log(
  `plots: npx keras-parity run --bench ${rel && !rel.startsWith('..') ? rel : OUT}` +
    '  (writes parity-report/report.html: see its Performance section)',
);
