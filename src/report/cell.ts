/**
 * What one op x backend cell of the report says, decided once for report.md, report.html and the summary
 * `keras-parity run` prints: its state, its counts and its worst error in words. Each renderer lays
 * these out in its own medium and adds nothing to what they mean.
 */
import { caseText } from './gradient.js';
import { formatMeasure, formatUlp } from './measure.js';
import type { GradientNote, ParityReport, ReportBackend, ReportCell, ReportGradientCell, ReportUnexpectedPass, WorstError } from './model.js';
import { kerasTitle } from './versions.js';

/** Float32's default atol: errors below it are noise by Keras's own test standard. */
const ATOL_FLOOR = 1e-6;

/**
 * A cell's worst error in a few characters: `exact`, `<1e-6` (every error below float32's default atol,
 * where ULP counts mean nothing: near 0 they explode), else the ULP distance.
 */
export function formatWorst(w: WorstError): string {
  if (w.maxAbs === 0) return 'exact';
  if (w.maxAbs < ATOL_FLOOR) return `<${formatMeasure(ATOL_FLOOR)}`;
  return `${formatUlp(w.maxUlp)} ulp`;
}

/**
 * - `failed`: a case failed.
 * - `unsupported`: none passed and some were unsupported (a dtype or option the backend cannot represent).
 * - `unmeasured`: none failed, and no float32 output was compared (error cases, ints, all excluded).
 * - `passed`: none failed, with a worst error measured.
 */
export type RanState = 'failed' | 'unsupported' | 'unmeasured' | 'passed';

export type CellSummary =
  /** The backend could not start: nothing ran on it. */
  | { state: 'unavailable'; reason?: string }
  /** The backend ran, but not this op. */
  | { state: 'notrun' }
  /** A gradient cell whose op ran no gradient case there, and why (./gradient.ts words it). */
  | { state: 'noted'; note: GradientNote; cell: ReportCell }
  | {
      state: RanState;
      cell: ReportCell;
      /** The cases that ran or were refused (not the excluded): the N of `2 of N failed`. */
      ran: number;
      /** formatWorst's words; absent where no float32 output was compared. */
      worst?: string;
    };

/** `cell`: the op on the backend, absent where it did not run; `backend`: what the report knows of it. */
export function summarizeCell(cell: ReportGradientCell | undefined, backend: ReportBackend | undefined): CellSummary {
  if (!cell) {
    return backend && !backend.available ? { state: 'unavailable', reason: backend.reason } : { state: 'notrun' };
  }
  // A failure outranks the note: a backend without the rule cannot fail, but a merged cell could.
  if (cell.note && !cell.failed) return { state: 'noted', note: cell.note, cell };
  const ran = cell.passed + cell.failed + cell.unsupported;
  const worst = cell.worst ? { worst: formatWorst(cell.worst) } : {};
  return { state: ranState(cell), cell, ran, ...worst };
}

/** Every op x backend cell of one Keras version's report (./versions.ts), summarized, looked up by op and backend name. */
export function cellSummaries(report: ParityReport): (op: string, backend: string) => CellSummary {
  const cells = new Map(report.cells.map((c) => [`${c.op}\u0000${c.backend}`, c]));
  const backends = new Map(report.backends.map((b) => [b.name, b]));
  return (op, backend) => summarizeCell(cells.get(`${op}\u0000${backend}`), backends.get(backend));
}

function ranState(c: ReportCell): RanState {
  if (c.failed > 0) return 'failed';
  if (c.passed === 0 && c.unsupported > 0) return 'unsupported';
  return c.worst === null ? 'unmeasured' : 'passed';
}

type Counts = Pick<ReportCell, 'passed' | 'failed' | 'excluded' | 'unsupported' | 'expectedFailures'>;

/**
 * `3 passed, 1 failed, 0 excluded, 2 unsupported`: every count named, zeros too, for a cell or a run;
 * `1 expected failure` after the failed ones only where an expectations file foresaw some.
 */
export function countsText(c: Counts): string {
  const expected = c.expectedFailures ? `, ${expectedText(c.expectedFailures)}` : '';
  return `${c.passed} passed, ${c.failed} failed${expected}, ${c.excluded} excluded, ${c.unsupported} unsupported`;
}

/** `2 expected failures` */
export function expectedText(n: number): string {
  return `${n} expected failure${n === 1 ? '' : 's'}`;
}

/**
 * `relu/f32-7 on tfjs-wasm, Keras 3.6.0: passed, but line 3 of the expectations expects a failure (reason)`,
 * `relu/f32-7 (gradient) on ...` for a gradient case.
 */
export function unexpectedPassText(p: ReportUnexpectedPass): string {
  const where = `${caseText(p)} on ${p.backend}, ${kerasTitle(p.keras)}`;
  return `${where}: passed, but line ${p.expectation.line} of the expectations expects a failure (${p.expectation.reason})`;
}
