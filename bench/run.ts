/**
 * keras-parity benchmark: representative ops at three sizes on every available backend, the adapter's
 * overhead against the same raw TF.js call, reference / tfjs-cpu on conv2d, TF.js tensor accounting,
 * gradients (ops.vjp and its pullback, bench/grad.ts) against jax.vjp, and the conformance suite's wall
 * time and peak RSS.
 *
 *   node --import tsx bench/run.ts [--quick] [--only PARTS] [--no-conformance] [--no-keras] [--backends a,b] [--out FILE]
 *
 * PARTS, comma-separated: table, overhead, reference, keras, grad, conformance (default: all); grad times
 * Keras on JAX too, unless --no-keras. Every timing is
 * the median of repeated runs after a warm-up, read-back included (await data({dispose: true})). Small
 * cases time a loop of calls per sample and report the per-call time. The script re-runs itself under fixed C
 * allocator thresholds (bench/allocator.ts). Writes a plain table to stdout and
 * bench/results/bench.json (its format: src/benchfile/model.ts), which `keras-parity run --bench` plots in
 * the parity report.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { listBackends, setBackend } from '../src/index.js';
import { formatMs as fmt } from '../src/benchfile/format.js';
import { machineFacts } from '../src/machine.js';
import { cpuLine, settingsLine } from '../src/machine-text.js';
import {
  BENCH_SCHEMA, KERAS_JAX_TARGET, OVERHEAD_TARGET, overheadMet,
  type BenchCase, type BenchFile, type BenchResult, type BenchTiming, type ConformanceRun,
  type ReferenceOverTfjsCpu,
} from '../src/benchfile/model.js';
import { ALLOCATOR_ENV, runUnderPinnedAllocator } from './allocator.js';
import { CASES, type Case, type Size } from './cases.js';
import { GRAD_CASES, gradKerasCalls, gradKey, gradTable, timeGradients, type GradTimings } from './grad.js';
import { timeKerasJax, type KerasJaxCall, type KerasJaxTimings } from './keras-jax.js';
import { measureOverhead } from './overhead.js';
import { MIN_SAMPLE_MS, readAll, timeInterleaved } from './timing.js';

runUnderPinnedAllocator();

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const QUICK = flag('--quick');
const PARTS = ['table', 'overhead', 'reference', 'keras', 'grad', 'conformance'] as const;
const only = option('--only')?.split(',');
const unknownPart = only?.find((p) => !(PARTS as readonly string[]).includes(p));
if (unknownPart !== undefined) {
  console.error(`--only: unknown part '${unknownPart}'; the parts are ${PARTS.join(', ')}.`);
  process.exit(2);
}
const runs = (part: (typeof PARTS)[number]) => (!only || only.includes(part)) && !flag(`--no-${part}`);
const OUT = option('--out') ?? join(ROOT, 'bench', 'results', 'bench.json');
/** Time budget for one case's timed samples (warm-up excluded), and the per-call cap for reference. */
const CASE_BUDGET_MS = QUICK ? 250 : 900;
const MAX_CALL_MS = 2000;
/** The gradient part's cap on one call: one size per op, so a slower call fits the time three sizes take. */
const GRAD_MAX_CALL_MS = 3 * MAX_CALL_MS;
const MAX_RUNS = QUICK ? 7 : 25;

// ---------------------------------------------------------------------------------------------- run

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const padL = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

const started = performance.now();
const infos = await listBackends();
const wanted = option('--backends')?.split(',');
const backends = infos.filter((b) => b.available && (!wanted || wanted.includes(b.name)));
const unavailable = infos.filter((b) => !b.available).map((b) => ({ name: b.name, reason: b.reason }));
// What changes numbers here (ISA features, cores, GPU, variables), recorded beside the timings.
const machine = machineFacts();

const results: BenchResult[] = [];
const tfMemory: Record<string, { before: tf.MemoryInfo; after: tf.MemoryInfo; leakedTensors: number; leakedBytes: number }> = {};

async function timeTable(): Promise<void> {
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
          [t] = await timeInterleaved([() => readAll(call())], CASE_BUDGET_MS, MAX_RUNS);
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
}
if (runs('table')) await timeTable();
const grad: GradTimings | undefined = runs('grad') ? await timeGradients(backends.map((b) => b.name), CASE_BUDGET_MS, MAX_RUNS, GRAD_MAX_CALL_MS) : undefined;

// Adapter overhead: a ratio near 1 needs more samples than a time, hence the larger budget.
const tfjsBackends = backends.map((b) => b.name).filter((n) => n.startsWith('tfjs-'));
const overhead = runs('overhead') ? await measureOverhead(tfjsBackends, CASE_BUDGET_MS * 6, MAX_RUNS * 8) : [];

// reference / tfjs-cpu on conv2d at the three sizes, interleaved call by call (same tensors: made on
// reference, copied to tfjs-cpu once on first use and cached there).
const refVsCpu: ReferenceOverTfjsCpu[] = [];
const haveRefAndCpu = ['reference', 'tfjs-cpu'].every((n) => backends.some((b) => b.name === n));
async function timeReferenceOverCpu(): Promise<void> {
  process.stderr.write('[reference/tfjs-cpu conv2d]');
  for (const s of CASES.find((c) => c.op === 'conv')!.sizes) {
    const ref = results.find((r) => r.op === 'conv' && r.size === s.label && r.backend === 'reference');
    const cpu = results.find((r) => r.op === 'conv' && r.size === s.label && r.backend === 'tfjs-cpu');
    const tableRatio = ref?.medianMs != null && cpu?.medianMs != null ? ref.medianMs / cpu.medianMs : null;
    if (!haveRefAndCpu || ref?.skipped) {
      refVsCpu.push({ size: s.label, referenceMs: null, tfjsCpuMs: null, ratio: null, tableRatio, note: ref?.skipped ?? 'backend unavailable' });
      continue;
    }
    await setBackend('reference');
    const { call, inputs } = s.make();
    const on = (name: string) => async () => {
      await setBackend(name);
      await readAll(call());
    };
    const [r, c] = await timeInterleaved([on('reference'), on('tfjs-cpu')], CASE_BUDGET_MS * 2, MAX_RUNS);
    for (const x of inputs) x.dispose();
    refVsCpu.push({ size: s.label, referenceMs: r.medianMs, tfjsCpuMs: c.medianMs, ratio: r.medianMs / c.medianMs, runs: r.runs, tableRatio });
    process.stderr.write('.');
  }
  process.stderr.write('\n');
}
if (runs('reference')) await timeReferenceOverCpu();

// Keras on JAX, each case's version, the same calls (inputs made on reference); the gradient part's
// calls with them, so one oracle per version times both.
async function timeKeras(calls: KerasJaxCall[]): Promise<KerasJaxTimings> {
  process.stderr.write('[keras on jax]');
  await setBackend('reference');
  const timings = await timeKerasJax(calls, CASE_BUDGET_MS, MAX_RUNS);
  process.stderr.write('\n');
  return timings;
}
const kerasCalls: KerasJaxCall[] = [
  ...(runs('keras') ? CASES.flatMap((c) => c.sizes.map((s) => ({ key: `${c.op} ${s.label}`, keras: c.keras, make: s.make }))) : []),
  ...(grad && !flag('--no-keras') ? gradKerasCalls() : []),
];
const kerasJax: KerasJaxTimings = kerasCalls.length ? await timeKeras(kerasCalls) : { ms: new Map(), byKeras: {}, note: 'not measured (--no-keras or --only)' };
const benchSeconds = (performance.now() - started) / 1000;

// ---------------------------------------------------------------------------------------------- conformance

function conformance(names: string[]): ConformanceRun {
  const reportFile = join(os.tmpdir(), `keras-parity-bench-${process.pid}-${names.length}.json`);
  // Peak memory as a user would see it: the default allocator, not the timings' fixed one.
  const env: NodeJS.ProcessEnv = { ...process.env, KERAS_PARITY_BACKENDS: names.join(',') };
  for (const k of Object.keys(ALLOCATOR_ENV)) delete env[k];
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
if (runs('conformance')) {
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
say(`keras-parity bench  ${new Date().toISOString()}  node ${process.version}  ${cpuLine(machine.cpu)}`);
for (const b of backends) if (b.settings) say(`  ${b.name}: ${settingsLine(b.settings)}`);
say(`median ms per call, read-back included (await data({dispose: true})); '-' = skipped (see notes)`);
say();
if (runs('table')) {
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
}
if (runs('overhead')) {
  say();
  say(
    'adapter overhead: keras-parity call / raw TF.js call on the same tf.Tensors, each read and disposed ' +
      `(targets: <= ${OVERHEAD_TARGET.ratio}x at ~1e6 elements, <= ${OVERHEAD_TARGET.usPerCall} us/call at ~1e3)`,
  );
  say(pad('op', 10) + pad('size', 34) + pad('backend', 17) + padL('ours ms', 10) + padL('raw ms', 10) + padL('ratio', 8) + padL('p25-p75', 14) + padL('A/A', 7) + padL('+us/call', 10) + '  target');
  for (const o of overhead) {
    const small = o.elements < OVERHEAD_TARGET.smallElements;
    const ok = overheadMet(o);
    say(
      pad(o.op, 10) + pad(o.size, 34) + pad(o.backend, 17) + padL(fmt(o.oursMs), 10) + padL(fmt(o.rawMs), 10) +
        padL(o.ratio.toFixed(3), 8) + padL(o.ratioQuartiles?.map((q) => q.toFixed(3)).join('-') ?? '', 14) + padL(o.control?.ratio.toFixed(3) ?? '', 7) +
        padL(o.overheadUsPerCall.toFixed(1), 10) + `  ${ok ? 'ok' : 'MISSED'} (${small ? `<= ${OVERHEAD_TARGET.usPerCall} us` : `<= ${OVERHEAD_TARGET.ratio}x`})`,
    );
  }
}
if (runs('reference')) {
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
}
if (runs('keras')) {
  // The first case's Keras heads the table; a case timed against another says which.
  const usual = CASES[0].keras;
  say();
  say(
    `backend / Keras ${usual} on JAX (${kerasJax.note}); target: the fastest Node backend <= ${KERAS_JAX_TARGET.ratio}x ` +
      `at the medium size of ${KERAS_JAX_TARGET.ops.length} ops (ok or MISSED beside them)`,
  );
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
      const other = c.keras === usual ? '' : `  (Keras ${c.keras})`;
      say(pad(c.op, 22) + pad(s.label, 34) + padL(fmt(keras ?? null), 10) + ratios.map((r) => padL(r === null ? '-' : `${r.toFixed(2)}x`, 16)).join('') + `  ${verdict}${other}`);
    });
  }
}
/** bench.json's entry of a case at size `s`, with Keras on JAX's time under `key` where there is one. */
const benchCase = (c: Case, s: Size, key: string): BenchCase => {
  const kerasJaxMs = kerasJax.ms.get(key);
  return { op: c.op, size: s.label, elements: s.elements, ...(kerasJaxMs === undefined ? {} : { kerasJaxMs, kerasVersion: c.keras }) };
};
const gradCases = GRAD_CASES.map(({ case: c, size }) => benchCase(c, size, gradKey(c.op, size.label)));
if (grad) {
  say();
  for (const line of gradTable(gradCases, grad.results, backendNames, grad.leaks, kerasJax.note)) say(line);
}
if (runs('table')) {
  say();
  say('TF.js tf.memory() before and after the bench, per backend');
  for (const [name, m] of Object.entries(tfMemory)) {
    say(
      `${pad(name, 17)} numTensors ${m.before.numTensors} -> ${m.after.numTensors}, numBytes ${m.before.numBytes} -> ${m.after.numBytes}` +
        `  (${m.leakedTensors === 0 && m.leakedBytes === 0 ? 'no leak' : `LEAK ${m.leakedTensors} tensors, ${m.leakedBytes} bytes`})`,
    );
  }
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
const cases: BenchCase[] = CASES.flatMap((c) => c.sizes.map((s) => benchCase(c, s, `${c.op} ${s.label}`)));
const report: BenchFile = {
  schema: BENCH_SCHEMA,
  date: new Date().toISOString(),
  environment: {
    node: process.version, platform: process.platform, arch: process.arch, release: os.release(),
    cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, totalMemMiB: Math.round(os.totalmem() / 2 ** 20),
    tfjsCore: tf.version_core, commit, quick: QUICK,
    backends: infos.map((b) => ({ name: b.name, available: b.available, device: b.device, reason: b.reason, ...(b.settings ? { settings: b.settings } : {}) })),
    machine,
  },
  method: {
    statistic: 'median of timed samples after untimed warm-up calls (150 ms, two at least); read-back and dispose (await data({dispose: true})) included',
    caseBudgetMs: CASE_BUDGET_MS, minSampleMs: MIN_SAMPLE_MS, maxRuns: MAX_RUNS, referenceCallCapMs: MAX_CALL_MS,
    allocator: { ...ALLOCATOR_ENV },
  },
  cases,
  results,
  ratios: {
    adapterOverhead: overhead,
    referenceOverTfjsCpuConv2d: refVsCpu,
  },
  kerasJax: { byKeras: kerasJax.byKeras, note: kerasJax.note },
  ...(grad ? { gradients: { cases: gradCases, results: grad.results, leaks: grad.leaks } } : {}),
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
