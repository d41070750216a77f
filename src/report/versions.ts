/**
 * A report per Keras version: every output shows each version as a section of its own, and these give
 * that section its part of the record, so that a renderer lays out one version as it laid out a whole run.
 */
import type { ParityReport, ReportCell } from './model.js';

/** `Keras 3.15.1`, as every heading names a version. */
export function kerasTitle(keras: string): string {
  return `Keras ${keras}`;
}

/**
 * The part of the report of one Keras version: its cells, cases, results, disagreements, unexpected
 * passes and golden set, its ops (those with a cell of it, or all when it has none, as when no backend
 * ran) and its counts. Everything else (backends, environment, the verdict) is the whole run's.
 */
export function versionView(report: ParityReport, keras: string): ParityReport {
  const mine = <T extends { keras: string }>(items: readonly T[]) => items.filter((x) => x.keras === keras);
  const cells = mine(report.cells);
  const withCells = new Set(cells.map((c) => c.op));
  const set = report.golden?.sets.find((s) => s.keras === keras);
  return {
    ...report,
    kerasVersions: [keras],
    ...(report.golden && set ? { golden: { manifestSha256: set.manifestSha256, sets: [set] } } : {}),
    ops: cells.length ? report.ops.filter((op) => withCells.has(op)) : report.ops,
    cells,
    cases: mine(report.cases),
    ...(report.results ? { results: mine(report.results) } : {}),
    kerasDisagreements: mine(report.kerasDisagreements),
    ...(report.expectations ? { expectations: { ...report.expectations, unexpectedPasses: mine(report.expectations.unexpectedPasses) } } : {}),
    summary: { ...countCells(cells), ok: report.summary.ok },
  };
}

/** Each version's view, oldest first. */
export function versionViews(report: ParityReport): { keras: string; view: ParityReport }[] {
  return report.kerasVersions.map((keras) => ({ keras, view: versionView(report, keras) }));
}

/** The totals of some cells; `expectedFailures` only where some failure was foreseen. */
export function countCells(cells: readonly ReportCell[]): { passed: number; failed: number; excluded: number; unsupported: number; expectedFailures?: number } {
  const totals = { passed: 0, failed: 0, excluded: 0, unsupported: 0 };
  for (const c of cells) for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += c[k];
  const expectedFailures = cells.reduce((n, c) => n + (c.expectedFailures ?? 0), 0);
  return { ...totals, ...(expectedFailures ? { expectedFailures } : {}) };
}

/** `Keras 3.6.0 and 3.15.1`, the versions a run covered, in a sentence. */
export function versionsText(versions: readonly string[]): string {
  if (versions.length <= 1) return kerasTitle(versions[0] ?? '?');
  return `Keras ${versions.slice(0, -1).join(', ')} and ${versions[versions.length - 1]}`;
}
