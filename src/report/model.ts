/**
 * report.json: the data model shared by `keras-parity run` and the Markdown and HTML renderers, a
 * versioned record documented in docs/report-format.md and checked by docs/report.schema.json.
 *
 * Numbers that JSON cannot hold (a relative error against 0 is Infinity, a got/want value may be NaN or
 * an infinity) are written as the strings "Infinity", "-Infinity" and "NaN"; `parseReport` turns them
 * back into numbers, so a renderer always sees the types below.
 */

import type { BenchFile } from '../benchfile/model.js';
import type { CaseChange, ChangeKind as VersionChangeKind } from '../golden/versions.js';
import { SEED_KERAS } from '../keras-versions.js';
import type { MachineFacts } from '../machine.js';

/** The format this version writes. A new field that readers may ignore keeps it; any other change bumps it. */
export const REPORT_FORMAT = 'keras-parity-report/3';

/** The format before a run covered several Keras versions: every report of it is of Keras 3.6.0. */
export const REPORT_FORMAT_2 = 'keras-parity-report/2';

/**
 * The formats parseReport reads: this one; 2, one Keras version (3.6.0); and 1, the reports written before
 * the record was versioned (they lack `label`, `argv`, `golden`, `results` and `environment.kerasParity`;
 * readers treat those as absent). parseReport gives reports of 1 and 2 this format's shape (upgradeReport).
 */
export type ReportFormat = typeof REPORT_FORMAT | typeof REPORT_FORMAT_2 | 1;

export interface ParityReport {
  format: ReportFormat;
  /** ISO time of the run. */
  generatedAt: string;
  /** Which machine or CI job ran it (`run --label`, default the host name). Absent in format 1. */
  label?: string;
  /** The command line as run, quoted for a POSIX shell. */
  command: string;
  /** The arguments after `keras-parity`, as given; absent when the run did not come from the command line. */
  argv?: string[];
  /** The part of the cases this run covered (`run --shard i/n`); absent when it ran them all. */
  shard?: ReportShard;
  /** The Keras versions whose goldens the run replayed, oldest first. */
  kerasVersions: string[];
  /** The golden sets the run replayed, one per Keras version. Absent in format 1. */
  golden?: ReportGolden;
  environment: {
    /** keras-parity's own version (package.json). Absent in format 1. */
    kerasParity?: string;
    node: string;
    platform: string;
    cpu: string;
    /** @tensorflow/tfjs-core version. */
    tfjs: string;
    /** libtensorflow version when tfjs-tensorflow ran. */
    tensorflow?: string;
    /** When browser backends ran. */
    chromium?: string;
    /** GPU device when known. */
    cuda?: string;
    /**
     * What changes numbers on this machine: CPU model and ISA features, cores, GPU, driver, CUDA
     * libraries, the variables that set threads and kernels (src/machine.ts). Absent in reports before it.
     */
    machine?: MachineFacts;
    /**
     * Per Keras version run, the versions its golden set's manifest.json records (keras, jax, tensorflow,
     * numpy, ...): `{"3.6.0": {"keras": "3.6.0", "jax": "0.4.34", ...}, "3.15.1": {...}}`.
     */
    keras: Record<string, Record<string, string>>;
  };
  backends: ReportBackend[];
  /** Keras op names covered, in op-table order. */
  ops: string[];
  /** One per op x backend that ran. */
  cells: ReportCell[];
  /** Only failing, excluded or loosened-tolerance cases, with their call, tolerance and mismatches. */
  cases: ReportCase[];
  /** Every case on every backend that ran, in run order: status, measured error, tolerance, time. Absent in format 1. */
  results?: ReportResult[];
  kerasDisagreements: KerasDisagreement[];
  summary: ReportSummary;
  /** Benchmark results the report plots (`keras-parity run --bench`); absent when none were given or found. */
  bench?: ReportBench;
  /**
   * Present only in a merged report (`keras-parity merge`): the reports merged, in the order given. Its
   * backends are then columns named `label · backend`.
   */
  sources?: ReportSource[];
  /** What changed since a baseline report (`run --baseline`); absent without one. */
  baseline?: ReportBaseline;
  /** The expectations file the run applied (`run --expectations`); absent without one. */
  expectations?: ReportExpectations;
  /**
   * What changed from each Keras version of the run to the next, measured on the cases both golden sets
   * hold for the run's ops; absent in a run of one version.
   */
  versionChanges?: ReportVersionChanges[];
  /**
   * The gradient cases (jax.vjp of each op, golden/grad/keras-<version>/) replayed through `ops.vjp` on the
   * same backends, apart from the forward ones above, whose counts they leave as they are; `summary.ok`
   * is false when one fails. Absent with `run --no-grad`, when no version run has a gradient set, and in
   * reports before them.
   */
  gradient?: ReportGradient;
}

/**
 * Why a gradient cell ran no case of its op: `not-applicable`, the op has no gradient in Keras (its
 * outputs are integers: one_hot, multi_hot, ctc_decode); `no-rule`, the backend has no backward rule for
 * it yet (its gradient cases count as unsupported); `no-goldens`, the version's gradient set has no case
 * of it.
 */
export type GradientNote = 'not-applicable' | 'no-rule' | 'no-goldens';

export interface ReportGradientCell extends ReportCell {
  /** Why its cases did not run; absent when they did. */
  note?: GradientNote;
}

/** The gradient part of a run: the forward part's cells, cases and results, of the gradient cases. */
export interface ReportGradient {
  /** Each version's gradient set that the run replayed, oldest first: the sha256 of its manifest.json. */
  sets: ReportGoldenSet[];
  /** The run left the forward cases out (`run --grad-only`): `cells` and `results` are then empty. */
  only?: boolean;
  /** One per Keras version, op (every op of the forward cells) and backend that ran. */
  cells: ReportGradientCell[];
  /** Failed, excluded and loosened gradient cases, as `cases`; `call` is the forward call differentiated. */
  cases: ReportCase[];
  /** Every gradient case on every backend that ran; `id` is the forward case's. */
  results: ReportResult[];
  /** Totals over the gradient cells. */
  summary: ReportCounts;
}

/**
 * From one Keras version to the next, the same golden case (the same id, inputs and arguments) compared as
 * a backend's result is with Keras's (src/golden/versions.ts, which docs/keras-version-changes.md renders
 * too), in brief: per op, how many cases changed in each way and the first case of each.
 */
export interface ReportVersionChanges {
  older: string;
  newer: string;
  /** The run's ops in both sets with a case that changed at all, noise included, in the run's op order. */
  ops: ReportOpChanges[];
  /** The run's ops in both sets whose cases all give the same. */
  unchanged: string[];
  /** The run's ops with goldens in the newer set only. */
  added: string[];
}

export interface ReportOpChanges {
  op: string;
  /** Its cases in both sets. */
  compared: number;
  /** Cases per kind of change, the kinds without one left out. */
  counts: Partial<Record<VersionChangeKind, number>>;
  /** The first case of each kind, in CHANGE_KINDS order. */
  examples: CaseChange[];
}

/** A known-failures file (docs/expectations.md) and what it did not foresee. */
export interface ReportExpectations {
  /** As named on the command line. */
  file: string;
  /** Lower-case hex sha256 of its bytes. */
  sha256: string;
  /** Cases a `Failure` line names that passed, forward ones first, then gradient ones: the line may be stale. */
  unexpectedPasses: ReportUnexpectedPass[];
}

export interface ReportUnexpectedPass {
  keras: string;
  id: string;
  op: string;
  backend: string;
  expectation: ReportExpectation;
  /** The case's gradient passed (a `grad:` line, `gradient.results`), not its forward result. */
  gradient?: true;
}

/** The line of the expectations file that applied to a result. */
export interface ReportExpectation {
  line: number;
  reason: string;
}

/** Shard `index` of `count` (1-based): the cases src/report/shard.ts gives it, on every backend run. */
export interface ReportShard {
  index: number;
  count: number;
}

/** One report that went into a merged one: what tells its machine and run apart from the others. */
export interface ReportSource {
  /** The report.json merged, as named on the command line. */
  file: string;
  label: string;
  generatedAt: string;
  command: string;
  golden?: ReportGolden;
  /** The shard that run covered, when it was one. */
  shard?: ReportShard;
  environment: ParityReport['environment'];
  /** Its backends as that run named them (with ` (CUDA)` on tfjs-node-gpu); each became the column `label · name`. */
  backends: string[];
}

/**
 * How a case or a column changed from a baseline to this run. `failing`: failed or errored where the
 * baseline did not (or had no such case); `fixed`: the reverse, now passing; `excluded`, `unsupported`:
 * newly so; `backend-gone`: a column of the baseline that no longer ran; `error-growth`: still within
 * tolerance, but the ULP error grew beyond the threshold (src/report/compare.ts).
 */
export type ChangeKind = 'failing' | 'fixed' | 'excluded' | 'unsupported' | 'backend-gone' | 'error-growth';

export interface ReportChange {
  kind: ChangeKind;
  /** The Keras version of the case or column. */
  keras: string;
  /** The backend, or `label · backend` where the reports hold several machines. */
  column: string;
  /** The case; absent for `backend-gone`. */
  id?: string;
  op?: string;
  /** The statuses before and after; `base` absent for a case the baseline did not have. */
  base?: ResultStatus;
  head?: ResultStatus;
  baseUlp?: number;
  headUlp?: number;
  /** The head's reason (the failure) where it has one. */
  reason?: string;
  /** A change of the case's gradient (`report.gradient`), not of its forward result. */
  gradient?: true;
}

/** A comparison against a baseline report, as `keras-parity compare` makes it. */
export interface ReportComparison {
  /** The ULP growth allowed beyond which a case within tolerance counts as a regression. */
  maxUlpGrowth: number;
  /** Case x column pairs found in both reports. */
  compared: number;
  /** Regressions among `changes`: every kind but `fixed`. */
  regressions: number;
  changes: ReportChange[];
  /** A Keras version both reports ran replayed different golden sets (their manifests' sha256 differ). */
  goldenChanged: boolean;
}

/** The baseline a run was compared with (`run --baseline FILE`) and what changed since. */
export interface ReportBaseline extends ReportComparison {
  file: string;
  label?: string;
  generatedAt: string;
}

export interface ReportGolden {
  /**
   * The combination of sets: the sha256 of one line per set, oldest first, `<keras version> <its
   * manifestSha256>\n` (./golden-id.ts). In a report of format 2, the one set's manifestSha256.
   */
  manifestSha256: string;
  /** Each Keras version's golden set, oldest first. */
  sets: ReportGoldenSet[];
}

export interface ReportGoldenSet {
  keras: string;
  /** Lower-case hex sha256 of golden/keras-<version>/manifest.json's bytes: it lists every golden file's sha256. */
  manifestSha256: string;
}

/**
 * `error`: the runner itself broke on the case (a result that could not be read back, a page that
 * crashed), where `failed` is a result or error that differs from Keras's. Cells count both as failed.
 * `expected-failure`: failed or errored as a `Failure` line of the expectations file said it would; it
 * does not fail the run.
 */
export type ResultStatus = 'passed' | 'failed' | 'excluded' | 'unsupported' | 'error' | 'expected-failure';

/** One golden case on one backend. */
export interface ReportResult {
  /** The Keras version whose golden case it is: ids repeat across versions. */
  keras: string;
  id: string;
  op: string;
  backend: string;
  status: ResultStatus;
  /** Largest measures over the compared outputs; absent when none was taken (error cases, excluded ones). */
  maxAbs?: number;
  maxRel?: number;
  maxUlp?: number;
  /** The tolerance applied (the loosened output's when one was loosened); absent when nothing was compared. */
  tolerance?: ReportTolerance;
  /** Why, for every status but passed: the failure, the exclusion's reason, the unsupported feature. */
  reason?: string;
  /** Wall time of the case on the backend, in milliseconds (0 for excluded cases, which do not run). */
  ms: number;
  /** The expectations line that named the case on this backend; absent when none did. */
  expectation?: ReportExpectation;
}

export interface ReportTolerance {
  atol: number;
  rtol: number;
  /** `default`, or the reasons it was loosened (`golden: ...; table: ...`). */
  source: string;
}

export interface ReportBench {
  /** The bench.json read, as given on the command line, or relative to the working folder. */
  source: string;
  /** Its content, whole, so the report renders from report.json alone. */
  data: BenchFile;
}

export interface ReportBackend {
  name: string;
  available: boolean;
  device?: string;
  reason?: string;
  /** Settings of the backend that change its numbers (oneDNN on tfjs-tensorflow, ...); absent when none. */
  settings?: Record<string, string>;
  required: boolean;
}

/** The error measures of one case's compared outputs. */
export interface WorstError {
  maxAbs: number;
  maxRel: number;
  maxUlp: number;
  caseId: string;
}

export interface ReportCell {
  keras: string;
  op: string;
  backend: string;
  passed: number;
  failed: number;
  excluded: number;
  unsupported: number;
  /** Failures an expectations file foresaw, not counted in `failed`; absent when none. */
  expectedFailures?: number;
  /**
   * The cell's worst case: the one with the largest max absolute error over its float32 outputs (ties: the
   * larger ULP distance), with that case's largest measures; null when no float32 output was compared.
   */
  worst: WorstError | null;
}

export type CaseStatus = 'failed' | 'excluded' | 'loosened' | 'expected-failure';

export interface ReportMismatch {
  index: number[];
  got: number;
  want: number;
}

/** One compared output. NaN where a measure could not be taken (shapes differ; ULPs of non-float32). */
export interface ReportOutput {
  maxAbs: number;
  maxRel: number;
  maxUlp: number;
  mismatches: ReportMismatch[];
}

export interface ReportCase {
  keras: string;
  id: string;
  op: string;
  backend: string;
  status: CaseStatus;
  /** describeCall(...) text. */
  call: string;
  /** Exclusion or tolerance reason, or failure text. */
  reason?: string;
  tolerance?: ReportTolerance;
  outputs?: ReportOutput[];
}

export interface KerasDisagreement {
  keras: string;
  op: string;
  caseId: string;
  backend: 'tensorflow' | 'numpy';
  maxAbs?: number;
  maxRel?: number;
  note?: string;
}

export interface ReportCounts {
  passed: number;
  failed: number;
  excluded: number;
  unsupported: number;
  /** Failures an expectations file foresaw, not counted in `failed`; absent when none. */
  expectedFailures?: number;
}

export interface ReportSummary extends ReportCounts {
  /** No case failed (forward or gradient) and every required backend was available. */
  ok: boolean;
}

const NON_FINITE = new Set(['Infinity', '-Infinity', 'NaN']);

/** report.json's text: two-space indented, non-finite numbers as strings. */
export function stringifyReport(report: ParityReport): string {
  return `${JSON.stringify(report, (_key, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`;
}

/**
 * Reads report.json back, non-finite numbers restored. Only string values spelled exactly so are numbers.
 * Reads this format, and formats 2 and 1 in this format's shape (upgradeReport), whose missing fields the
 * renderers treat as absent.
 */
export function parseReport(text: string): ParityReport {
  const report = JSON.parse(text, (key, v) =>
    typeof v === 'string' && NON_FINITE.has(v) && NUMERIC_KEYS.has(key) ? Number(v) : v,
  ) as ParityReport;
  if (report?.format === REPORT_FORMAT) return report;
  if (report?.format !== REPORT_FORMAT_2 && report?.format !== 1) {
    throw new Error(`not a keras-parity report this version reads (format ${JSON.stringify(report?.format)}; reads ${REPORT_FORMAT}, ${REPORT_FORMAT_2} and 1)`);
  }
  return upgradeReport(report as unknown as OldReport);
}

type Untagged<T> = Omit<T, 'keras'> & { keras?: string };

/** A report of format 1 or 2 as written: nothing carries `keras`, and `environment.keras` is one set's versions. */
export type OldReport = Omit<
  ParityReport,
  'kerasVersions' | 'golden' | 'environment' | 'sources' | 'cells' | 'cases' | 'results' | 'kerasDisagreements' | 'baseline' | 'expectations'
> & {
  kerasVersions?: string[];
  cells: Untagged<ReportCell>[];
  cases: Untagged<ReportCase>[];
  results?: Untagged<ReportResult>[];
  kerasDisagreements: Untagged<KerasDisagreement>[];
  baseline?: Omit<ReportBaseline, 'changes'> & { changes: Untagged<ReportChange>[] };
  expectations?: Omit<ReportExpectations, 'unexpectedPasses'> & { unexpectedPasses: Untagged<ReportUnexpectedPass>[] };
  golden?: { manifestSha256: string; sets?: ReportGoldenSet[] };
  environment: Omit<ParityReport['environment'], 'keras'> & { keras: Record<string, unknown> };
  sources?: (Omit<ReportSource, 'golden' | 'environment'> & { golden?: OldReport['golden']; environment: OldReport['environment'] })[];
};

/**
 * A report of format 1 or 2 in this format's shape, `format` kept: all of it is of Keras 3.6.0, the one
 * version those formats knew. A report already of this shape comes back as it is; a part a report lacks
 * stays absent.
 */
export function upgradeReport(old: OldReport): ParityReport {
  if (old.kerasVersions) return old as unknown as ParityReport;
  const keras = SEED_KERAS;
  const tag = <T extends object>(items: readonly T[] | undefined) => items?.map((x) => ({ keras, ...x }));
  const upgraded = {
    ...old,
    kerasVersions: [keras],
    ...(old.golden ? { golden: upgradeGolden(old.golden) } : {}),
    ...(old.environment ? { environment: upgradeEnvironment(old.environment) } : {}),
    ...(old.cells ? { cells: tag(old.cells) } : {}),
    ...(old.cases ? { cases: tag(old.cases) } : {}),
    ...(old.kerasDisagreements ? { kerasDisagreements: tag(old.kerasDisagreements) } : {}),
    ...(old.results ? { results: tag(old.results) } : {}),
    ...(old.sources ? { sources: old.sources.map(upgradeSource) } : {}),
    ...(old.baseline ? { baseline: { ...old.baseline, changes: tag(old.baseline.changes)! } } : {}),
    ...(old.expectations ? { expectations: { ...old.expectations, unexpectedPasses: tag(old.expectations.unexpectedPasses)! } } : {}),
  };
  return upgraded as ParityReport;
}

function upgradeGolden(g: NonNullable<OldReport['golden']>): ReportGolden {
  return g.sets ? (g as ReportGolden) : { manifestSha256: g.manifestSha256, sets: [{ keras: SEED_KERAS, manifestSha256: g.manifestSha256 }] };
}

/** `environment.keras` of one set (strings) becomes the per-version map; one already per version stays. */
function upgradeEnvironment(e: OldReport['environment']): ParityReport['environment'] {
  const perVersion = Object.values(e.keras ?? {}).every((v) => typeof v === 'object' && v !== null);
  const keras = perVersion && Object.keys(e.keras ?? {}).length ? e.keras : { [SEED_KERAS]: (e.keras ?? {}) as Record<string, string> };
  return { ...e, keras: keras as ParityReport['environment']['keras'] };
}

function upgradeSource({ golden, environment, ...rest }: NonNullable<OldReport['sources']>[number]): ReportSource {
  return { ...rest, ...(golden ? { golden: upgradeGolden(golden) } : {}), environment: upgradeEnvironment(environment) };
}

/** The keys whose values are numbers in the model: a reason or note spelled "NaN" stays a string. */
const NUMERIC_KEYS = new Set(['maxAbs', 'maxRel', 'maxUlp', 'got', 'want', 'atol', 'rtol']);

/**
 * How large an error is, for ranking and colouring. Neither measure alone works: ULPs explode near 0
 * (Keras-JAX flushes subnormals, so 1e-38 against 0 is 7e6 ULPs, well within atol) and absolute errors
 * near float32's maximum (one ULP at 3e38 is 2e31). So: min(max abs / 1e-6, max ULP), float32's default
 * atol being the unit of the first.
 */
export function errorScore(w: { maxAbs: number; maxUlp: number }): number {
  return Math.min(w.maxAbs / 1e-6, w.maxUlp);
}
