/// <reference types="node" />
/**
 * `keras-parity run`, and `runParity`, the same as a function: runs the golden cases on the chosen
 * backends and ops, prints a summary, writes report.json, report.md and report.html, and JUnit XML on request.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { registeredBackends } from '../backend/registry.js';
import { dirname, join, resolve } from 'node:path';
import { chromiumMissing } from '../browser/node/chromium.js';
import { CHROMIUM_BACKENDS, openBrowserBackends, pageBackendOf } from '../browser/node/remote.js';
import { PAGE_BACKENDS, inChromium, type PageBackend } from '../browser/node/session.js';
import { GoldenError } from '../golden/errors.js';
import { directorySource, goldenSetDirs, gradSetDirs, type GoldenSetDir, type GradSetDir } from '../golden/node.js';
import { KERAS_VERSIONS, isKerasVersion, type KerasVersion } from '../keras-versions.js';
import { camelCase } from '../ops/op.js';
import { OP_TABLE, PUBLIC_NAMES, opIn, type OpName } from '../ops/table.js';
import { collectReport, UnknownBackendError } from '../report/collect.js';
import { CompareError, compareReports } from '../report/compare.js';
import { ExpectationError, parseExpectations, patternText, type Expectation, type ExpectationSet } from '../report/expectations.js';
import { renderJunit } from '../report/junit.js';
import type { ParityReport, ReportShard } from '../report/model.js';
import { PROGRESS_OPTION, UsageError, closest, kerasOption, type CommandSpec } from './args.js';
import { loadBench } from './bench.js';
import { MAX_ULP_GROWTH_HELP, comparisonText } from './compare.js';
import { readReportFile } from './merge.js';
import { DEFAULT_BENCH, defaultGoldenDir, shortPath } from './paths.js';
import { RunProgress, paint, progressMode, routeConsole, useColor, type Output } from './progress.js';
import { summaryTable } from './summary.js';
import { writeReport } from './write.js';

export const RUN: CommandSpec = {
  name: 'run',
  brief: 'runs the golden cases on backends; writes report.json, report.md, report.html',
  summary:
    'Runs the golden cases of real Keras (each version its own set: golden/keras-<version>/) on keras-parity\n' +
    'backends and reports, per Keras version, op and backend, what passes, what fails and by how much, each\n' +
    'version in a section of its own. Exits 1 when a case fails or a required backend is unavailable.',
  options: [
    kerasOption('every version with a golden set in the golden folder'),
    {
      name: 'backend',
      value: 'LIST',
      list: true,
      help: 'backends to run, comma-separated (default: every available one, with the Chromium ones when /usr/bin/chromium exists)',
    },
    {
      name: 'op',
      value: 'LIST',
      list: true,
      help: 'Keras ops to run, comma-separated: conv,softmax (default: all); each runs in the --keras versions that have it',
    },
    { name: 'require', value: 'LIST', list: true, help: 'backends that must be available: one that is not fails the run (strict mode)' },
    { name: 'out', value: 'DIR', help: 'folder for report.json, report.md and report.html (default: parity-report)' },
    { name: 'label', value: 'NAME', help: "the machine's name in the report and the JUnit suites, e.g. ci-amd (default: the host name)" },
    { name: 'junit', value: 'FILE', help: 'also write JUnit XML: a testsuite per backend and Keras version, a testcase per golden case' },
    {
      name: 'baseline',
      value: 'FILE',
      help: "compare with a baseline report.json (as `keras-parity compare`): failures it already had no longer fail the run",
    },
    { name: 'max-ulp-growth', value: 'N', help: `with --baseline: ${MAX_ULP_GROWTH_HELP}` },
    {
      name: 'expectations',
      value: 'FILE',
      help: 'known failures and skips, one a line with tags (docs/expectations.md), `grad:<case-or-op>` for a gradient case: expected failures do not fail the run',
    },
    { name: 'strict-expectations', help: 'with --expectations: a case a Failure line names that passes fails the run' },
    {
      name: 'golden',
      value: 'DIR',
      help: "golden folder: one set (with manifest.json) or a folder of keras-<version>/ sets (default: $KERAS_PARITY_GOLDEN_DIR, else the package's golden/)",
    },
    {
      name: 'bench',
      value: 'FILE',
      help: `bench.json to plot in the report (default: ${DEFAULT_BENCH} when it exists)`,
    },
    { name: 'no-bench', help: 'no Performance section, even when the default bench.json exists' },
    { name: 'no-grad', help: 'leave the gradient cases (golden/grad/keras-<version>/, jax.vjp) out: forward cases only' },
    { name: 'grad-only', help: 'run the gradient cases alone, not the forward ones' },
    {
      name: 'shard',
      value: 'I/N',
      help: 'run only part I of N of the cases (of every --keras version together), split by estimated cost; N jobs with the same --label cover the run once, and merge joins them',
    },
    PROGRESS_OPTION,
  ],
  details: [
    'Examples:',
    '  keras-parity run',
    '  keras-parity run --backend reference,tfjs-cpu --op conv,softmax --out /tmp/parity',
    '  keras-parity run --keras 3.15.1                   # one Keras version (default: every one with goldens)',
    '  keras-parity run --require tfjs-tensorflow        # CI: fail if TensorFlow cannot load',
    '  keras-parity run --label ci-amd --junit junit.xml # CI: name the machine, feed the test view',
    '  npm run bench && keras-parity run --bench bench/results/bench.json   # with benchmark plots',
    '  keras-parity run --label ci --shard 2/3 --out shard2  # CI: one of 3 parallel jobs; merge their report.json',
    '  keras-parity run --expectations parity-expectations.txt --strict-expectations  # CI: known failures pass',
    '  keras-parity run --grad-only --op softmax,max_pool   # the gradient cases alone',
    '',
    'Gradients: beside each forward case, run replays the gradient goldens (golden/grad/keras-<version>/,',
    'jax.vjp with recorded cotangents) of the selected ops through ops.vjp on every backend, Chromium ones',
    'included, and reports them apart, in a gradient table per version: an op the backend has no backward',
    'rule for yet is unsupported, an op without a gradient in Keras (one_hot, multi_hot, ctc_decode) not',
    'applicable. A failing gradient case fails the run as a forward one does. --no-grad leaves them out.',
    '',
    `Benchmark plots: \`npm run bench\` writes ${DEFAULT_BENCH} in the keras-parity checkout; run embeds`,
    'it (or the --bench file) in report.json and plots it in the Performance section of report.html.',
    '  keras-parity run --backend chromium:tfjs-webgl,chromium:tfjs-wasm --op conv',
    '',
    'Backends in headless Chromium (Debian\'s /usr/bin/chromium): chromium:tfjs-webgl, chromium:tfjs-webgpu and',
    'chromium:tfjs-wasm (tfjs-webgl and tfjs-webgpu also name them; tfjs-wasm alone is the Node one).',
    '',
    'Keras versions: each version\'s cases replay with that version\'s ops, and every output (the summary,',
    'report.md, report.html, JUnit) shows each version as a section of its own. A --keras version without a',
    'golden set, or an --op no --keras version has, is a usage error.',
    '',
    'Exit status: 0 all passed, 1 a case failed or a required backend is unavailable, 2 a usage error,',
    '3 the goldens cannot be read. With --baseline, 1 means a regression against the baseline (a case newly',
    'failing, excluded or unsupported, a backend gone, error growth), a required backend unavailable or a',
    'golden file unusable; cases that failed in the baseline too do not count. With --expectations, failures',
    'the file foresaw do not count; an unexpected pass is 1 only with --strict-expectations; a line of the file',
    'that names no case of the run (within --op, whatever the --shard) on a backend where its tags hold is 2.',
    '',
    "report.json's fields: docs/report-format.md (schema: docs/report.schema.json).",
  ].join('\n'),
};

export interface RunOptions {
  /** Backends to run (default: every registered one that starts, and the Chromium ones when Chromium is installed). */
  backends?: readonly string[];
  /** Keras op names, aliases or their camelCase forms (default: every op with goldens); each runs in the versions that have it. */
  ops?: readonly string[];
  /** Keras versions to run (default: every supported one with a golden set in the golden folder). */
  keras?: readonly string[];
  /** Backends whose unavailability fails the run. */
  required?: readonly string[];
  /** Output folder; null writes nothing (default: parity-report). */
  out?: string | null;
  goldenDir?: string;
  /**
   * bench.json to embed and plot; undefined: the project's bench/results/bench.json when it exists (a
   * broken one is skipped with a warning); null: none.
   */
  bench?: string | null;
  /** The command line recorded in the report. */
  command?: string;
  /** The arguments after `keras-parity`, recorded in the report; absent when not run from the command line. */
  argv?: readonly string[];
  /** The machine's label in the report (default: the host name). */
  label?: string;
  /** Run only this part of the cases (`--shard i/n`, see parseShard); absent: all of them. */
  shard?: ReportShard;
  /** Where to write JUnit XML too; absent: none. */
  junit?: string;
  /** A report.json to compare with: the report gains `baseline`, and only regressions against it fail the run. */
  baseline?: string;
  /** With `baseline`: ULPs a passing case's error may grow by before it is a regression (default: compare's). */
  maxUlpGrowth?: number;
  /** A known-failures file (docs/expectations.md): the failures it foresees do not fail the run. */
  expectations?: string;
  /** With `expectations`: a case a Failure line names that passes fails the run. */
  strictExpectations?: boolean;
  /** Replay the gradient sets of the golden folder too (default: true); false is `--no-grad`. */
  grad?: boolean;
  /** Replay only the gradient sets (`--grad-only`). */
  gradOnly?: boolean;
  progress?: 'auto' | 'bar' | 'lines' | 'none';
  /** Where the summary goes (default: process.stdout); null prints nothing. */
  stdout?: Output | null;
  /** Where progress and messages go (default: process.stderr). */
  stderr?: Output;
}

export interface RunResult {
  report: ParityReport;
  /** 0 when the report is ok, else 1. */
  exitCode: number;
  /** The report files written. */
  files: string[];
  goldenErrors: string[];
}

/** A run's outcome that is not a report: the goldens cannot be read (exit 3). */
export class GoldenUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoldenUnavailableError';
  }
}

/**
 * Runs the goldens and writes the report. Throws UsageError for an unknown op or backend, and
 * GoldenUnavailableError when the golden manifest is missing or unusable.
 */
export async function runParity(options: RunOptions = {}): Promise<RunResult> {
  const stderr = options.stderr ?? process.stderr;
  const stdout = options.stdout === undefined ? process.stdout : options.stdout;
  const goldenDir = resolve(options.goldenDir ?? defaultGoldenDir());
  const sets = selectSets(goldenDir, options.keras);
  const gradSets = selectGradSets(goldenDir, sets, options);
  const ops = options.ops ? resolveOps(options.ops, 'run', sets.map((s) => s.keras)) : undefined;
  const bench = loadBench(options.bench, (message) => stderr.write(`${paint(useColor(stderr), 'yellow', 'warning')}: ${message}\n`));
  const progress = new RunProgress(stderr, progressMode(options.progress, stderr), useColor(stderr));
  const plan = planBackends(options.backends, options.required);
  if (options.maxUlpGrowth !== undefined && options.baseline === undefined) throw new UsageError('run: --max-ulp-growth needs --baseline FILE', 'run');
  // Read before the run, so that a wrong path fails at once rather than after every case ran.
  const baseline = options.baseline === undefined ? undefined : readReportFile(options.baseline, 'run');
  const expectations = readExpectations(options.expectations, options.strictExpectations);
  let collected;
  try {
    collected = await routeConsole(progress.line, async () => {
      const browser = plan.page.length
        ? await openBrowserBackends(plan.page, { goldenSets: sets, gradSets, log: (text) => progress.line.log(text) })
        : undefined;
      try {
        return await collectReport({
          sets: sets.map((s) => ({ keras: s.keras, source: directorySource(s.dir) })),
          ...(plan.local ? { backends: plan.local } : {}),
          ...(plan.required ? { required: plan.required } : {}),
          ...(browser ? { remote: browser.backends } : {}),
          ...(ops ? { ops } : {}),
          ...(options.shard ? { shard: options.shard } : {}),
          command: options.command ?? 'runParity()',
          ...(options.argv ? { argv: options.argv } : {}),
          ...(options.label ? { label: options.label } : {}),
          ...(expectations ? { expectations } : {}),
          gradSets: gradSets.map((g) => ({ keras: g.keras, source: directorySource(g.dir), forwardSource: directorySource(g.forwardDir) })),
          ...(options.gradOnly ? { gradOnly: true } : {}),
          onProgress: progress.onEvent,
        });
      } finally {
        await browser?.close();
      }
    });
  } catch (e) {
    if (e instanceof UnknownBackendError) {
      const known = [...e.registered, ...CHROMIUM_BACKENDS];
      const hint = closest(e.backend, known);
      throw new UsageError(`unknown backend '${e.backend}'${hint ? ` (did you mean ${hint}?)` : ''}. Backends: ${known.join(', ')}`, 'run');
    }
    if (e instanceof GoldenError) {
      throw new GoldenUnavailableError(`${e.message}\nRegenerate the goldens with \`keras-parity golden\` or point --golden at a golden folder.`);
    }
    throw e;
  } finally {
    progress.finish();
  }
  const { report, goldenErrors } = collected;
  if (collected.unmatchedExpectations.length) throw unmatchedError(expectations!, collected.unmatchedExpectations);
  if (bench) report.bench = bench;
  // Under --strict-expectations a stale line fails the run, and every output says so.
  const stale = !!options.strictExpectations && !!report.expectations?.unexpectedPasses.length;
  if (stale) report.summary.ok = false;
  const color = useColor(stderr);
  for (const error of goldenErrors) stderr.write(`${paint(color, 'red', 'golden file unusable')}: ${error}\n`);
  if (stdout) stdout.write(summaryTable(report, useColor(stdout), goldenErrors));
  if (baseline) compareWithBaseline(report, baseline, { file: options.baseline!, maxUlpGrowth: options.maxUlpGrowth }, stdout);
  const files = options.out === null ? [] : await writeReport(report, resolve(options.out ?? 'parity-report'));
  if (options.junit) files.push(writeJunit(report, resolve(options.junit)));
  if (files.length && stdout) {
    stdout.write(`Wrote ${files.map(shortPath).join(', ')}${bench ? ` (with the benchmark plots of ${bench.source})` : ''}\n`);
  }
  return { report, exitCode: stale ? 1 : exitCode(report, goldenErrors), files, goldenErrors };
}

/** The expectations file, parsed before anything runs; a bad file or line is a usage error. */
function readExpectations(file: string | undefined, strict: boolean | undefined): ExpectationSet | undefined {
  if (file === undefined) {
    if (strict) throw new UsageError('run: --strict-expectations needs --expectations FILE', 'run');
    return undefined;
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(resolve(file));
  } catch (e) {
    throw new UsageError(`run: --expectations ${file}: ${(e as Error).message}`, 'run');
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  try {
    return parseExpectations(bytes.toString('utf8'), file, sha256, [...registeredBackends(), ...CHROMIUM_BACKENDS]);
  } catch (e) {
    if (e instanceof ExpectationError) throw new UsageError(`run: --expectations: ${e.message}`, 'run');
    throw e;
  }
}

/** Lines that name nothing this run covered: stale, or misspelled. */
function unmatchedError(set: ExpectationSet, lines: readonly Expectation[]): UsageError {
  const named = lines.map((e) => `${set.file}:${e.line}: '${patternText(e)}' names no case of this run where its tags hold`);
  return new UsageError(`run: --expectations:\n${named.join('\n')}`, 'run');
}

/** Adds `baseline` to the report and prints what changed. */
function compareWithBaseline(
  report: ParityReport,
  base: ParityReport,
  { file, maxUlpGrowth }: { file: string; maxUlpGrowth: number | undefined },
  stdout: Output | null,
): void {
  let comparison;
  try {
    comparison = compareReports(base, report, maxUlpGrowth === undefined ? {} : { maxUlpGrowth });
  } catch (e) {
    if (e instanceof CompareError) throw new UsageError(`run: --baseline ${file}: ${e.message}`, 'run');
    throw e;
  }
  report.baseline = { file, ...(base.label ? { label: base.label } : {}), generatedAt: base.generatedAt, ...comparison };
  if (stdout) stdout.write(`\n${comparisonText(comparison, { base: file, head: 'this run' }, useColor(stdout))}`);
}

/**
 * 1 when the report is not ok; against a baseline, only when something regressed or the run itself is
 * incomplete (a required backend missing, a golden file unusable), so that known failures do not fail CI.
 */
function exitCode(report: ParityReport, goldenErrors: readonly string[]): number {
  if (!report.baseline) return report.summary.ok ? 0 : 1;
  const incomplete = goldenErrors.length > 0 || report.backends.some((b) => b.required && !b.available);
  return report.baseline.regressions || incomplete ? 1 : 0;
}

function writeJunit(report: ParityReport, path: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, renderJunit(report));
  return path;
}

interface BackendPlan {
  /** Backends of this process's registry; undefined: all of them. */
  local?: string[];
  /** Backends to start in a Chromium page. */
  page: PageBackend[];
  /** As given, with page backends by their chromium: names. */
  required?: string[];
}

/**
 * Which backends run here and which in Chromium. Without a list, every registered one, and the page
 * ones when Chromium is installed (where it is not, naming one lists it as unavailable with the reason).
 */
function planBackends(backends: readonly string[] | undefined, required: readonly string[] | undefined): BackendPlan {
  const named = (names: readonly string[]) => names.map((n) => pageBackendOf(n)).filter((p): p is PageBackend => !!p);
  const page = new Set<PageBackend>([...(backends ? named(backends) : chromiumMissing() ? [] : PAGE_BACKENDS), ...named(required ?? [])]);
  return {
    ...(backends ? { local: backends.filter((n) => !pageBackendOf(n)) } : {}),
    page: [...page],
    ...(required ? { required: required.map((n) => (pageBackendOf(n) ? inChromium(pageBackendOf(n)!) : n)) } : {}),
  };
}

/**
 * The golden sets of `goldenDir` to run: those of the versions asked for (each must have one), or every
 * supported version's. None at all is GoldenUnavailableError (exit 3); a version asked for without a set
 * is a usage error naming the folder.
 */
function selectSets(goldenDir: string, keras: readonly string[] | undefined): GoldenSetDir[] {
  const found = goldenSetDirs(goldenDir);
  const supported = found.filter((s) => isKerasVersion(s.keras));
  if (!keras?.length) {
    if (supported.length) return supported;
    const versions = found.map((s) => s.keras).join(', ');
    const what = found.length
      ? `only sets of Keras versions keras-parity does not support (${versions}; it supports ${KERAS_VERSIONS.join(', ')})`
      : 'no golden set (a manifest.json, or keras-<version>/ folders)';
    throw new GoldenUnavailableError(`${goldenDir} holds ${what}.\nRegenerate the goldens with \`keras-parity golden\` or point --golden at a golden folder.`);
  }
  const missing = keras.filter((v) => !found.some((s) => s.keras === v));
  if (missing.length) {
    const has = found.length ? `it has ${found.map((s) => s.keras).join(', ')}` : 'it has none';
    throw new UsageError(`run: --keras ${missing.join(',')}: no golden set of Keras ${missing.join(', ')} in ${goldenDir} (${has})`, 'run');
  }
  return found.filter((s) => keras.includes(s.keras));
}

/**
 * The gradient sets of the forward sets run (golden/grad/keras-<version>/ beside golden/keras-<version>/):
 * none with --no-grad. --grad-only without any is a usage error; without it, a version without one
 * simply has no gradient table.
 */
function selectGradSets(goldenDir: string, sets: readonly GoldenSetDir[], options: RunOptions): GradSetDir[] {
  if (options.gradOnly && options.grad === false) throw new UsageError('run: --grad-only and --no-grad cannot both be given', 'run');
  if (options.grad === false) return [];
  const found = gradSetDirs(goldenDir).filter((g) => sets.some((s) => s.keras === g.keras && resolve(s.dir) === resolve(g.forwardDir)));
  if (options.gradOnly && !found.length) {
    throw new UsageError(`run: --grad-only: no gradient set of Keras ${sets.map((s) => s.keras).join(', ')} in ${join(goldenDir, 'grad')}`, 'run');
  }
  return found;
}

/**
 * Keras names, aliases (swish) and camelCase forms (averagePool) to the op table's Keras names. With
 * `versions`, a name none of them has is a usage error too.
 */
export function resolveOps(names: readonly string[], command = 'run', versions?: readonly string[]): string[] {
  const byName = new Map<string, string>();
  for (const [name, op] of PUBLIC_NAMES) {
    byName.set(name, op);
    byName.set(camelCase(name), op);
  }
  return names.map((name) => {
    const op = byName.get(name);
    if (op) return op;
    const hint = closest(name, [...byName.keys()]);
    throw new UsageError(
      `unknown op '${name}'${hint ? ` (did you mean ${hint}?)` : ''}. Ops: ${Object.keys(OP_TABLE).join(', ')}`,
      command,
    );
  }).map((op, i) => checkInVersions(names[i], op, command, versions));
}

/** The op, when one of the versions has it (or no version is given). */
function checkInVersions(name: string, op: string, command: string, versions: readonly string[] | undefined): string {
  const known = versions?.filter((v): v is KerasVersion => isKerasVersion(v));
  if (!known?.length || known.some((v) => opIn(op as OpName, v))) return op;
  const since = (OP_TABLE[op as OpName] as { since?: string }).since;
  const came = since ? ` (it came in Keras ${since})` : '';
  throw new UsageError(`${command}: op '${name}' is not in Keras ${known.join(', ')}${came}`, command);
}

/** `--shard i/n`: whole numbers with 1 <= i <= n, else a usage error that names what was received. */
export function parseShard(value: string, command = 'run'): ReportShard {
  const match = /^([0-9]+)\/([0-9]+)$/.exec(value.trim());
  const [index, count] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  if (!(index >= 1 && index <= count && Number.isSafeInteger(count))) {
    throw new UsageError(`${command}: --shard must be I/N, whole numbers with 1 <= I <= N (e.g. 2/3); got '${value}'`, command);
  }
  return { index, count };
}
