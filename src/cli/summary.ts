/**
 * The summary printed after a run: op x backend, each cell `passed/failed/unsupported` and the worst
 * error (markdown.ts's formatWorst), then the unavailable backends with why, the totals and the verdict.
 */
import type { ParityReport, ReportCell } from '../report/model.js';
import { formatWorst } from '../report/markdown.js';
import { paint, plural } from './progress.js';

/** `goldenErrors`: golden files that could not be used, which fail the run though no case did. */
export function summaryTable(report: ParityReport, color: boolean, goldenErrors: readonly string[] = []): string {
  const ran = report.backends.filter((b) => b.available);
  const cells = new Map(report.cells.map((c) => [`${c.op}\u0000${c.backend}`, c]));
  const lines: string[] = [];
  if (ran.length && report.ops.length) {
    const head = ['op', ...ran.map((b) => b.name)];
    const rows = report.ops.map((op) => [op, ...ran.map((b) => cells.get(`${op}\u0000${b.name}`))] as const);
    const texts = rows.map(([op, ...cs]) => [op, ...cs.map(cellText)]);
    const widths = head.map((h, i) => Math.max(h.length, ...texts.map((t) => t[i].length)));
    const fmt = (cols: string[]) => cols.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
    lines.push(paint(color, 'bold', fmt(head)));
    rows.forEach(([, ...cs], r) => {
      const padded = texts[r].map((t, i) => t.padEnd(widths[i]));
      const painted = padded.map((t, i) => (i === 0 ? t : paintCell(color, cs[i - 1], t)));
      lines.push(painted.join('  ').trimEnd());
    });
    const legend = 'cells: passed/failed/unsupported cases and the worst error: exact, <1e-6 absolute, or float32 ULPs';
    lines.push(paint(color, 'dim', `${legend} (report.md has the details)`));
  }
  for (const b of report.backends.filter((x) => !x.available)) {
    const what = b.required ? paint(color, 'red', 'unavailable (required)') : 'unavailable';
    lines.push(`${b.name}: ${what}: ${b.reason ?? 'no reason given'}`);
  }
  const s = report.summary;
  const verdict = s.ok ? paint(color, 'green', 'PASSED') : paint(color, 'red', 'FAILED');
  lines.push(
    '',
    `${verdict}: ${s.passed} passed, ${s.failed} failed, ${s.excluded} excluded, ${s.unsupported} unsupported ` +
      `(${plural(report.ops.length, 'op')} on ${plural(ran.length, 'backend')})` +
      (goldenErrors.length ? `; ${plural(goldenErrors.length, 'golden file')} unusable (see above)` : ''),
  );
  return `${lines.join('\n')}\n`;
}

function cellText(c: ReportCell | undefined): string {
  if (!c) return '-';
  const counts = `${c.passed}/${c.failed}/${c.unsupported}`;
  return c.worst ? `${counts} ${formatWorst(c.worst)}` : counts;
}

function paintCell(color: boolean, c: ReportCell | undefined, text: string): string {
  if (!c) return text;
  if (c.failed) return paint(color, 'red', text);
  if (c.unsupported) return paint(color, 'yellow', text);
  return paint(color, 'green', text);
}
