/// <reference types="node" />
/**
 * `keras-parity fuzz`: differential fuzzing against live Keras, one supported version or several. For
 * each version, op and backend, calls
 * drawn from the op's generators run on the backend and on Keras (the oracle, tools/oracle.py); a
 * mismatch is shrunk and printed as a runnable Keras program and a runnable keras-parity program, and
 * `--save` keeps it as a golden case.
 */
import { join, relative } from 'node:path';
import { listBackends, type BackendInfo } from '../backend/registry.js';
import { pageRunner } from '../browser/node/fuzz.js';
import { CHROMIUM_BACKENDS, pageBackendOf, startBrowserBackends } from '../browser/node/remote.js';
import { inChromium, type PageBackend } from '../browser/node/session.js';
import { plural } from '../format.js';
import { settingsLine } from '../machine-text.js';
import type { Generators, OpGenerators } from '../fuzz/call.js';
import { GENERATORS } from '../fuzz/generators/index.js';
import { KerasOracle, OracleUnavailableError } from '../fuzz/oracle.js';
import { CachedOracle, fuzzOp, type FuzzResult, type Mismatch } from '../fuzz/run.js';
import { localRunner, type CaseRunner } from '../fuzz/runner.js';
import { FOUND_FILE, checkName, defaultName, saveFound } from '../fuzz/save.js';
import { jsSnippet, pythonSnippet } from '../fuzz/snippet.js';
import { callKey } from '../fuzz/wire.js';
import { NEWEST_KERAS, type KerasVersion } from '../keras-versions.js';
import { OP_TABLE, opIn, opsAt, type OpName } from '../ops/table.js';
import { packageRoot } from '../paths.js';
import { PROGRESS_OPTION, UsageError, closest, kerasOption, type CommandSpec } from './args.js';
import { fuzzGrad } from './fuzz-grad.js';
import { goldenCommand } from './golden.js';
import { StatusLine, paint, progressMode, routeConsole, useColor, type Output } from './progress.js';
import { resolveOps } from './run.js';

export const FUZZ: CommandSpec = {
  name: 'fuzz',
  brief: 'differential fuzzing against live Keras (needs Python: npm run golden:setup)',
  summary:
    'Runs random calls of each op, valid ones and ones Keras rejects, on keras-parity backends and on real\n' +
    'Keras (JAX) of each --keras version, with that version\'s ops, compared as the golden cases are. A\n' +
    'mismatch is shrunk to a small call and printed as a Keras program and a keras-parity program that reproduce it.',
  options: [
    kerasOption(`${NEWEST_KERAS}, the newest`),
    { name: 'op', value: 'LIST', list: true, help: 'ops to fuzz, Keras or camelCase names: conv,softmax (default: every op with generators)' },
    {
      name: 'backend',
      value: 'LIST',
      list: true,
      help: "backends, comma-separated (default: every available one of Node; Chromium's page backends only when named); a named one that cannot start fails the run",
    },
    { name: 'cases', value: 'N', help: 'calls per op and backend (default 100)' },
    { name: 'seed', value: 'S', help: 'fast-check seed (default: random; always printed, so a run can be repeated)' },
    { name: 'python', value: 'PATH', help: 'with one --keras: a Python with that Keras (default: .venv/keras-<version>/bin/python, made by `npm run golden:setup`)' },
    { name: 'timeout', value: 'SECONDS', help: 'seconds Keras may take on one call before the oracle is restarted (default 60)' },
    {
      name: 'grad',
      help: "fuzz the gradients instead: ops.vjp's pullback on each backend against jax.vjp (seeded cotangents), every op with a gradient, each float32 tensor argument",
    },
    {
      name: 'save',
      value: 'NAME',
      optional: true,
      help: `keep each mismatch as the golden case <op>/found-NAME (${FOUND_FILE}) and regenerate its op's goldens; with --grad: --save DIR, as a gradient golden case under DIR`,
    },
    PROGRESS_OPTION,
  ],
  details: [
    'Examples:',
    '  keras-parity fuzz --cases 50 --seed 1',
    '  keras-parity fuzz --keras 3.6.0,3.15.1 --cases 30 --seed 1',
    '  keras-parity fuzz --op conv --backend tfjs-wasm --cases 200 --seed 7',
    '  keras-parity fuzz --op softmax --seed 7 --save softmax-empty',
    '  keras-parity fuzz --op relu,softmax --backend chromium:tfjs-webgl,chromium:tfjs-wasm --cases 30 --seed 1',
    '  keras-parity fuzz --grad --keras 3.6.0,3.15.1 --cases 10 --seed 4711 --save found-grads',
    '',
    "--grad checks each generated call that Keras runs and that passes a float32 tensor: jax.vjp of the op",
    "(tools/golden/grad.py's code, one standard normal cotangent per output drawn from the seed and the call's",
    "index) against ops.vjp and its pullback, at the op's gradient tolerance. A backend without a backward rule",
    'for an op shows it as unsupported; ops without a gradient (one_hot, multi_hot) are not fuzzed.',
    '',
    "Backends in headless Chromium (Debian's /usr/bin/chromium): chromium:tfjs-webgl, chromium:tfjs-webgpu and",
    'chromium:tfjs-wasm run only when named: each call crosses into the page and back, and WebGL and WebGPU run',
    'on SwiftShader (the CPU) without a GPU, so a call there costs many times one on a Node backend.',
    '',
    'Exit status: 0 no mismatch, 1 a mismatch (or a named backend cannot start), 2 a usage error,',
    '3 Python or Keras is missing.',
  ].join('\n'),
};

export interface FuzzCommandOptions {
  /** The Keras versions to fuzz against, one oracle each (default: the newest). */
  keras?: readonly KerasVersion[];
  ops?: readonly string[];
  backends?: readonly string[];
  cases?: string;
  seed?: string;
  python?: string;
  timeout?: string;
  /** A case name, or true for the default `<backend>-seed<seed>`; with `grad`, the folder of the gradient sets. */
  save?: string | true;
  /** Fuzz the gradients (src/fuzz/grad.ts) instead of the outputs. */
  grad?: boolean;
  progress?: string;
  /** The generators to draw from (default: GENERATORS); specs plant their own. */
  generators?: Partial<Generators>;
  /** The repository whose tools/ and golden/ --save writes (default: this package's); specs use a copy. */
  root?: string;
}

interface Plan {
  keras: KerasVersion;
  ops: string[];
  /** The ops were named with --op. */
  explicitOps: boolean;
  backends: string[];
  cases: number;
  seed: number;
  grad: boolean;
}

const BIN = 'keras-parity fuzz';

export async function fuzzCommand(options: FuzzCommandOptions, stdout: Output = process.stdout, stderr: Output = process.stderr): Promise<number> {
  const generators = options.generators ?? GENERATORS;
  const versions = options.keras?.length ? options.keras : [NEWEST_KERAS];
  if (versions.length > 1 && options.python) throw new UsageError(`fuzz: --python is one Keras version's Python: give one --keras (${versions.join(', ')} given)`, 'fuzz');
  const plans = planRuns(versions, options, generators);
  if (options.grad && options.save === true) throw new UsageError('fuzz: --grad --save takes the folder to write gradient cases to: --save DIR', 'fuzz');
  if (typeof options.save === 'string' && !options.grad) {
    const bad = checkName(options.save);
    if (bad) throw new UsageError(`fuzz: --save: ${bad}`, 'fuzz');
  }
  const color = useColor(stderr);
  const line = new StatusLine(stderr, progressMode(options.progress, stderr));
  return routeConsole(line, async () => {
    const selected = await selectBackends(options.backends, line);
    if ('failed' in selected) {
      stderr.write(`${paint(color, 'red', BIN)}: ${selected.failed}\n`);
      return 1;
    }
    const runners = await openRunners(selected.names, line);
    try {
      if ('failed' in runners) {
        stderr.write(`${paint(color, 'red', BIN)}: ${runners.failed}\n`);
        return 1;
      }
      let worst = 0;
      for (const plan of plans) {
        plan.backends = runners.runners.map((r) => r.backend);
        worst = Math.max(worst, await fuzzWithOracle(plan, runners.runners, generators, options, { line, settings: selected.settings }, stdout, stderr));
      }
      return worst;
    } finally {
      await runners.close();
    }
  });
}

async function fuzzWithOracle(
  plan: Plan,
  runners: readonly CaseRunner[],
  generators: Partial<Generators>,
  options: FuzzCommandOptions,
  { line, settings }: { line: StatusLine; settings: readonly string[] },
  stdout: Output,
  stderr: Output,
): Promise<number> {
  let oracle: KerasOracle;
  try {
    oracle = await KerasOracle.start({ keras: plan.keras, python: options.python, timeoutMs: seconds(options.timeout) * 1000 });
  } catch (e) {
    if (!(e instanceof OracleUnavailableError)) throw e;
    stderr.write(`${paint(useColor(stderr), 'red', BIN)}: ${e.message}\n`);
    return 3;
  }
  try {
    if (plan.grad) {
      const save = typeof options.save === 'string' ? options.save : undefined;
      const repeat = (op: string, backend: string) => repeatCommand(plan, op, backend);
      return await fuzzGrad({ plan, runners, generators, oracle, settings, repeat, save, line, color: useColor(stdout) }, stdout);
    }
    const results = await runAll(plan, runners, generators, oracle, line, stdout);
    stdout.write(summary(plan, results, oracle, useColor(stdout)));
    const mismatches = results.filter((r) => r.mismatch);
    if (mismatches.length && options.save) {
      await oracle.close();
      const code = await save(mismatches, plan, options, stdout, stderr);
      if (code !== 0) return code;
    }
    return mismatches.length ? 1 : 0;
  } finally {
    line.done();
    await oracle.close();
  }
}

/** A plan per Keras version: its ops (those of --op it has), cases and seed; usage errors for anything unknown. */
function planRuns(versions: readonly KerasVersion[], options: FuzzCommandOptions, generators: Partial<Generators>): Plan[] {
  const covered = Object.keys(OP_TABLE).filter((op) => op in generators);
  let ops = covered;
  if (options.ops) {
    ops = [...new Set(resolveOps(options.ops, 'fuzz'))];
    const without = ops.filter((op) => !(op in generators));
    if (without.length) throw new UsageError(`fuzz: no generators for ${without.join(', ')} yet. Ops with generators: ${covered.join(', ')}`, 'fuzz');
    const nowhere = ops.filter((op) => !versions.some((v) => opIn(op as OpName, v)));
    if (nowhere.length) throw new UsageError(`fuzz: ${nowhere.join(', ')} is not an op of Keras ${versions.join(' or ')}`, 'fuzz');
  }
  const cases = positiveInt(options.cases ?? '100', '--cases');
  const seed = options.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : int(options.seed, '--seed');
  const grad = options.grad === true;
  return versions.map((keras) => ({ keras, ops: ops.filter((op) => opIn(op as OpName, keras)), explicitOps: options.ops !== undefined, backends: [], cases, seed, grad }));
}

function positiveInt(text: string, option: string): number {
  const n = int(text, option);
  if (n < 1) throw new UsageError(`fuzz: ${option} must be at least 1, not ${text}`, 'fuzz');
  return n;
}

function int(text: string, option: string): number {
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new UsageError(`fuzz: ${option} must be an integer, not '${text}'`, 'fuzz');
  return Number(text);
}

function seconds(text: string | undefined): number {
  if (text === undefined) return 60;
  const s = Number(text);
  if (!(s > 0)) throw new UsageError(`fuzz: --timeout must be a positive number of seconds, not '${text}'`, 'fuzz');
  return s;
}

/**
 * The named backends (Node's by their names, page ones as chromium:<name>), each of which must exist; or
 * every available one of Node, the others listed as skipped. The page backends are never in the default:
 * a call there costs many times one in Node (see FUZZ.details).
 */
async function selectBackends(named: readonly string[] | undefined, line: StatusLine): Promise<{ names: string[]; settings: string[] } | { failed: string }> {
  const infos = await listBackends();
  if (!named) {
    for (const b of infos.filter((i) => !i.available)) line.log(`${b.name}: unavailable, skipped: ${b.reason ?? 'no reason given'}`);
    const available = infos.filter((b) => b.available);
    return { names: available.map((b) => b.name), settings: logSettings(available, line) };
  }
  const byName = new Map<string, BackendInfo>(infos.map((b) => [b.name, b]));
  const placed = named.map((n) => (pageBackendOf(n) ? inChromium(pageBackendOf(n)!) : n));
  for (const name of placed) {
    if (byName.has(name) || pageBackendOf(name)) continue;
    const known = [...byName.keys(), ...CHROMIUM_BACKENDS];
    const hint = closest(name, known);
    throw new UsageError(`unknown backend '${name}'${hint ? ` (did you mean ${hint}?)` : ''}. Backends: ${known.join(', ')}`, 'fuzz');
  }
  const down = placed.filter((n) => byName.has(n)).map((n) => byName.get(n)!).filter((b) => !b.available);
  if (down.length) return { failed: down.map(unavailable).join('\n') };
  const settings = logSettings(placed.filter((n) => byName.has(n)).map((n) => byName.get(n)!), line);
  return { names: [...new Set(placed)], settings };
}

/** What changes a backend's numbers on this host (oneDNN on tfjs-tensorflow), so a run says which it was; the lines logged. */
function logSettings(backends: readonly BackendInfo[], line: StatusLine): string[] {
  const lines = backends.filter((b) => b.settings).map((b) => `${b.name}: ${settingsLine(b.settings)}`);
  for (const text of lines) line.log(text);
  return lines;
}

const unavailable = (b: BackendInfo) => `backend ${b.name} is unavailable: ${b.reason ?? 'no reason given'}`;

type Runners = ({ runners: CaseRunner[] } | { failed: string }) & { close(): Promise<void> };

/** A runner per backend, in order: Node's run here, page ones in headless Chromium, started now (each must start). */
async function openRunners(names: readonly string[], line: StatusLine): Promise<Runners> {
  const pages = names.map(pageBackendOf).filter((p): p is PageBackend => !!p);
  if (!pages.length) return { runners: names.map((n) => localRunner(n)), close: async () => {} };
  line.log(`Starting ${pages.map(inChromium).join(', ')} in headless Chromium`);
  const started = await startBrowserBackends(pages, { log: (text) => line.log(text) });
  const down = started.backends.filter((b) => !b.info.available);
  if (down.length) return { failed: down.map((b) => unavailable(b.info)).join('\n'), close: started.close };
  const inPage = new Map(started.backends.map((b) => [b.name, pageRunner(b)]));
  return { runners: names.map((n) => inPage.get(n) ?? localRunner(n)), close: started.close };
}

async function runAll(
  plan: Plan,
  runners: readonly CaseRunner[],
  generators: Partial<Generators>,
  oracle: KerasOracle,
  line: StatusLine,
  stdout: Output,
): Promise<FuzzResult[]> {
  const cached = new CachedOracle(oracle);
  const keras = `Keras ${oracle.versions.keras} (JAX ${oracle.versions.jax})`;
  const without = opsAt(plan.keras).filter((op) => !(op in generators));
  if (without.length && !plan.explicitOps) line.log(`No generators yet for ${without.join(', ')}: not fuzzed`);
  line.log(`Fuzzing ${plural(plan.ops.length, 'op')} on ${plan.backends.join(', ')} against ${keras}: ${plan.cases} calls per op and backend, seed ${plan.seed}`);
  const total = plan.ops.length * plan.backends.length * plan.cases;
  let done = 0;
  const results: FuzzResult[] = [];
  for (const op of plan.ops) {
    for (const runner of runners) {
      const before = done;
      const onCall = (runs: number) => {
        done = before + runs;
        line.update(line.bar(done, total, `${op} on ${runner.backend}  ${line.elapsed()}`));
      };
      const r = await fuzzOp(op, runner, generators[op as keyof Generators] as OpGenerators, cached, { seed: plan.seed, numRuns: plan.cases, onCall, keras: plan.keras });
      done = before + plan.cases;
      results.push(r);
      line.log(cellLine(r));
      if (r.mismatch) {
        line.done();
        stdout.write(mismatchReport(r, r.mismatch, runner, plan, keras));
      }
    }
  }
  return results;
}

function cellLine(r: FuzzResult): string {
  const parts = [`${r.passed} passed (${r.valid} valid, ${r.invalid} invalid)`];
  if (r.mismatch) parts.push(`MISMATCH after ${r.runs} calls`);
  if (r.unsupported) parts.push(`${r.unsupported} unsupported`);
  for (const [why, n] of Object.entries(r.excluded)) parts.push(`${n} excluded (${why})`);
  if (r.noKerasResult.length) parts.push(`${r.noKerasResult.length} without a Keras result`);
  const quality = [
    ...(r.validRejected ? [`${plural(r.validRejected, 'valid call')} Keras rejected`] : []),
    ...(r.invalidAccepted ? [`${plural(r.invalidAccepted, 'invalid call')} Keras accepted`] : []),
  ];
  return `  ${r.backend} ${r.op}: ${parts.join(', ')}${quality.length ? `; generators: ${quality.join(', ')}` : ''} (${r.seconds.toFixed(2)} s)`;
}

function repeatCommand(plan: Plan, op: string, backend: string): string {
  return `keras-parity fuzz${plan.grad ? ' --grad' : ''} --keras ${plan.keras} --op ${op} --backend ${backend} --cases ${plan.cases} --seed ${plan.seed}`;
}

function mismatchReport(r: FuzzResult, m: Mismatch, runner: CaseRunner, plan: Plan, keras: string): string {
  const comment = `Found by: ${repeatCommand(plan, r.op, r.backend)}`;
  return [
    '',
    `MISMATCH ${r.op} on ${r.backend} (a ${m.kind} call, shrunk in ${plural(m.shrinks + m.reductions, 'step')}):`,
    m.report,
    '',
    `--- ${keras}: save as repro.py, run with a Python that has Keras ---`,
    pythonSnippet(m.call, { comment }).trimEnd(),
    `--- keras-parity on ${r.backend}: save as repro.mjs, ${runner.program.howToRun} ---`,
    jsSnippet(m.call, runner.program, { comment, keras: plan.keras }).trimEnd(),
    '---',
    '',
  ].join('\n');
}

function summary(plan: Plan, results: FuzzResult[], oracle: KerasOracle, color: boolean): string {
  const calls = results.reduce((n, r) => n + r.runs, 0);
  const mismatches = results.filter((r) => r.mismatch);
  const noResult = results.flatMap((r) => r.noKerasResult.map((x) => ({ ...x, r })));
  // Every backend of an op draws the same calls: the generators' numbers count once per op.
  const perOp = (f: (r: FuzzResult) => number) => [...new Set(results.map((r) => r.op))].reduce((n, op) => n + Math.max(...results.filter((r) => r.op === op).map(f)), 0);
  const rejected = perOp((r) => r.validRejected);
  const accepted = perOp((r) => r.invalidAccepted);
  const unsupported = results.reduce((n, r) => n + r.unsupported, 0);
  const excluded = results.reduce((n, r) => n + Object.values(r.excluded).reduce((a, b) => a + b, 0), 0);
  const lines = [
    '',
    `${plural(results.length, 'op x backend run')}, ${plural(calls, 'call')}, seed ${plan.seed}: ` +
      (mismatches.length
        ? paint(color, 'red', `${mismatches.length} ${mismatches.length === 1 ? 'mismatch' : 'mismatches'} (${mismatches.map((r) => `${r.op} on ${r.backend}`).join(', ')})`)
        : paint(color, 'green', 'no mismatch')) +
      (unsupported ? `, ${unsupported} unsupported` : '') +
      (excluded ? `, ${excluded} excluded (src/golden/exclusions.ts)` : ''),
    `Generators (per op): ${plural(rejected, 'valid call')} Keras rejected, ${plural(accepted, 'invalid call')} Keras accepted` +
      (rejected + accepted ? ` (${generatorBlame(results)})` : ''),
  ];
  if (noResult.length || oracle.restarts) {
    lines.push(`${plural(noResult.length, 'call')} without a Keras result (not compared); the oracle restarted ${plural(oracle.restarts, 'time')}:`);
    for (const { call, why, r } of noResult.slice(0, 10)) lines.push(`  ${r.backend} ${call.op}: ${why}`);
  }
  for (const r of mismatches) lines.push(`Repeat with: ${repeatCommand(plan, r.op, r.backend)}`);
  return `${lines.join('\n')}\n`;
}

function generatorBlame(results: FuzzResult[]): string {
  const byOp = new Map<string, number>();
  for (const r of results) byOp.set(r.op, Math.max(byOp.get(r.op) ?? 0, r.validRejected + r.invalidAccepted));
  return [...byOp].filter(([, n]) => n).map(([op, n]) => `${op} ${n}`).join(', ');
}

/** Each distinct mismatching call joins the catalogue, then its ops' goldens are regenerated. */
async function save(mismatches: FuzzResult[], plan: Plan, options: FuzzCommandOptions, stdout: Output, stderr: Output): Promise<number> {
  const root = options.root ?? packageRoot();
  const file = join(root, FOUND_FILE);
  const saved = new Set<string>();
  const ops = new Set<string>();
  for (const r of mismatches) {
    const m = r.mismatch!;
    const key = callKey(m.call.op, m.call.args, m.call.kwargs);
    if (saved.has(key)) continue;
    saved.add(key);
    const name = options.save === true ? defaultName(r.backend, plan.seed) : options.save!;
    const found = { command: repeatCommand(plan, r.op, r.backend), backend: r.backend, mismatch: m.result.failure ?? 'mismatch' };
    const id = saveFound(file, m.call, name, found);
    ops.add(r.op);
    stdout.write(`Saved ${id} to ${relative(process.cwd(), file)}\n`);
  }
  const code = await goldenCommand({ keras: [plan.keras], python: options.python, ops: [...ops], root, progress: options.progress }, stdout, stderr);
  if (code !== 0) return code;
  stdout.write(
    `Regenerated the goldens of ${[...ops].join(', ')}. The saved cases fail on the backends above until fixed, ` +
      'or excluded in src/golden/exclusions.ts with their cause. Before committing, `npm run golden` (every op) ' +
      'also refreshes docs/keras-backend-disagreements-<version>.md, which `npm run golden:check` compares.\n',
  );
  return 0;
}
