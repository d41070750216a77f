/**
 * Comparing a report with a baseline (`keras-parity compare`, `run --baseline`): per case and column,
 * what newly fails, what was fixed, what is newly excluded or unsupported, which backend no longer ran,
 * and which errors grew beyond a threshold. Everything but `fixed` is a regression.
 *
 * Results are matched by (Keras version, column, case id). The column is `label · backend`, unless both
 * reports hold one machine each: then by backend alone, so that a baseline from another host name still
 * matches. A version the baseline ran and the head did not is gone as a backend is, column by column.
 * Gradient results (`report.gradient`) are compared the same way among themselves, where both reports
 * have them; their changes carry `gradient: true`.
 */
import { plural } from '../format.js';
import { gradientView, hasForward } from './gradient.js';
import { formatUlp } from './measure.js';
import { columnName, columnsOf } from './merge.js';
import type { ChangeKind, ParityReport, ReportChange, ReportComparison, ReportResult } from './model.js';
import { kerasTitle } from './versions.js';

/**
 * The ULP growth a case within tolerance may show before it counts (with a doubling, below). Reordering
 * a float32 reduction (another thread count, another kernel) moves results by a few ULPs; 4 covers that
 * jitter, and asking for the error to double as well keeps a case already loosened to thousands of
 * ULPs from flagging every small drift.
 */
export const DEFAULT_MAX_ULP_GROWTH = 4;
const GROWTH_FACTOR = 2;

/** Float32's default atol: below it, ULP counts mean nothing (near 0 they explode), as in ./cell.ts. */
const ATOL_FLOOR = 1e-6;

export const REGRESSION_KINDS: ReadonlySet<ChangeKind> = new Set(['failing', 'excluded', 'unsupported', 'backend-gone', 'error-growth']);

export interface CompareOptions {
  maxUlpGrowth?: number;
}

/** A report that cannot be compared (no per-case results). */
export class CompareError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompareError';
  }
}

export function compareReports(base: ParityReport, head: ParityReport, options: CompareOptions = {}): ReportComparison {
  const maxUlpGrowth = options.maxUlpGrowth ?? DEFAULT_MAX_ULP_GROWTH;
  const key = matchKey(base, head);
  const none = { compared: 0, changes: [] };
  // A run of one part alone (run --no-grad, --grad-only) says nothing of the other: not all of it gone.
  const forward = hasForward(base) && hasForward(head) ? compareResults(base, head, key, maxUlpGrowth) : none;
  const [baseGrad, headGrad] = [gradientView(base), gradientView(head)];
  const gradient = baseGrad && headGrad ? compareResults(baseGrad, headGrad, key, maxUlpGrowth) : none;
  const changes = [...forward.changes, ...gradient.changes.map((c): ReportChange => ({ ...c, gradient: true }))];
  const regressions = changes.filter((c) => REGRESSION_KINDS.has(c.kind)).length;
  const compared = forward.compared + gradient.compared;
  return { maxUlpGrowth, compared, regressions, changes, goldenChanged: goldenChanged(base, head) };
}

/** The changes of `head`'s results from `base`'s, and how many case x column pairs both have. */
function compareResults(base: ParityReport, head: ParityReport, key: Key, maxUlpGrowth: number): { compared: number; changes: ReportChange[] } {
  const before = indexResults(base, key);
  const after = indexResults(head, key);
  const changes = [...backendsGone(before, after, head, key)];
  let compared = 0;
  for (const [place, cases] of after) {
    const was = before.get(place);
    if (!was) continue; // a backend or version the baseline did not run: nothing to compare with
    for (const [id, now] of cases) {
      if (was.has(id)) compared++;
      const change = caseChange(placeOf(place), was.get(id), now, maxUlpGrowth);
      if (change) changes.push(change);
    }
  }
  return { compared, changes };
}

/**
 * A version both reports ran replayed other goldens. Where a report names no set per version (format 1
 * has no golden at all), the combinations are compared as a whole.
 */
function goldenChanged(base: ParityReport, head: ParityReport): boolean {
  const [a, b] = [base.golden, head.golden];
  if (!a?.sets || !b?.sets) return (a?.manifestSha256 ?? '') !== (b?.manifestSha256 ?? '');
  return a.sets.some((s) => b.sets.some((t) => t.keras === s.keras && t.manifestSha256 !== s.manifestSha256));
}

/** Where a result lives: its Keras version and column, as one map key. */
function placeKey(keras: string, column: string): string {
  return `${keras}\u0000${column}`;
}

function placeOf(key: string): { keras: string; column: string } {
  const [keras, column] = key.split('\u0000');
  return { keras, column };
}

/** A report's column key of each of its backend names. */
type Key = (report: ParityReport) => (backend: string) => string;

/** Two single-machine reports match by backend; otherwise by machine label and backend. */
function matchKey(base: ParityReport, head: ParityReport): Key {
  const labels = (r: ParityReport) => new Set(r.sources ? r.sources.map((s) => s.label) : [r.label ?? '']).size;
  const single = labels(base) === 1 && labels(head) === 1;
  return (report) => {
    const columns = columnsOf(report);
    return (backend) => {
      const where = columns.get(backend);
      if (!where) return backend;
      return single ? where.backend : columnName(where.label, where.backend);
    };
  };
}

/** (version, column) -> case id -> result. */
function indexResults(report: ParityReport, key: Key): Map<string, Map<string, ReportResult>> {
  if (!report.results) throw new CompareError(`the report of ${report.generatedAt} has no per-case results (format ${report.format}): run it again with this keras-parity`);
  const byPlace = new Map<string, Map<string, ReportResult>>();
  const columnOf = key(report);
  for (const r of report.results) {
    const place = placeKey(r.keras, columnOf(r.backend));
    if (!byPlace.has(place)) byPlace.set(place, new Map());
    byPlace.get(place)!.set(r.id, r);
  }
  return byPlace;
}

/**
 * Columns of a version with results in the baseline and none now: the backend was not asked for or was
 * unavailable (with why), or the version did not run.
 */
function backendsGone(before: Map<string, unknown>, after: Map<string, unknown>, head: ParityReport, key: Key): ReportChange[] {
  const columnOf = key(head);
  const reasons = new Map(head.backends.map((b) => [columnOf(b.name), b.reason]));
  const reason = (keras: string, column: string) =>
    head.kerasVersions.includes(keras) ? reasons.get(column) : `${kerasTitle(keras)} did not run (run --keras)`;
  return [...before.keys()]
    .filter((place) => !after.has(place))
    .map(placeOf)
    .map(({ keras, column }) => {
      const why = reason(keras, column);
      return { kind: 'backend-gone', keras, column, ...(why ? { reason: why } : {}) };
    });
}

const BAD = new Set(['failed', 'error']);
/** Failed, whether or not an expectations file foresaw it (`run --expectations`). */
const FAILED = new Set([...BAD, 'expected-failure']);

/** What changed for one case, or nothing worth saying. */
function caseChange(
  { keras, column }: { keras: string; column: string },
  was: ReportResult | undefined,
  now: ReportResult,
  maxUlpGrowth: number,
): ReportChange | undefined {
  const kind = statusChange(was, now) ?? (was && grew(was, now, maxUlpGrowth) ? 'error-growth' : undefined);
  if (!kind) return undefined;
  return {
    kind,
    keras,
    column,
    id: now.id,
    op: now.op,
    ...(was ? { base: was.status } : {}),
    head: now.status,
    ...(was?.maxUlp !== undefined ? { baseUlp: was.maxUlp } : {}),
    ...(now.maxUlp !== undefined ? { headUlp: now.maxUlp } : {}),
    ...(now.reason ? { reason: now.reason } : {}),
  };
}

/** A case new in the head is worth a word only when it fails. */
function statusChange(was: ReportResult | undefined, now: ReportResult): ChangeKind | undefined {
  // The expectations file already says so: not a regression.
  if (now.status === 'expected-failure') return undefined;
  const bad = BAD.has(now.status);
  if (!was) return bad ? 'failing' : undefined;
  if (bad) return FAILED.has(was.status) ? undefined : 'failing';
  if (now.status === was.status) return undefined;
  if (now.status === 'excluded' || now.status === 'unsupported') return now.status;
  return FAILED.has(was.status) ? 'fixed' : undefined;
}

/** Both passed, and the ULP error grew by more than the threshold, more than doubled, and above the atol floor. */
function grew(was: ReportResult, now: ReportResult, maxUlpGrowth: number): boolean {
  if (was.status !== 'passed' || now.status !== 'passed') return false;
  const [a, b] = [was.maxUlp, now.maxUlp];
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b)) return false;
  if ((now.maxAbs ?? 0) < ATOL_FLOOR) return false;
  return b - a > maxUlpGrowth && b > GROWTH_FACTOR * a;
}

// ---------------------------------------------------------------------------------------------------
// In words, the same in the terminal, report.md, the CI summary and report.html
// ---------------------------------------------------------------------------------------------------

/** Each kind's name, in the order changes are listed: regressions first. */
export const KIND_NAMES: Readonly<Record<ChangeKind, string>> = {
  failing: 'newly failing',
  'backend-gone': 'backend gone',
  excluded: 'newly excluded',
  unsupported: 'newly unsupported',
  'error-growth': 'error growth',
  fixed: 'fixed',
};

/** The changes, regressions first, kind by kind, each kind in the order found. */
export function orderedChanges(c: ReportComparison): ReportChange[] {
  const order = Object.keys(KIND_NAMES);
  return [...c.changes].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
}

/** `2 regressions (1 newly failing, 1 error growth), 1 fixed; 96 case × backend pairs compared`; the verdict is the caller's. */
export function comparisonHeadline(c: ReportComparison): string {
  const count = (kind: ChangeKind) => c.changes.filter((x) => x.kind === kind).length;
  const kinds = [...REGRESSION_KINDS].filter((k) => count(k)).map((k) => `${count(k)} ${KIND_NAMES[k]}`);
  const parts = [
    ...(c.regressions ? [`${plural(c.regressions, 'regression')} (${kinds.join(', ')})`] : []),
    ...(count('fixed') ? [`${count('fixed')} fixed`] : []),
  ];
  return [parts.join(', '), `${c.compared} case × backend pairs compared`].filter(Boolean).join('; ');
}

/** What changed, after the case: `passed → failed: <the failure's first line>`, `max ULP 3 → 40`. */
export function changeDetail(c: ReportChange): string {
  if (c.kind === 'backend-gone') return `no results now${c.reason ? `: ${firstLine(c.reason)}` : ''}`;
  if (c.kind === 'error-growth') return `max ULP ${formatUlp(c.baseUlp ?? NaN)} → ${formatUlp(c.headUlp ?? NaN)}, still within tolerance`;
  const statuses = `${c.base ?? 'new case'} → ${c.head}`;
  return c.reason && c.kind !== 'fixed' ? `${statuses}: ${firstLine(c.reason)}` : statuses;
}

/** A note on comparisons across golden sets, where a case id need not be the same case. */
export const GOLDEN_CHANGED_NOTE = 'the two reports replayed different golden sets: a case whose golden changed may have moved for that reason';

/** `reference · Keras 3.15.1`: a change's column and version, as every output names them. */
export function changePlace(c: Pick<ReportChange, 'column' | 'keras'>): string {
  return `${c.column} · ${kerasTitle(c.keras)}`;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0].trim();
  return line.length > 140 ? `${line.slice(0, 139)}…` : line;
}
