/**
 * The gradient part of a report (`report.gradient`) as the renderers read it: a view of the report with
 * the gradient cells, cases and results in place of the forward ones, so that each renderer lays out a
 * gradient table with the same code and look as its forward one; the words for a gradient cell that
 * ran nothing; and the results and case names of both parts, for the outputs that list them together.
 */
import { goldenOfSets } from './golden-id.js';
import type { GradientNote, ParityReport, ReportResult } from './model.js';

/**
 * The report with its gradient part as the forward one: its cells, cases, results and gradient sets,
 * its versions those with a gradient set or cell, its counts the gradient ones (the verdict the run's).
 * Undefined when the report has no gradient part.
 */
export function gradientView(report: ParityReport): ParityReport | undefined {
  const g = report.gradient;
  if (!g) return undefined;
  const { baseline: _baseline, expectations: _expectations, versionChanges: _changes, bench: _bench, gradient: _gradient, ...rest } = report;
  const has = (keras: string) => g.sets.some((s) => s.keras === keras) || g.cells.some((c) => c.keras === keras);
  return {
    ...rest,
    kerasVersions: report.kerasVersions.filter(has),
    golden: goldenOfSets(g.sets),
    cells: g.cells,
    cases: g.cases,
    results: g.results,
    kerasDisagreements: [],
    summary: { ...g.summary, ok: report.summary.ok },
  };
}

/**
 * A gradient cell's note: `word` for a table cell, `label` and `why` for a sentence (a panel, a screen
 * reader, the legend).
 */
export const GRADIENT_NOTES: Readonly<Record<GradientNote, { word: string; label: string; why: string }>> = {
  'no-rule': { word: 'unsupported', label: 'unsupported', why: 'the backend has no backward rule for the op yet' },
  'not-applicable': { word: 'n/a', label: 'not applicable', why: 'the op has no gradient in Keras (its outputs are integers)' },
  'no-goldens': { word: 'no goldens', label: 'no goldens', why: 'the gradient set has no case of the op in this Keras version' },
};

/** `not applicable: the op has no gradient in Keras (its outputs are integers)` */
export function noteSentence(note: GradientNote): string {
  return `${GRADIENT_NOTES[note].label}: ${GRADIENT_NOTES[note].why}`;
}

/** A result of either part: `gradient`, one of `report.gradient`, keyed by its forward case's id. */
export type AnyResult = ReportResult & { gradient?: true };

/** Every result of the report: the forward ones, then the gradient ones, marked. */
export function everyResult(report: ParityReport): AnyResult[] {
  return [...(report.results ?? []), ...(report.gradient?.results ?? []).map((r): AnyResult => ({ ...r, gradient: true }))];
}

/**
 * `relu/f32-7`, or `relu/f32-7 (gradient)` for its gradient case: a case of either part (a result, a
 * change, an unexpected pass, a disagreement) as every output names it.
 */
export function caseText(c: { id?: string; gradient?: boolean }): string {
  return `${c.id ?? ''}${c.gradient ? ' (gradient)' : ''}`;
}

/** Whether the forward part ran: not with `run --grad-only`, whose report has only gradient cells. */
export function hasForward(report: ParityReport): boolean {
  return !report.gradient?.only;
}
