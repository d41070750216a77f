/**
 * Merging reports of several machines (`keras-parity merge`) into one report whose columns are machine x
 * backend, named `label · backend`, and finding where machines disagree on the same backend and case, or
 * on the same case's gradients.
 * The merged report is itself a record of this format, so every renderer reads it unchanged; its
 * `sources` keep each input's label, file, golden sets and machine facts. Results, cells, cases and
 * disagreements keep their Keras version: the same case id of two versions is two cases. The gradient
 * parts (`gradient`) merge as the forward ones, each kept apart from them.
 */
import { compareVersions } from '../keras-versions.js';
import { goldenOfSets } from './golden-id.js';
import { caseText, everyResult, type AnyResult } from './gradient.js';
import {
  errorScore,
  REPORT_FORMAT,
  type ParityReport,
  type ReportBackend,
  type ReportGoldenSet,
  type ReportGradient,
  type ReportGradientCell,
  type ReportResult,
  type ReportSource,
  type ReportVersionChanges,
  type ResultStatus,
} from './model.js';
import { countCells } from './versions.js';

/** A report as read, and the file it came from (named in the sources and in messages). */
export interface MergeInput {
  report: ParityReport;
  file: string;
}

export interface MergeOptions {
  /**
   * Merge reports whose golden sets of one Keras version differ (refused otherwise: their case ids need
   * not mean the same).
   */
  allowMixedGoldens?: boolean;
  command?: string;
  argv?: readonly string[];
  now?: Date;
}

/** Inputs that cannot be merged: the message says which and why. */
export class MergeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MergeError';
  }
}

/** The column of a backend of a labelled run in a merged report. */
export function columnName(label: string, backend: string): string {
  return `${label} · ${backend}`;
}

/**
 * A backend as a column names it: tfjs-tensorflow on tfjs-node-gpu is `tfjs-tensorflow (CUDA)`, so that a
 * GPU runner's column is not read, or compared, as the same thing as a CPU runner's.
 */
export function backendColumn(backend: ReportBackend): string {
  return /^GPU\b.*tfjs-node-gpu/.test(backend.device ?? '') ? `${backend.name} (CUDA)` : backend.name;
}

/** Each column of a report, to the machine label and the backend it stands for. */
export function columnsOf(report: ParityReport): Map<string, { label: string; backend: string }> {
  if (!report.sources) return new Map(report.backends.map((b) => [b.name, { label: report.label ?? '', backend: backendColumn(b) }]));
  const columns = new Map<string, { label: string; backend: string }>();
  for (const s of report.sources) for (const backend of s.backends) columns.set(columnName(s.label, backend), { label: s.label, backend });
  return columns;
}

/** A merged report as one of its sources' runs saw it: that machine's environment, goldens and columns. */
export function sourceAsRun(report: ParityReport, source: ReportSource): ParityReport {
  const columns = new Set(source.backends.map((b) => columnName(source.label, b)));
  const { golden: _golden, ...rest } = report;
  return {
    ...rest,
    label: source.label,
    environment: source.environment,
    ...(source.golden ? { golden: source.golden } : {}),
    backends: report.backends.filter((b) => columns.has(b.name)),
  };
}

export function mergeReports(inputs: readonly MergeInput[], options: MergeOptions = {}): ParityReport {
  if (inputs.length < 1) throw new MergeError('nothing to merge: give at least one report.json');
  inputs.forEach(checkMergeable);
  if (!options.allowMixedGoldens) checkSameGoldens(inputs);
  const renamed = inputs.map(renameColumns);
  checkShards(renamed.flatMap((r) => r.sources));
  checkShardSelections(renamed);
  checkNoRepeats(renamed);
  const cells = mergeCells(renamed.flatMap((r) => r.report.cells));
  const first = inputs[0].report;
  const golden = mergedGolden(inputs);
  const versionChanges = mergedVersionChanges(inputs);
  const gradient = mergedGradient(renamed);
  return {
    format: REPORT_FORMAT,
    generatedAt: (options.now ?? new Date()).toISOString(),
    label: [...new Set(renamed.flatMap((r) => r.sources.map((s) => s.label)))].join(' + '),
    command: options.command ?? 'mergeReports()',
    ...(options.argv ? { argv: [...options.argv] } : {}),
    kerasVersions: unique(inputs.flatMap((i) => i.report.kerasVersions)).sort(compareVersions),
    ...(golden ? { golden } : {}),
    // The schema wants one environment: the first report's, with every version's goldens. Each machine's is in `sources`.
    environment: { ...first.environment, keras: mergedKeras(inputs) },
    backends: mergeBackends(renamed.flatMap((r) => r.report.backends)),
    ops: unique(inputs.flatMap((i) => i.report.ops)),
    cells,
    cases: renamed.flatMap((r) => r.report.cases),
    results: renamed.flatMap((r) => r.report.results ?? []),
    kerasDisagreements: uniqueBy(inputs.flatMap((i) => i.report.kerasDisagreements), (d) => `${d.keras}\u0000${d.caseId}\u0000${d.backend}`),
    summary: { ...countCells(cells), ok: inputs.every((i) => i.report.summary.ok) },
    sources: renamed.flatMap((r) => r.sources),
    ...(versionChanges.length ? { versionChanges } : {}),
    ...(gradient ? { gradient } : {}),
  };
}

/**
 * The inputs' gradient parts as one: cells of the same version, op and column (shards) added, every
 * case and result kept, the first input's gradient set of each version. Undefined when no input has one.
 */
function mergedGradient(renamed: readonly Renamed[]): ReportGradient | undefined {
  const parts = renamed.map((r) => r.report.gradient).filter((g): g is ReportGradient => !!g);
  if (!parts.length) return undefined;
  const cells = mergeCells(parts.flatMap((g) => g.cells));
  return {
    sets: uniqueBy(parts.flatMap((g) => g.sets), (s) => s.keras).sort((a, b) => compareVersions(a.keras, b.keras)),
    ...(renamed.every((r) => r.report.gradient?.only) ? { only: true } : {}),
    cells,
    cases: parts.flatMap((g) => g.cases),
    results: parts.flatMap((g) => g.results),
    summary: countCells(cells),
  };
}

/**
 * Each pair of versions' changes that every input recording it recorded alike (the same goldens and ops
 * give the same); a pair they recorded differently (other --op selections, mixed goldens) is left out
 * rather than one input's taken for all.
 */
function mergedVersionChanges(inputs: readonly MergeInput[]): ReportVersionChanges[] {
  const all = inputs.flatMap((i) => i.report.versionChanges ?? []);
  const pair = (v: ReportVersionChanges) => `${v.older} ${v.newer}`;
  const alike = (v: ReportVersionChanges) => all.filter((w) => pair(w) === pair(v)).every((w) => JSON.stringify(w) === JSON.stringify(v));
  return uniqueBy(all.filter(alike), pair).sort((a, b) => compareVersions(a.older, b.older));
}

/** Format 1 reports have neither a label nor per-case results: nothing to tell the machines apart by. */
function checkMergeable({ report, file }: MergeInput): void {
  if (report.format === 1 || !report.results || !report.label) {
    throw new MergeError(`${file} is a report of format ${JSON.stringify(report.format)}, without a label or per-case results: run it again with this keras-parity`);
  }
}

/**
 * Every Keras version's golden set, as the inputs replayed it; with --allow-mixed-goldens, the first
 * input's where they differ. Undefined when no input names its goldens.
 */
function mergedGolden(inputs: readonly MergeInput[]) {
  const sets = new Map<string, ReportGoldenSet>();
  for (const { report } of inputs) for (const s of report.golden?.sets ?? []) if (!sets.has(s.keras)) sets.set(s.keras, s);
  return sets.size ? goldenOfSets([...sets.values()]) : undefined;
}

/** Each version's golden versions (keras, jax, numpy, ...), from the first input that ran it. */
function mergedKeras(inputs: readonly MergeInput[]): ParityReport['environment']['keras'] {
  const keras: ParityReport['environment']['keras'] = {};
  for (const { report } of inputs) for (const [v, versions] of Object.entries(report.environment.keras)) keras[v] ??= versions;
  const order = Object.keys(keras).sort(compareVersions);
  return Object.fromEntries(order.map((v) => [v, keras[v]]));
}

/**
 * Two inputs that ran the same Keras version must have replayed the same golden set of it; inputs of
 * different versions merge (a machine that ran 3.6.0 alone beside one that ran both).
 */
function checkSameGoldens(inputs: readonly MergeInput[]): void {
  const seen = new Map<string, { file: string; sha: string }>();
  for (const { report, file } of inputs) {
    for (const { keras, manifestSha256: sha } of setsOf(report)) {
      const earlier = seen.get(keras);
      if (!earlier) seen.set(keras, { file, sha });
      else if (earlier.sha !== sha) throw mixedGoldens(keras, earlier, { file, sha });
    }
  }
  // The same of the gradient sets, among the inputs that ran gradients.
  const seenGrad = new Map<string, { file: string; sha: string }>();
  for (const { report, file } of inputs) {
    for (const { keras, manifestSha256: sha } of report.gradient?.sets ?? []) {
      const earlier = seenGrad.get(keras);
      if (!earlier) seenGrad.set(keras, { file, sha });
      else if (earlier.sha !== sha) throw mixedGoldens(`${keras} (gradient sets)`, earlier, { file, sha });
    }
  }
}

/** A report's sets; one without `golden` (none recorded) counts as an unknown set of each version it ran. */
function setsOf(report: ParityReport): ReportGoldenSet[] {
  return report.golden?.sets ?? report.kerasVersions.map((keras) => ({ keras, manifestSha256: 'none' }));
}

function mixedGoldens(keras: string, a: { file: string; sha: string }, b: { file: string; sha: string }): MergeError {
  return new MergeError(
    `${a.file} and ${b.file} replayed different golden sets of Keras ${keras} (manifest sha256 ${a.sha.slice(0, 12)}… ` +
      `and ${b.sha.slice(0, 12)}…), so a case id need not mean the same case in both. ` +
      'Run both against the same goldens, or pass --allow-mixed-goldens to merge them anyway.',
  );
}

interface Renamed {
  file: string;
  report: ParityReport;
  sources: ReportSource[];
}

/** The report with its backends as `label · backend` columns; an already merged one keeps its columns. */
function renameColumns({ report, file }: MergeInput): Renamed {
  if (report.sources) return { file, report, sources: report.sources };
  const columns = new Map(report.backends.map((b) => [b.name, columnName(report.label!, backendColumn(b))]));
  const col = (backend: string) => columns.get(backend) ?? columnName(report.label!, backend);
  const renamed: ParityReport = {
    ...report,
    backends: report.backends.map((b) => ({ ...b, name: col(b.name) })),
    cells: report.cells.map((c) => ({ ...c, backend: col(c.backend) })),
    cases: report.cases.map((c) => ({ ...c, backend: col(c.backend) })),
    results: (report.results ?? []).map((r) => ({ ...r, backend: col(r.backend) })),
    ...(report.gradient ? { gradient: renameGradient(report.gradient, col) } : {}),
  };
  return { file, report: renamed, sources: [sourceOf({ report, file })] };
}

function renameGradient(g: ReportGradient, col: (backend: string) => string): ReportGradient {
  return {
    ...g,
    cells: g.cells.map((c) => ({ ...c, backend: col(c.backend) })),
    cases: g.cases.map((c) => ({ ...c, backend: col(c.backend) })),
    results: g.results.map((r) => ({ ...r, backend: col(r.backend) })),
  };
}

function sourceOf({ report, file }: MergeInput): ReportSource {
  return {
    file,
    label: report.label ?? '',
    generatedAt: report.generatedAt,
    command: report.command,
    ...(report.golden ? { golden: report.golden } : {}),
    ...(report.shard ? { shard: report.shard } : {}),
    environment: report.environment,
    backends: report.backends.map(backendColumn),
  };
}

/**
 * The runs of a label that are shards (`run --shard i/n`) must be one whole set: shards 1..n of the same
 * n, each once, and no unsharded run beside them. A set with a shard missing is refused rather than
 * merged: its summary would count fewer cases and could pass where the whole run fails.
 */
function checkShards(sources: readonly ReportSource[]): void {
  for (const label of new Set(sources.map((s) => s.label))) {
    const runs = sources.filter((s) => s.label === label);
    const why = shardProblem(runs);
    if (!why) continue;
    const named = runs.map((s) => (s.shard ? `${s.file} (shard ${s.shard.index}/${s.shard.count})` : s.file)).join(', ');
    throw new MergeError(
      `label ${label}: ${why}: ${named}. Merge shards 1..N of one \`run --shard I/N\` each once, or give other runs their own --label.`,
    );
  }
}

/** What is wrong with one label's runs as a set of shards; undefined when nothing is (or none is a shard). */
function shardProblem(runs: readonly ReportSource[]): string | undefined {
  const shards = runs.map((s) => s.shard).filter((s): s is NonNullable<typeof s> => !!s);
  if (!shards.length) return undefined;
  if (shards.length < runs.length) return 'shards and an unsharded run';
  const count = shards[0].count;
  if (shards.some((s) => s.count !== count)) return 'shards of different splits';
  const indexes = shards.map((s) => s.index);
  const repeated = indexes.find((i, n) => indexes.indexOf(i) !== n);
  if (repeated !== undefined) return `shard ${repeated}/${count} twice`;
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !indexes.includes(i));
  return missing.length ? `shard ${missing.map((i) => `${i}/${count}`).join(', ')} missing` : undefined;
}

/**
 * The split depends on the --keras and --op selection and the cases of a shard run on every backend asked
 * for: shards of one label made with other --keras, --op or --backend lists would cover some cases twice
 * and others never.
 */
function checkShardSelections(renamed: readonly Renamed[]): void {
  const shards = renamed.filter((r) => !r.report.sources && r.report.shard);
  for (const label of new Set(shards.map((r) => r.report.label))) {
    const runs = shards.filter((r) => r.report.label === label);
    const selection = (r: Renamed) =>
      `--keras ${r.report.kerasVersions.join(',')} --op ${r.report.ops.join(',')} --backend ${r.sources[0].backends.join(',')}`;
    const other = runs.find((r) => selection(r) !== selection(runs[0]));
    if (!other) continue;
    throw new MergeError(
      `label ${label}: ${runs[0].file} and ${other.file} are shards of different selections ` +
        `(${selection(runs[0])}, and ${selection(other)}). Run every shard of one label with the same --keras, --op and --backend.`,
    );
  }
}

/**
 * Shards of one run share a label and so their columns; each case may come from one of them only. The
 * same case twice in a column means the same machine label ran it twice: label the runs apart.
 */
function checkNoRepeats(renamed: readonly Renamed[]): void {
  const seen = new Map<string, string>();
  for (const { file, report } of renamed) {
    for (const r of everyResult(report)) {
      const key = `${r.keras}\u0000${r.backend}\u0000${caseText(r)}`;
      const earlier = seen.get(key);
      if (earlier !== undefined && earlier !== file) {
        throw new MergeError(
          `${earlier} and ${file} both ran ${caseText(r)} of Keras ${r.keras} on ${r.backend}: shards of one run merge into one column, ` +
            'but two runs of the same label cannot. Give each run its own --label.',
        );
      }
      seen.set(key, file);
    }
  }
}

/** Backends of the same column (shards of one run): available where any shard had it. */
function mergeBackends(backends: readonly ReportBackend[]): ReportBackend[] {
  const byName = new Map<string, ReportBackend>();
  for (const b of backends) {
    const had = byName.get(b.name);
    if (!had) byName.set(b.name, b);
    else byName.set(b.name, { ...(had.available || !b.available ? had : b), required: had.required || b.required });
  }
  return [...byName.values()];
}

/** Cells of the same version, op and column (shards) add their counts and keep the worse worst error. */
function mergeCells<C extends ReportGradientCell>(cells: readonly C[]): C[] {
  const byKey = new Map<string, C>();
  for (const c of cells) {
    const key = `${c.keras}\u0000${c.op}\u0000${c.backend}`;
    const had = byKey.get(key);
    byKey.set(key, had ? addCells(had, c) : c);
  }
  return [...byKey.values()];
}

/** A gradient cell's note stays where both shards have it: one that ran cases has none. */
function addCells<C extends ReportGradientCell>(a: C, b: C): C {
  const worse = !a.worst ? b.worst : !b.worst ? a.worst : errorScore(b.worst) > errorScore(a.worst) ? b.worst : a.worst;
  const expectedFailures = (a.expectedFailures ?? 0) + (b.expectedFailures ?? 0);
  const { note: _note, ...rest } = a;
  return {
    ...(rest as C),
    ...(a.note && a.note === b.note ? { note: a.note } : {}),
    passed: a.passed + b.passed,
    failed: a.failed + b.failed,
    excluded: a.excluded + b.excluded,
    unsupported: a.unsupported + b.unsupported,
    ...(expectedFailures ? { expectedFailures } : {}),
    worst: worse,
  };
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

function uniqueBy<T>(items: readonly T[], key: (t: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const t of items) if (!seen.has(key(t))) seen.set(key(t), t);
  return [...seen.values()];
}

// ---------------------------------------------------------------------------------------------------
// Where machines disagree
// ---------------------------------------------------------------------------------------------------

/** One machine's result in a disagreement. */
export interface MachineResult {
  label: string;
  column: string;
  status: ResultStatus;
  maxAbs?: number;
  maxUlp?: number;
}

/** A case on a backend whose result, or whose gradients' result (`gradient`), differs between machines. */
export interface MachineDisagreement {
  keras: string;
  id: string;
  op: string;
  backend: string;
  /** The case's gradient results (`report.gradient`) disagree, not its forward ones. */
  gradient?: true;
  results: MachineResult[];
}

/**
 * Cases where machines disagree on the same backend: different statuses, or errors further apart than the
 * tolerance (the looser of the two) both absolutely and relatively, a gap Keras's own check would notice.
 * Smaller differences are the summation-order noise that machines are expected to show; one ulp apart at
 * 3e38 is 2e31 absolutely but no gap relatively. The forward cases first,
 * then the gradient cases by the same rule, each compared only with the same case's gradients.
 */
export function machineDisagreements(report: ParityReport): MachineDisagreement[] {
  if (!report.sources) return [];
  const columns = columnsOf(report);
  const groups = new Map<string, { result: AnyResult; label: string }[]>();
  for (const result of everyResult(report)) {
    const where = columns.get(result.backend);
    if (!where) continue;
    const key = `${result.keras}\u0000${where.backend}\u0000${caseText(result)}`;
    groups.set(key, [...(groups.get(key) ?? []), { result, label: where.label }]);
  }
  return [...groups.values()].filter((g) => new Set(g.map((x) => x.label)).size > 1 && disagree(g.map((x) => x.result))).map(describe(columns));
}

function disagree(results: readonly ReportResult[]): boolean {
  if (new Set(results.map((r) => r.status)).size > 1) return true;
  const measured = results.filter((r) => r.maxAbs !== undefined && Number.isFinite(r.maxAbs));
  if (measured.length < 2) return false;
  const loosest = (key: 'atol' | 'rtol') => Math.max(...measured.map((r) => r.tolerance?.[key] ?? 0));
  const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
  const rel = measured.map((r) => r.maxRel ?? Infinity);
  return spread(measured.map((r) => r.maxAbs!)) > loosest('atol') && !(spread(rel) <= loosest('rtol'));
}

function describe(columns: ReturnType<typeof columnsOf>) {
  return (group: { result: AnyResult; label: string }[]): MachineDisagreement => {
    const { keras, id, op, backend, gradient } = group[0].result;
    return {
      keras,
      id,
      op,
      backend: columns.get(backend)!.backend,
      ...(gradient ? { gradient } : {}),
      results: group.map(({ result: r, label }) => ({
        label,
        column: r.backend,
        status: r.status,
        ...(r.maxAbs !== undefined ? { maxAbs: r.maxAbs } : {}),
        ...(r.maxUlp !== undefined ? { maxUlp: r.maxUlp } : {}),
      })),
    };
  };
}
