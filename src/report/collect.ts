/// <reference types="node" />
/**
 * Runs golden cases on backends and builds the ParityReport (./model.ts): the same replay, comparison,
 * tolerance table and exclusion list as the conformance spec, counted per op x backend.
 */
import { cpus, hostname, release } from 'node:os';
import { createRequire } from 'node:module';
import {
  currentAdapter,
  getBackend,
  listBackends,
  registeredBackends,
  setBackend,
  startedInfo,
  type BackendInfo,
} from '../backend/registry.js';
import { BackendUnavailableError } from '../errors.js';
import type { GoldenCase, GoldenOp } from '../golden/cases.js';
import { GoldenError } from '../golden/errors.js';
import { EXCLUSIONS, GRADIENT_EXCLUSIONS } from '../golden/exclusions.js';
import { loadGradSet, type GradCase, type GradSet } from '../golden/grad.js';
import { safeRunGradCase } from '../golden/grad-run.js';
import { MANIFEST, loadOp, opsOf, readManifest, type GoldenSet, type GoldenSource, type Manifest } from '../golden/loader.js';
import { diffGoldenSets } from '../golden/versions.js';
import { isKerasVersion } from '../keras-versions.js';
import type { ExclusionEntry, ToleranceEntry } from '../golden/policy.js';
import { exclusionFor } from '../golden/policy.js';
import { describeCall } from '../golden/report.js';
import { classify, safeRunCase, type CaseResult, type OutputResult } from '../golden/run.js';
import { GRADIENT_TOLERANCES, TOLERANCES } from '../golden/tolerances.js';
import { packageVersion as ownVersion } from '../paths.js';
import { machineFacts, type MachineFacts } from '../machine.js';
import { OP_TABLE, opIn, type AnyOpDef, type OpName } from '../ops/table.js';
import type {
  KerasDisagreement,
  ParityReport,
  GradientNote,
  ReportBackend,
  ReportCase,
  ReportCell,
  ReportGradient,
  ReportGradientCell,
  ReportGoldenSet,
  ReportOutput,
  ReportResult,
  ReportShard,
  ReportTolerance,
  ReportUnexpectedPass,
  ReportVersionChanges,
  WorstError,
} from './model.js';
import { REPORT_FORMAT, errorScore } from './model.js';
import { expectationFor, unmatchedLines, type Expectation, type ExpectationSet } from './expectations.js';
import { goldenOfSets } from './golden-id.js';
import { shardVersions } from './shard.js';
import { briefDiff } from './version-changes.js';
import { countCells } from './versions.js';

/** One Keras version's golden set and where it is read from. */
export interface GoldenSetSource {
  keras: string;
  source: GoldenSource;
}

/** One Keras version's gradient set, and the forward set it was made from. */
export interface GradSetSource {
  keras: string;
  source: GoldenSource;
  forwardSource: GoldenSource;
}

export interface CollectOptions {
  /** The golden sets to replay, one per Keras version, oldest first; each case with its version's ops. */
  sets: readonly GoldenSetSource[];
  /** Registered backends to run, in order; omitted: every registered backend (the unavailable ones listed, not run). */
  backends?: readonly string[];
  /** Backends that must start: one that cannot is a failure of the run (strict mode). Run even if not in `backends`. */
  required?: readonly string[];
  /**
   * Backends outside this process (tfjs-webgl in a Chromium page), run after the registered ones; each
   * is required when `required` names it.
   */
  remote?: readonly RemoteBackend[];
  /**
   * Keras op names to run (canonical, not aliases), each in the versions that have it; omitted: every op
   * with goldens.
   */
  ops?: readonly string[];
  /** Run only this shard's cases of the selected ops (./shard.ts); omitted: all of them. */
  shard?: ReportShard;
  /** The command line, for the report. */
  command: string;
  /** The arguments after `keras-parity`, when the run came from the command line. */
  argv?: readonly string[];
  /** The machine's label in the record (default: the host name). */
  label?: string;
  tolerances?: readonly ToleranceEntry[];
  exclusions?: readonly ExclusionEntry[];
  /**
   * The gradient sets to replay beside the forward ones (each case through its version's ops.vjp), on the
   * versions and ops the forward run selected; omitted or empty: no gradients, and no `gradient` in the report.
   */
  gradSets?: readonly GradSetSource[];
  /** Leave the forward cases out, running only the gradient ones (`run --grad-only`). */
  gradOnly?: boolean;
  gradTolerances?: readonly ToleranceEntry[];
  gradExclusions?: readonly ExclusionEntry[];
  /** Known failures and skips of this machine (`run --expectations`, ./expectations.ts). */
  expectations?: ExpectationSet;
  onProgress?: (event: ProgressEvent) => void;
}

/** A backend that runs golden cases elsewhere and says how each went (src/browser/node/remote.ts). */
export interface RemoteBackend {
  /** Named as the report and the tolerance and exclusion entries name it (chromium:tfjs-webgl). */
  info: BackendInfo;
  runCase(c: GoldenCase): Promise<CaseResult>;
  /** Replays a gradient case there; absent: the backend runs no gradients (every op shows without a rule). */
  runGradCase?(c: GradCase): Promise<CaseResult>;
  /** The ops it has a backward rule for. */
  backwardRules?: readonly string[];
}

export type CaseOutcome = 'passed' | 'failed' | 'excluded' | 'unsupported' | 'expected-failure';

export type ProgressEvent =
  /** `cases` per backend, over every version (`versions`: each one's); `total` runs over every available backend. */
  | {
      type: 'start';
      cases: number;
      total: number;
      backends: ReportBackend[];
      versions: { keras: string; cases: number }[];
      /** Gradient cases per backend, over every version; absent when the run has none. */
      gradCases?: number;
    }
  | { type: 'backend'; backend: ReportBackend }
  | { type: 'case'; keras: string; backend: string; op: string; caseId: string; outcome: CaseOutcome; failure?: string; gradient?: true }
  | { type: 'cell'; cell: ReportCell; seconds: number; gradient?: true };

export interface Collected {
  report: ParityReport;
  /** Golden files of the selected ops that could not be used (each names its file); they fail the run. */
  goldenErrors: string[];
  /** Lines of the expectations file that name no case of the run where their tags hold (a usage error). */
  unmatchedExpectations: Expectation[];
}

/** A backend name that is not registered: a usage error, raised before anything runs. */
export class UnknownBackendError extends Error {
  constructor(
    readonly backend: string,
    /** The registered names. */
    readonly registered: string[],
  ) {
    super(`unknown backend '${backend}'. Registered backends: ${registered.join(', ')}`);
    this.name = 'UnknownBackendError';
  }
}

/**
 * Loads the goldens of the selected ops from each version's set, starts the backends, runs every case of
 * every version on each backend and builds the report. Throws GoldenError when a set's manifest is missing
 * or unusable, UnknownBackendError for an unregistered backend name. Leaves the active backend as it found it.
 */
export async function collectReport(options: CollectOptions): Promise<Collected> {
  const tolerances = options.tolerances ?? TOLERANCES;
  const exclusions = options.exclusions ?? EXCLUSIONS;
  const required = new Set(options.required ?? []);
  const emit = options.onProgress ?? (() => {});

  const loaded = options.sets.map((set) => loadSet(set, options.ops));
  const selected = loaded.map(({ keras, ops }) => ({ keras, ops }));
  const versions = options.shard ? shardVersions(selected, options.shard) : selected;
  const goldenErrors = loaded.flatMap((l) => l.goldenErrors);
  // Loaded for the whole selection, as the expectations file is checked against it; run for the shard's part.
  const allGrads = loadGradSets(options.gradSets ?? [], selected, goldenErrors);
  const grads = options.shard ? shardGrads(allGrads, versions) : allGrads;
  const forward = !options.gradOnly;
  const previous = getBackend();
  try {
    const remote = new Map((options.remote ?? []).map((r) => [r.info.name, r]));
    const backends = [
      ...(await startBackends(options.backends, new Set([...required].filter((name) => !remote.has(name))))),
      ...[...remote.values()].map((r) => ({ ...r.info, required: required.has(r.info.name) })),
    ];
    const counts = versions.map((v) => ({ keras: v.keras, cases: forward ? v.ops.reduce((n, op) => n + op.cases.length, 0) : 0 }));
    const gradCases = grads.reduce((n, g) => n + g.ops.reduce((m, op) => m + op.cases.length, 0), 0);
    const perBackend = counts.reduce((n, v) => n + v.cases, 0) + gradCases;
    const total = perBackend * backends.filter((b) => b.available).length;
    emit({ type: 'start', cases: perBackend, total, backends, versions: counts, ...(grads.length ? { gradCases } : {}) });

    const cells: ReportCell[] = [];
    const sink: CaseSink = { cases: [], results: [], unexpectedPasses: [] };
    const gradCells: ReportGradientCell[] = [];
    const gradSink: CaseSink = { cases: [], results: [], unexpectedPasses: [] };
    const machine = machineFacts();
    for (const backend of backends) {
      emit({ type: 'backend', backend });
      if (!backend.available) continue;
      const elsewhere = remote.get(backend.name);
      if (!elsewhere) await setBackend(backend.name);
      const expect = expecter(options.expectations, backend, machine);
      if (forward) {
        const run = elsewhere
          ? (c: GoldenCase) => elsewhere.runCase(c)
          : (c: GoldenCase) => safeRunCase(c, backend.name, tolerances);
        for (const { keras, ops } of versions) {
          for (const op of ops) {
            const started = performance.now();
            const cell = await runCell(op, { keras, backend: backend.name }, run, { exclusions, expect: expect(keras, false) }, sink, emit);
            cells.push(cell);
            emit({ type: 'cell', cell, seconds: (performance.now() - started) / 1000 });
          }
        }
      }
      const gradient = gradientRunner(backend.name, elsewhere, options.gradTolerances ?? GRADIENT_TOLERANCES);
      for (const set of grads) {
        const policy = { exclusions: options.gradExclusions ?? GRADIENT_EXCLUSIONS, expect: expect(set.keras, true) };
        gradCells.push(...(await runGradCells(set, backend.name, gradient, policy, gradSink, emit)));
      }
    }

    const totals = countCells(cells);
    const gradTotals = countCells(gradCells);
    const missingRequired = backends.some((b) => b.required && !b.available);
    const report: ParityReport = {
      format: REPORT_FORMAT,
      generatedAt: new Date().toISOString(),
      label: options.label ?? hostname(),
      command: options.command,
      ...(options.argv ? { argv: [...options.argv] } : {}),
      ...(options.shard ? { shard: { ...options.shard } } : {}),
      kerasVersions: versions.map((v) => v.keras),
      golden: goldenOfSets(loaded.map((l) => l.golden)),
      environment: environment(loaded, backends, machine),
      backends,
      ops: opsInTableOrder(versions.flatMap((v) => v.ops.map((o) => o.op))),
      cells,
      cases: sink.cases,
      kerasDisagreements: versions.flatMap(({ keras, ops }) => ops.flatMap((op) => disagreements(keras, op))),
      summary: { ...totals, ok: totals.failed === 0 && gradTotals.failed === 0 && !missingRequired && goldenErrors.length === 0 },
      results: sink.results,
    };
    if (grads.length) {
      const gradient: ReportGradient = {
        sets: grads.map((g) => g.golden),
        ...(forward ? {} : { only: true }),
        cells: gradCells,
        cases: gradSink.cases,
        results: gradSink.results,
        summary: gradTotals,
      };
      report.gradient = gradient;
    }
    if (loaded.length > 1) report.versionChanges = versionChanges(loaded);
    const set = options.expectations;
    if (set) {
      const gradientPasses = gradSink.unexpectedPasses.map((p) => ({ ...p, gradient: true as const }));
      report.expectations = { file: set.file, sha256: set.sha256, unexpectedPasses: [...sink.unexpectedPasses, ...gradientPasses] };
    }
    const ran = backends.filter((b) => b.available);
    // Every shard checks the lines against the whole --op selection, so all shards accept one file.
    const everyCase = [
      ...(forward ? selected.flatMap(({ keras, ops }) => ops.flatMap((o) => o.cases.map((c) => ({ id: c.id, op: c.op, keras })))) : []),
      ...allGrads.flatMap(({ keras, ops }) => ops.flatMap((o) => o.cases.map((c) => ({ id: c.id, op: o.op, keras, gradient: true })))),
    ];
    const unmatchedExpectations = set ? unmatchedLines(set, everyCase, ran, machine) : [];
    return { report, goldenErrors, unmatchedExpectations };
  } finally {
    await setBackend(previous);
  }
}

/** One version's set: its manifest (a missing or unusable one throws GoldenError), identity and selected ops. */
function loadSet({ keras, source }: GoldenSetSource, selected: readonly string[] | undefined) {
  const manifest = readManifest(source);
  const golden: ReportGoldenSet = { keras, manifestSha256: manifestSha256(source) };
  // An op another selected version has but this one lacks runs in that version only.
  const mine = selected?.filter((op) => !isKerasVersion(keras) || !(op in OP_TABLE) || opIn(op as OpName, keras));
  return { keras, manifest, golden, ...loadOps(source, manifest, mine) };
}

/**
 * What changed from each version to the next on the selected ops' goldens, as loaded: the whole
 * selection, not a shard's part, so that the shards of a run agree and merge keeps it.
 */
function versionChanges(sets: readonly { manifest: Manifest; ops: GoldenOp[] }[]): ReportVersionChanges[] {
  const set = ({ manifest, ops }: (typeof sets)[number]): GoldenSet => ({ manifest, ops, broken: [] });
  return sets.slice(1).map((newer, i) => briefDiff(diffGoldenSets(set(sets[i]), set(newer))));
}

/** Op names in the op table's order, each once; names outside it last, alphabetically. */
function opsInTableOrder(ops: readonly string[]): string[] {
  const order = Object.keys(OP_TABLE);
  const rank = (op: string) => (order.includes(op) ? order.indexOf(op) : order.length);
  return [...new Set(ops)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** The selected ops' goldens in op-table order; a broken file spoils only its op. */
function loadOps(source: GoldenSource, manifest: Manifest, selected: readonly string[] | undefined) {
  const available = opsOf(manifest);
  const wanted = selected ? [...new Set(selected)] : available;
  const ops: GoldenOp[] = [];
  const goldenErrors: string[] = [];
  for (const op of opsInTableOrder(wanted)) {
    if (!available.includes(op)) {
      goldenErrors.push(`${source.label(`${op}.json`)}: no goldens for ${op} (not in ${source.label('manifest.json')})`);
      continue;
    }
    try {
      ops.push(loadOp(source, manifest, op));
    } catch (e) {
      if (!(e instanceof GoldenError)) throw e;
      goldenErrors.push(e.message);
    }
  }
  return { ops, goldenErrors };
}

/** Starts each named backend (or every registered one) and says which could. */
async function startBackends(names: readonly string[] | undefined, required: ReadonlySet<string>): Promise<ReportBackend[]> {
  const wanted = names ? [...new Set([...names, ...required])] : undefined;
  let infos: BackendInfo[];
  if (wanted) {
    infos = [];
    for (const name of wanted) infos.push(await probe(name));
  } else {
    infos = await listBackends();
    for (const name of required) if (!infos.some((b) => b.name === name)) infos.push(await probe(name));
  }
  return infos.map((b) => ({ ...b, required: required.has(b.name) }));
}

async function probe(name: string): Promise<BackendInfo> {
  const registered = registeredBackends();
  if (!registered.includes(name)) throw new UnknownBackendError(name, registered);
  try {
    await setBackend(name);
    return { ...startedInfo(currentAdapter()), name };
  } catch (e) {
    if (e instanceof BackendUnavailableError) return { name, available: false, reason: e.reason };
    throw e;
  }
}

/** Where a cell's cases go: the detailed ones (failed, excluded, loosened) and every one in brief. */
interface CaseSink {
  cases: ReportCase[];
  results: ReportResult[];
  unexpectedPasses: ReportUnexpectedPass[];
}

/**
 * The expectations line of a case on the backend, by Keras version and part (forward, or the gradient
 * case); none without an expectations file.
 */
function expecter(set: ExpectationSet | undefined, backend: ReportBackend, machine: MachineFacts) {
  return (keras: string, gradient: boolean) => (c: GoldenCase) =>
    set ? expectationFor(set, { id: c.id, op: c.op, keras, gradient }, backend, machine) : undefined;
}

/** What decides a case's fate before and after it runs: the exclusion list and the expectations file. */
interface CasePolicy {
  exclusions: readonly ExclusionEntry[];
  expect: (c: GoldenCase) => Expectation | undefined;
  /** Why none of the cell's cases can run on the backend: each is then unsupported, with this reason. */
  refuse?: string;
}

/** Where a cell's cases run: the Keras version of their goldens and the backend; gradient cases or forward ones. */
interface CellPlace {
  keras: string;
  backend: string;
  gradient?: boolean;
}

async function runCell(
  op: GoldenOp,
  place: CellPlace,
  run: (c: GoldenCase) => Promise<CaseResult>,
  policy: CasePolicy,
  sink: CaseSink,
  emit: (e: ProgressEvent) => void,
): Promise<ReportCell> {
  const { keras, backend } = place;
  const cell: ReportCell = { keras, op: op.op, backend, passed: 0, failed: 0, excluded: 0, unsupported: 0, worst: null };
  for (const c of op.cases) {
    const why = exclusionFor(policy.exclusions, c, backend)?.why;
    const expected = policy.expect(c);
    const skip = why ?? (expected?.result === 'Skip' ? expected.reason : undefined);
    const ran =
      skip !== undefined
        ? excludeCase(c, place, skip, sink)
        : policy.refuse !== undefined
          ? refuseCase(c, place, policy.refuse, sink)
          : await replayCase(c, place, run, sink, cell);
    const { outcome, failure } = expected ? applyExpectation(expected, ran, sink) : ran;
    if (outcome === 'expected-failure') cell.expectedFailures = (cell.expectedFailures ?? 0) + 1;
    else cell[outcome]++;
    const gradient = place.gradient ? { gradient: true as const } : {};
    emit({ type: 'case', keras, backend, op: op.op, caseId: c.id, outcome, ...(failure ? { failure } : {}), ...gradient });
  }
  return cell;
}

function excludeCase(c: GoldenCase, { keras, backend }: CellPlace, why: string, sink: CaseSink): { outcome: CaseOutcome; failure?: string } {
  const base = { keras, id: c.id, op: c.op, backend };
  sink.cases.push({ ...base, call: describeCall(c), status: 'excluded', reason: why });
  sink.results.push({ ...base, status: 'excluded', reason: why, ms: 0 });
  return { outcome: 'excluded' };
}

/** A case the backend cannot run at all (no backward rule for its op): unsupported, not run. */
function refuseCase(c: GoldenCase, { keras, backend }: CellPlace, why: string, sink: CaseSink): { outcome: CaseOutcome; failure?: string } {
  sink.results.push({ keras, id: c.id, op: c.op, backend, status: 'unsupported', reason: why, ms: 0 });
  return { outcome: 'unsupported' };
}

/**
 * Marks the case just recorded with its expectations line: a failure the line foresaw becomes
 * `expected-failure`, a pass where it foresaw a failure an unexpected pass.
 */
function applyExpectation(
  e: Expectation,
  ran: { outcome: CaseOutcome; failure?: string },
  sink: CaseSink,
): { outcome: CaseOutcome; failure?: string } {
  const result = sink.results[sink.results.length - 1];
  const expectation = { line: e.line, reason: e.reason };
  result.expectation = expectation;
  if (e.result !== 'Failure') return ran;
  if (ran.outcome === 'passed') {
    sink.unexpectedPasses.push({ keras: result.keras, id: result.id, op: result.op, backend: result.backend, expectation });
    return ran;
  }
  if (ran.outcome !== 'failed') return ran;
  result.status = 'expected-failure';
  const detail = sink.cases[sink.cases.length - 1];
  if (detail?.id === result.id && detail.backend === result.backend && detail.keras === result.keras) detail.status = 'expected-failure';
  return { outcome: 'expected-failure' };
}

/** Runs one case, records it in the sink and in the cell's worst error, and says how it went. */
async function replayCase(
  c: GoldenCase,
  { keras, backend, gradient }: CellPlace,
  run: (c: GoldenCase) => Promise<CaseResult>,
  sink: CaseSink,
  cell: ReportCell,
): Promise<{ outcome: CaseOutcome; failure?: string }> {
  const started = performance.now();
  const result = await run(c);
  const ms = Math.round((performance.now() - started) * 1000) / 1000;
  const outcome = classify(c, result);
  const base = { keras, id: c.id, op: c.op, backend };
  const loosened = result.outputs.find(gradient ? byTable : (o) => o.tolerance.sources.length > 1);
  const shown = loosened ?? result.outputs.find((o) => o.tolerance.sources.length > 1) ?? result.outputs[0];
  const tolerance: ReportTolerance | undefined = shown && { atol: shown.tolerance.atol, rtol: shown.tolerance.rtol, source: toleranceSource(shown) };
  const detail = { ...base, call: describeCall(c), ...(tolerance ? { tolerance } : {}), outputs: result.outputs.map(reportOutput) };
  if (outcome === 'failed') sink.cases.push({ ...detail, status: 'failed', reason: result.failure });
  else if (outcome === 'passed' && loosened) sink.cases.push({ ...detail, status: 'loosened', reason: toleranceSource(loosened) });
  sink.results.push({
    ...base,
    status: outcome === 'failed' && RUNNER_BROKE.test(result.failure ?? '') ? 'error' : outcome,
    ...caseMeasures(result.outputs),
    ...(tolerance ? { tolerance } : {}),
    ...(result.failure ? { reason: result.failure } : {}),
    ms,
  });
  if (outcome !== 'unsupported') cell.worst = worse(cell.worst, caseWorst(c.id, result.outputs));
  return { outcome, ...(result.failure ? { failure: result.failure } : {}) };
}

// ---------------------------------------------------------------------------------------------------
// Gradient cases
// ---------------------------------------------------------------------------------------------------

/** One version's gradient set as the run replays it: per selected op (of this shard), its gradient cases. */
interface GradRun {
  keras: string;
  golden: ReportGoldenSet;
  ops: { op: string; cases: GradCase[] }[];
}

/**
 * The gradient sets of the versions selected, each op's cases cut to the forward cases selected (all of
 * them: shardGrads cuts a shard's part). A version without a gradient set has no gradient cells; a set
 * that cannot be read, or a file of a selected op, is a golden error, as a forward one.
 */
function loadGradSets(
  sources: readonly GradSetSource[],
  versions: readonly { keras: string; ops: GoldenOp[] }[],
  goldenErrors: string[],
): GradRun[] {
  const runs: GradRun[] = [];
  for (const { keras, ops } of versions) {
    const source = sources.find((s) => s.keras === keras);
    if (!source) continue;
    let set: GradSet;
    try {
      set = loadGradSet(source.source, source.forwardSource);
    } catch (e) {
      if (!(e instanceof GoldenError)) throw e;
      goldenErrors.push(e.message);
      continue;
    }
    const selected = new Set(ops.map((o) => o.op));
    const opOfFile = (file: string) => /([^/\\]+)\.(json|safetensors)$/.exec(file)?.[1] ?? '';
    const broken = set.broken.filter((e) => !set.forward.broken.includes(e) && selected.has(opOfFile(e.file)));
    goldenErrors.push(...broken.map((e) => e.message));
    const byOp = new Map(set.ops.map((o) => [o.op, o.cases]));
    runs.push({
      keras,
      golden: { keras, manifestSha256: manifestSha256(source.source) },
      ops: ops.map((o) => {
        const ids = new Set(o.cases.map((c) => c.id));
        return { op: o.op, cases: (byOp.get(o.op) ?? []).filter((c) => ids.has(c.id)) };
      }),
    });
  }
  return runs;
}

/** The gradient cases of the forward cases a shard holds: a gradient case runs in its forward case's shard. */
function shardGrads(runs: readonly GradRun[], versions: readonly { keras: string; ops: GoldenOp[] }[]): GradRun[] {
  const mine = new Set(versions.flatMap(({ keras, ops }) => ops.flatMap((o) => o.cases.map((c) => `${keras}/${c.id}`))));
  return runs.map((r) => ({ ...r, ops: r.ops.map((o) => ({ ...o, cases: o.cases.filter((c) => mine.has(`${r.keras}/${c.id}`)) })) }));
}

/** How a backend replays gradient cases, and which ops it has a backward rule for. */
interface GradientRunner {
  run(c: GradCase): Promise<CaseResult>;
  hasRule(op: string): boolean;
}

/** On the active backend (ops.vjp here), or in a remote one (its page). */
function gradientRunner(backend: string, elsewhere: RemoteBackend | undefined, tolerances: readonly ToleranceEntry[]): GradientRunner {
  if (!elsewhere) {
    return {
      run: (c) => safeRunGradCase(c, backend, tolerances),
      hasRule: (op) => !!(currentAdapter().vjps as Record<string, unknown> | undefined)?.[op],
    };
  }
  const rules = new Set(elsewhere.runGradCase ? (elsewhere.backwardRules ?? []) : []);
  return { run: (c) => elsewhere.runGradCase!(c), hasRule: (op) => rules.has(op) };
}

/**
 * Why an op's gradient cells run nothing, before any case: the op has no gradient in Keras, or the
 * backend no backward rule for it, or its gradient set no case.
 */
function gradientNote(op: string, cases: number, hasRule: boolean): GradientNote | undefined {
  if ((OP_TABLE[op as OpName] as AnyOpDef | undefined)?.noGradient) return 'not-applicable';
  if (!hasRule) return 'no-rule';
  return cases ? undefined : 'no-goldens';
}

/**
 * One version's gradient cells on a backend, one per selected op: its gradient cases replayed (the
 * cases keyed by their forward case, whose id, op and call they share), or the note saying why not.
 */
async function runGradCells(
  set: GradRun,
  backend: string,
  gradient: GradientRunner,
  policy: CasePolicy,
  sink: CaseSink,
  emit: (e: ProgressEvent) => void,
): Promise<ReportGradientCell[]> {
  const cells: ReportGradientCell[] = [];
  for (const { op, cases } of set.ops) {
    const started = performance.now();
    const note = gradientNote(op, cases.length, gradient.hasRule(op));
    let cell: ReportGradientCell = { keras: set.keras, op, backend, passed: 0, failed: 0, excluded: 0, unsupported: 0, worst: null };
    if (cases.length && note !== 'not-applicable') {
      const byId = new Map(cases.map((c) => [c.id, c]));
      const forwardOp = { op, cases: cases.map((c) => c.forward) };
      const refuse = note === 'no-rule' ? { refuse: `no backward rule for ${op} on ${backend} yet` } : {};
      const place = { keras: set.keras, backend, gradient: true };
      cell = await runCell(forwardOp, place, (c) => gradient.run(byId.get(c.id)!), { ...policy, ...refuse }, sink, emit);
    }
    if (note) cell.note = note;
    cells.push(cell);
    emit({ type: 'cell', cell, seconds: (performance.now() - started) / 1000, gradient: true });
  }
  return cells;
}

/**
 * A gradient case counts as loosened only by a GRADIENT_TOLERANCES entry: nearly every gradient golden
 * carries its own tolerance, the rounding bound derived for its backward sums (tools/golden/grad_tolerances.py),
 * which is the norm there rather than a loosening worth a detailed case; its result records it.
 */
const byTable = (o: OutputResult) => o.tolerance.sources.some((s) => s.startsWith('table: '));

/** safeRunCase's words for an exception of the runner itself, not of the op (src/golden/run.ts). */
const RUNNER_BROKE = /^the runner failed\b/;

/** The largest of each measure over the outputs that have it; none for a case without compared outputs. */
function caseMeasures(outputs: OutputResult[]): Pick<ReportResult, 'maxAbs' | 'maxRel' | 'maxUlp'> {
  const measures: Pick<ReportResult, 'maxAbs' | 'maxRel' | 'maxUlp'> = {};
  for (const key of ['maxAbs', 'maxRel', 'maxUlp'] as const) {
    const values = outputs.map((o) => o.comparison[key]).filter((v): v is number => v !== null && v !== undefined);
    if (values.length) measures[key] = Math.max(...values);
  }
  return measures;
}

/** A golden set's identity: its manifest's sha256, which pins every golden file's. */
function manifestSha256(source: GoldenSource): string {
  const bytes = source.read(MANIFEST);
  return bytes ? source.sha256(bytes) : 'unknown';
}

/** The looser tolerances' reasons (`golden: ...`, `table: ...`), or `default`. */
function toleranceSource(o: OutputResult): string {
  const loose = o.tolerance.sources.filter((s) => s !== 'default');
  return loose.length ? loose.join('; ') : 'default';
}

/** Error measures of one output; NaN where none was taken (shapes differ; ULPs of int32 and bool). */
function reportOutput(o: OutputResult): ReportOutput {
  const c = o.comparison;
  return { maxAbs: c.maxAbs ?? NaN, maxRel: c.maxRel ?? NaN, maxUlp: c.maxUlp ?? NaN, mismatches: c.first.map((m) => ({ ...m })) };
}

/** The largest measures over a case's float32 outputs; null when it has none compared (error cases, ints). */
function caseWorst(caseId: string, outputs: OutputResult[]): WorstError | null {
  const measured = outputs.map((o) => o.comparison).filter((c) => c.maxUlp !== null && c.maxAbs !== null);
  if (!measured.length) return null;
  return {
    maxAbs: Math.max(...measured.map((c) => c.maxAbs!)),
    maxRel: Math.max(...measured.map((c) => c.maxRel!)),
    maxUlp: Math.max(...measured.map((c) => c.maxUlp!)),
    caseId,
  };
}

/** A cell's worst case, by errorScore; ties by ULPs, then max abs. */
function worse(a: WorstError | null, b: WorstError | null): WorstError | null {
  if (!a || !b) return a ?? b;
  const [sa, sb] = [errorScore(a), errorScore(b)];
  if (sa !== sb) return sb > sa ? b : a;
  if (a.maxUlp !== b.maxUlp) return b.maxUlp > a.maxUlp ? b : a;
  return b.maxAbs > a.maxAbs ? b : a;
}

interface BackendRecord {
  agrees?: boolean;
  max_abs?: number;
  max_rel?: number;
  note?: string;
  error?: { class?: string; message?: string };
}

/** Where Keras's tensorflow or numpy backend disagrees with JAX on a case, as the golden recorded it. */
function disagreements(keras: string, op: GoldenOp): KerasDisagreement[] {
  const out: KerasDisagreement[] = [];
  for (const c of op.cases) {
    for (const backend of ['tensorflow', 'numpy'] as const) {
      const r = c.backends[backend] as BackendRecord | undefined;
      if (!r || typeof r !== 'object' || r.agrees !== false) continue;
      const raised = r.error?.class ? `${backend} raised ${r.error.class}: ${r.error.message ?? ''}`.trim() : undefined;
      const note = [r.note, raised].filter((s): s is string => !!s).join('; ');
      out.push({
        keras,
        op: op.op,
        caseId: c.id,
        backend,
        ...(typeof r.max_abs === 'number' ? { maxAbs: r.max_abs } : {}),
        ...(typeof r.max_rel === 'number' ? { maxRel: r.max_rel } : {}),
        ...(note ? { note } : {}),
      });
    }
  }
  return out;
}

function environment(sets: readonly { keras: string; manifest: Manifest }[], backends: ReportBackend[], machine: MachineFacts): ParityReport['environment'] {
  const cpuList = cpus();
  const ran = backends.filter((b) => b.available);
  const devices = ran.map((b) => b.device ?? '');
  const tensorflow = devices.map((d) => /TensorFlow ([\w.-]+) C library/.exec(d)?.[1]).find(Boolean);
  const chromium = devices.map((d) => /Chromium ([\d.]+)/.exec(d)?.[1]).find(Boolean);
  const gpu = devices.some((d) => /^GPU\b/.test(d)) ? gpuName(machine) : undefined;
  return {
    kerasParity: ownVersion(),
    node: process.version,
    platform: `${process.platform} ${process.arch} (${release()})`,
    cpu: cpuList.length ? `${cpuList[0].model.trim()} x ${cpuList.length}` : 'unknown',
    tfjs: packageVersion('@tensorflow/tfjs-core'),
    ...(tensorflow ? { tensorflow } : {}),
    ...(chromium ? { chromium } : {}),
    ...(gpu ? { cuda: gpu } : {}),
    keras: Object.fromEntries(sets.map((s) => [s.keras, { ...s.manifest.versions }])),
    machine,
  };
}

function packageVersion(pkg: string): string {
  try {
    return (createRequire(import.meta.url)(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** `NVIDIA H100 80GB HBM3 (driver 550.54.15)`, the first GPU nvidia-smi lists, when it answers. */
function gpuName(machine: MachineFacts): string {
  const first = machine.gpu.devices[0];
  if (!first) return 'GPU (nvidia-smi did not answer)';
  return `${first.name}${first.driver ? ` (driver ${first.driver})` : ''}`;
}
