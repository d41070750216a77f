/// <reference types="node" />
/**
 * `keras-parity fuzz --grad`: for one Keras version, each differentiable op's generated calls through
 * jax.vjp in the oracle and ops.vjp on each backend (src/fuzz/grad.ts); a mismatch is printed as a Python
 * program that pulls back with jax.vjp and a keras-parity program that pulls back with ops.vjp, and
 * `--save DIR` keeps it as a gradient golden case (src/fuzz/grad-save.ts).
 */
import { relative } from 'node:path';
import { plural } from '../format.js';
import type { Generators, OpGenerators } from '../fuzz/call.js';
import { fuzzGradOp, type GradFuzzResult, type GradMismatch } from '../fuzz/grad.js';
import { gradSaveDirs, saveGradCase } from '../fuzz/grad-save.js';
import type { KerasOracle } from '../fuzz/oracle.js';
import { CachedOracle } from '../fuzz/run.js';
import type { CaseRunner } from '../fuzz/runner.js';
import { defaultName } from '../fuzz/save.js';
import { jsGradSnippet, pythonGradSnippet } from '../fuzz/snippet.js';
import { callKey } from '../fuzz/wire.js';
import type { KerasVersion } from '../keras-versions.js';
import { OP_TABLE, type AnyOpDef, type OpName } from '../ops/table.js';
import { paint, type Output, type StatusLine } from './progress.js';

export interface GradPlan {
  keras: KerasVersion;
  ops: string[];
  backends: string[];
  cases: number;
  seed: number;
}

export interface GradRun {
  plan: GradPlan;
  runners: readonly CaseRunner[];
  generators: Partial<Generators>;
  oracle: KerasOracle;
  /** What changes a backend's numbers on this host, a line each (`tfjs-tensorflow: oneDNN off (...)`). */
  settings: readonly string[];
  /** The command that repeats one op on one backend. */
  repeat: (op: string, backend: string) => string;
  /** The folder --save writes gradient cases to. */
  save?: string;
  line: StatusLine;
  color: boolean;
}

/** Runs the plan, prints the summary and saves the mismatches; the exit status (0 no mismatch, 1 one). */
export async function fuzzGrad(run: GradRun, stdout: Output): Promise<number> {
  const results = await runAll(run, stdout);
  stdout.write(summary(run, results));
  const mismatches = results.filter((r) => r.mismatch);
  if (mismatches.length && run.save) save(run, mismatches, stdout);
  return mismatches.length ? 1 : 0;
}

/** Ops without a gradient (OpDef.noGradient), with why. */
function noGradient(op: string): string | undefined {
  return (OP_TABLE[op as OpName] as AnyOpDef | undefined)?.noGradient;
}

async function runAll(run: GradRun, stdout: Output): Promise<GradFuzzResult[]> {
  const { plan, runners, line, oracle } = run;
  const cached = new CachedOracle(oracle);
  const skipped = plan.ops.filter(noGradient);
  for (const op of skipped) line.log(`${op}: no gradient (${noGradient(op)}): not fuzzed`);
  const ops = plan.ops.filter((op) => !noGradient(op));
  const keras = `Keras ${oracle.versions.keras} (JAX ${oracle.versions.jax})`;
  line.log(`Fuzzing the gradients of ${plural(ops.length, 'op')} on ${plan.backends.join(', ')} against jax.vjp of ${keras}: ${plan.cases} calls per op and backend, seed ${plan.seed}`);
  const total = ops.length * runners.length * plan.cases;
  let done = 0;
  const results: GradFuzzResult[] = [];
  for (const op of ops) {
    for (const runner of runners) {
      const before = done;
      const onCall = (runs: number) => {
        done = before + runs;
        line.update(line.bar(done, total, `${op} (gradient) on ${runner.backend}  ${line.elapsed()}`));
      };
      const generators = run.generators[op as keyof Generators] as OpGenerators;
      const r = await fuzzGradOp(op, runner, generators, cached, { seed: plan.seed, numRuns: plan.cases, onCall, keras: plan.keras });
      done = before + plan.cases;
      results.push(r);
      line.log(cellLine(r));
      if (r.mismatch) {
        line.done();
        stdout.write(mismatchReport(run, r, r.mismatch, runner, keras));
      }
    }
  }
  return results;
}

function cellLine(r: GradFuzzResult): string {
  if (r.noRule) return `  ${r.backend} ${r.op} (gradient): no backward rule on ${r.backend} yet: unsupported`;
  const parts = [`${r.checked} checked, ${r.passed} passed`];
  if (r.mismatch) parts.push(`MISMATCH after ${r.runs} calls`);
  if (r.unsupported) parts.push(`${r.unsupported} unsupported`);
  for (const [why, n] of Object.entries(r.skipped)) parts.push(`${n} skipped (${why})`);
  for (const [why, n] of Object.entries(r.excluded)) parts.push(`${n} excluded (${why})`);
  if (r.noKerasResult.length) parts.push(`${r.noKerasResult.length} without a Keras result`);
  return `  ${r.backend} ${r.op} (gradient): ${parts.join(', ')} (${r.seconds.toFixed(2)} s)`;
}

function mismatchReport(run: GradRun, r: GradFuzzResult, m: GradMismatch, runner: CaseRunner, keras: string): string {
  const comment = `Found by: ${run.repeat(r.op, r.backend)}`;
  return [
    '',
    `MISMATCH ${r.op} gradient on ${r.backend} (shrunk in ${plural(m.shrinks + m.reductions, 'step')}):`,
    m.report,
    '',
    `--- jax.vjp on ${keras}: save as repro.py, run with a Python that has Keras ---`,
    pythonGradSnippet(m.call, m.case.cotangents, { comment }).trimEnd(),
    `--- ops.vjp of keras-parity on ${r.backend}: save as repro.mjs, ${runner.program.howToRun} ---`,
    jsGradSnippet(m.call, m.case.cotangents, runner.program, { comment, keras: run.plan.keras }).trimEnd(),
    '---',
    '',
  ].join('\n');
}

/** The totals, the calls checked per op and backend, the host's settings, and how to repeat each mismatch. */
function summary(run: GradRun, results: GradFuzzResult[]): string {
  const { plan, color, oracle } = run;
  const sum = (f: (r: GradFuzzResult) => number) => results.reduce((n, r) => n + f(r), 0);
  const mismatches = results.filter((r) => r.mismatch);
  const unsupported = sum((r) => r.unsupported);
  const noRule = results.filter((r) => r.noRule).length;
  const excluded = sum((r) => Object.values(r.excluded).reduce((a, b) => a + b, 0));
  const noResult = results.flatMap((r) => r.noKerasResult.map((x) => ({ ...x, r })));
  const lines = [
    '',
    `Gradients: ${plural(results.length, 'op x backend run')}, ${plural(sum((r) => r.runs), 'call')}, ${plural(sum((r) => r.checked), 'gradient')} checked, seed ${plan.seed}: ` +
      (mismatches.length
        ? paint(color, 'red', `${mismatches.length} ${mismatches.length === 1 ? 'mismatch' : 'mismatches'} (${mismatches.map((r) => `${r.op} on ${r.backend}`).join(', ')})`)
        : paint(color, 'green', 'no mismatch')) +
      (unsupported ? `, ${unsupported} unsupported` : '') +
      (noRule ? `, ${plural(noRule, 'op x backend')} without a backward rule (unsupported)` : '') +
      (excluded ? `, ${excluded} excluded (src/golden/exclusions.ts)` : ''),
    ...table(results),
  ];
  const defaults = [...new Set(results.filter((r) => r.defaultTolerance).map((r) => r.op))];
  if (defaults.length) lines.push(`No tolerance rule in tools/golden/grad.py's OPS, compared at the default tolerance: ${defaults.join(', ')}`);
  for (const s of run.settings) lines.push(`Ran under: ${s}`);
  if (noResult.length || oracle.restarts) {
    lines.push(`${plural(noResult.length, 'call')} without a Keras result (not compared); the oracle restarted ${plural(oracle.restarts, 'time')}:`);
    for (const { call, why, r } of noResult.slice(0, 10)) lines.push(`  ${r.backend} ${call.op}: ${why}`);
  }
  for (const r of mismatches) lines.push(`Repeat with: ${run.repeat(r.op, r.backend)}`);
  return `${lines.join('\n')}\n`;
}

/** Gradients checked, an op a row and a backend a column; `no rule` where the backend has no backward rule for the op. */
function table(results: GradFuzzResult[]): string[] {
  const ops = [...new Set(results.map((r) => r.op))];
  const backends = [...new Set(results.map((r) => r.backend))];
  const cell = (op: string, b: string) => {
    const r = results.find((x) => x.op === op && x.backend === b);
    return !r ? '' : r.noRule ? 'no rule' : `${r.checked}${r.mismatch ? ' MISMATCH' : ''}`;
  };
  const rows = [['checked', ...backends], ...ops.map((op) => [op, ...backends.map((b) => cell(op, b))])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => `  ${row.map((text, i) => text.padEnd(widths[i])).join('  ')}`.trimEnd());
}

/** Each distinct mismatching call joins the gradient sets under --save's folder. */
function save(run: GradRun, mismatches: GradFuzzResult[], stdout: Output): void {
  const dir = run.save!;
  const saved = new Set<string>();
  for (const r of mismatches) {
    const m = r.mismatch!;
    const key = callKey(m.call.op, m.call.args, m.call.kwargs);
    if (saved.has(key)) continue;
    saved.add(key);
    const found = { command: run.repeat(r.op, r.backend), backend: r.backend, mismatch: m.result.failure ?? 'mismatch' };
    const id = saveGradCase(dir, m.case, defaultName(r.backend, run.plan.seed), run.oracle.versions, run.plan.seed, found);
    const dirs = gradSaveDirs(dir, run.oracle.versions.keras);
    stdout.write(`Saved the gradient case ${id} to ${relative(process.cwd(), dirs.dir) || '.'} (its forward case to ${relative(process.cwd(), dirs.forwardDir)})\n`);
  }
  stdout.write(`Replay them with: KERAS_PARITY_GOLDEN_DIR=${dir} npx mocha spec/grad-conformance.spec.ts\n`);
}
