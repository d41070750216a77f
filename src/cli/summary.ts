/**
 * The summary printed after a run: per Keras version, its heading and op x backend table, each cell
 * `passed/failed/unsupported` and the worst error (as src/report/cell.ts words them), and its counts, and
 * the same of its gradient cases (`Keras 3.6.0 gradients`) where the run had them; then
 * how many ops changed between the Keras versions, the unavailable backends with why, the totals and the
 * verdict.
 */
import { plural } from '../format.js';
import { cellSummaries, countsText, unexpectedPassText, type CellSummary } from '../report/cell.js';
import { GRADIENT_NOTES, gradientView, hasForward } from '../report/gradient.js';
import type { ParityReport } from '../report/model.js';
import { changesCounts, pairTitle } from '../report/version-changes.js';
import { kerasTitle, versionViews, versionsText } from '../report/versions.js';
import { paint } from './progress.js';

/** `goldenErrors`: golden files that could not be used, which fail the run though no case did. */
export function summaryTable(report: ParityReport, color: boolean, goldenErrors: readonly string[] = []): string {
  const ran = report.backends.filter((b) => b.available);
  const lines: string[] = [];
  if (ran.length && report.ops.length) {
    const tables = [
      ...(hasForward(report) ? versionViews(report) : []).map(({ keras, view }) => ({ title: kerasTitle(keras), view })),
      ...versionViews(gradientView(report) ?? { ...report, kerasVersions: [] }).map(({ keras, view }) => ({ title: `${kerasTitle(keras)} gradients`, view })),
    ];
    for (const [i, { title, view }] of tables.entries()) lines.push(...(i ? [''] : []), ...versionTable(view, title, color));
    const legend =
      'cells: passed/failed/unsupported cases (expected failures apart) and the worst error: exact, <1e-6 absolute, or float32 ULPs' +
      (report.gradient ? '; gradients: unsupported without a backward rule, n/a where Keras has no gradient' : '');
    lines.push(paint(color, 'dim', `${legend} (report.md has the details)`));
  }
  for (const v of report.versionChanges ?? []) lines.push(`${pairTitle(v)}: ${changesCounts(v)} (report.md: What changed between Keras versions)`);
  for (const b of report.backends.filter((x) => !x.available)) {
    const what = b.required ? paint(color, 'red', 'unavailable (required)') : 'unavailable';
    lines.push(`${b.name}: ${what}: ${b.reason ?? 'no reason given'}`);
  }
  for (const p of report.expectations?.unexpectedPasses ?? []) {
    lines.push(`${paint(color, 'yellow', 'unexpected pass')}: ${unexpectedPassText(p)}`);
  }
  const s = report.summary;
  const unexpected = report.expectations?.unexpectedPasses.length ?? 0;
  const verdict = s.ok ? paint(color, 'green', 'PASSED') : paint(color, 'red', 'FAILED');
  lines.push(
    '',
    `${verdict}: ${hasForward(report) ? countsText(s) : `gradients: ${countsText(report.gradient!.summary)}`} ` +
      `(${plural(report.ops.length, 'op')} on ${plural(ran.length, 'backend')}, ${versionsText(report.kerasVersions)})` +
      (report.gradient && hasForward(report) ? `; gradients: ${countsText(report.gradient.summary)}` : '') +
      (goldenErrors.length ? `; ${plural(goldenErrors.length, 'golden file')} unusable (see above)` : '') +
      (unexpected ? `; ${plural(unexpected, 'unexpected pass')} (see above)` : ''),
  );
  return `${lines.join('\n')}\n`;
}

/** One version's heading (`Keras 3.6.0`, `Keras 3.6.0 gradients`), op x backend table and counts. */
function versionTable(report: ParityReport, title: string, color: boolean): string[] {
  const ran = report.backends.filter((b) => b.available);
  const summaryOf = cellSummaries(report);
  const lines: string[] = [paint(color, 'bold', title)];
  const head = ['op', ...ran.map((b) => b.name)];
  const rows = report.ops.map((op) => [op, ...ran.map((b) => summaryOf(op, b.name))] as const);
  const texts = rows.map(([op, ...cs]) => [op, ...cs.map(cellText)]);
  const widths = head.map((h, i) => Math.max(h.length, ...texts.map((t) => t[i].length)));
  const fmt = (cols: string[]) => cols.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  lines.push(paint(color, 'bold', fmt(head)));
  rows.forEach(([, ...cs], r) => {
    const padded = texts[r].map((t, i) => t.padEnd(widths[i]));
    const painted = padded.map((t, i) => (i === 0 ? t : paintCell(color, cs[i - 1], t)));
    lines.push(painted.join('  ').trimEnd());
  });
  lines.push(`${title}: ${countsText(report.summary)}`);
  return lines;
}

function cellText(s: CellSummary): string {
  if (!('cell' in s)) return '-';
  if (s.state === 'noted') return GRADIENT_NOTES[s.note].word;
  const expected = s.cell.expectedFailures ? ` (${s.cell.expectedFailures} expected)` : '';
  const counts = `${s.cell.passed}/${s.cell.failed}/${s.cell.unsupported}${expected}`;
  return s.worst ? `${counts} ${s.worst}` : counts;
}

/** Red for a failure, yellow where some case was unsupported, green otherwise. */
function paintCell(color: boolean, s: CellSummary, text: string): string {
  if (!('cell' in s)) return text;
  if (s.state === 'failed') return paint(color, 'red', text);
  if (s.state === 'noted') return s.note === 'no-rule' ? paint(color, 'yellow', text) : paint(color, 'dim', text);
  if (s.cell.unsupported) return paint(color, 'yellow', text);
  return paint(color, 'green', text);
}
