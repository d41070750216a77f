/**
 * The parity report as one self-contained HTML page (inline CSS and JS, nothing fetched, opens from disk):
 * a summary line, per Keras version a heading and a heatmap of op x backend coloured by the worst error in
 * ULPs (red for failures, grey where nothing could run) whose cells expand to their failing, loosened and
 * excluded cases, the same of the gradient cases where the run had them (./gradient.ts), where Keras's own backends disagree with JAX, what changed between the Keras versions of
 * the run (./version-changes-html.ts), benchmark plots when the report carries bench results
 * (./performance.ts), and the environment and backends the run used.
 *
 * Every piece of report text goes through `esc`; element ids are built from indices, never from report
 * text, so case ids and messages cannot break out of their markup.
 */

import { plural } from '../format.js';
import { formatNumber } from '../golden/report.js';
import { machineLines, settingsLine } from '../machine-text.js';
import { cellSummaries, countsText, expectedText, unexpectedPassText, type CellSummary } from './cell.js';
import { esc } from './escape.js';
import { NOSCRIPT_CSS, PAGE_CSS, PAGE_SCRIPT } from './html-assets.js';
import { formatMeasure, formatUlp } from './measure.js';
import { GOLDEN_CHANGED_NOTE, KIND_NAMES, changeDetail, comparisonHeadline, orderedChanges } from './compare.js';
import { GRADIENT_NOTES, caseText, gradientView, hasForward, noteSentence } from './gradient.js';
import { machineDisagreements, sourceAsRun, type MachineDisagreement } from './merge.js';
import { errorScore, type KerasDisagreement, type ParityReport, type ReportBaseline, type ReportCase } from './model.js';
import { performanceSection } from './performance.js';
import { shardNote } from './shard.js';
import { VERSION_CHANGES_CSS, versionChangesSection } from './version-changes-html.js';
import { kerasTitle, versionViews, versionsText } from './versions.js';

export type { ParityReport } from './model.js';

type Case = ReportCase;
type Disagreement = KerasDisagreement;

// ---------------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------------

export { esc } from './escape.js';

/** formatMeasure's digits; `nan` for a NaN measure, `n/a` where JSON lost the value. */
function num(v: number | null | undefined): string {
  if (v === null || v === undefined) return 'n/a';
  return Number.isNaN(v) ? 'nan' : formatMeasure(v);
}

/** A value as stored (got / want): the shortest decimal that reads back as the same float32. */
function value(v: number | null | undefined): string {
  return v === null || v === undefined ? 'n/a' : formatNumber(v);
}

/** formatUlp's count; `n/a` where JSON lost the value. */
function ulp(v: number | null | undefined): string {
  return v === null || v === undefined ? 'n/a' : formatUlp(v);
}

// ---------------------------------------------------------------------------------------------------
// The colour scale: worst ULP error of a cell, log-spaced buckets.
// ---------------------------------------------------------------------------------------------------

interface Bucket {
  cls: string;
  label: string;
  /** Inclusive upper bound in ULPs. */
  max: number;
}

const BUCKETS: readonly Bucket[] = [
  { cls: 'u0', label: '0 (exact)', max: 0 },
  { cls: 'u1', label: '\u2264 1', max: 1 },
  { cls: 'u2', label: '\u2264 4', max: 4 },
  { cls: 'u3', label: '\u2264 16', max: 16 },
  { cls: 'u4', label: '\u2264 256', max: 256 },
  { cls: 'u5', label: '\u2264 4096', max: 4096 },
  { cls: 'u6', label: '> 4096', max: Infinity },
];

/** A missing or non-finite ULP count (JSON has no inf / nan) goes to the top bucket. */
function bucketFor(maxUlp: number | null | undefined): Bucket {
  if (maxUlp === null || maxUlp === undefined || !Number.isFinite(maxUlp)) return BUCKETS[BUCKETS.length - 1]!;
  return BUCKETS.find((b) => maxUlp <= b.max) ?? BUCKETS[BUCKETS.length - 1]!;
}

// ---------------------------------------------------------------------------------------------------
// The grid
// ---------------------------------------------------------------------------------------------------

interface GridCell {
  keras: string;
  op: string;
  backend: string;
  /** Index-built id of its details panel. */
  panelId: string;
  summary: CellSummary;
  cases: Case[];
  /** Its colour: a step of the ULP scale, or what stands in for one. */
  cls: string;
  /** In a merged report: a case of this cell has another result on another machine. */
  disagree: boolean;
}

const STATUS_ORDER: Record<Case['status'], number> = { failed: 0, 'expected-failure': 1, loosened: 2, excluded: 3 };

function uniq(items: readonly string[]): string[] {
  return [...new Set(items)];
}

/**
 * One Keras version's grid (`report` is its view, ./versions.ts); `tag`, the version's index (`g` before
 * it for the gradient grids), keeps element ids apart.
 */
function buildGrid(report: ParityReport, keras: string, k: number, tag = String(k)): Grid {
  const ops = uniq([...report.ops, ...report.cells.map((c) => c.op), ...report.cases.map((c) => c.op)]);
  const backends = uniq([
    ...report.backends.map((b) => b.name),
    ...report.cells.map((c) => c.backend),
    ...report.cases.map((c) => c.backend),
  ]);
  const key = (op: string, backend: string) => `${op}\u0000${backend}`;
  const summaryOf = cellSummaries(report);
  const cases = new Map<string, Case[]>();
  for (const c of report.cases) {
    const k = key(c.op, c.backend);
    cases.set(k, [...(cases.get(k) ?? []), c]);
  }
  const disagreeing = disagreeingCells(report);
  const rows = ops.map((op, i) =>
    backends.map((backend, j): GridCell => {
      const summary = summaryOf(op, backend);
      const own = [...(cases.get(key(op, backend)) ?? [])].sort(
        (a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status],
      );
      const disagree = disagreeing.has(key(op, backend));
      return { keras, op, backend, panelId: `cell-${tag}-${i}-${j}`, summary, cases: own, cls: colourClass(summary), disagree };
    }),
  );
  return { keras, index: k, tag, report, ops, backends, rows };
}

interface Grid {
  keras: string;
  /** The version's place among the report's, for ids. */
  index: number;
  /** What element ids hold for the grid: the index, `g` before it in a gradient grid. */
  tag: string;
  /** The version's view of the report. */
  report: ParityReport;
  ops: string[];
  backends: string[];
  rows: GridCell[][];
}

/**
 * The op x column cells holding a case on which machines disagree (./merge.ts), of the grid's own results:
 * a forward view's gradient part is the gradient grids', whose views hold it as their results.
 */
function disagreeingCells(report: ParityReport): Set<string> {
  const cells = new Set<string>();
  for (const d of machineDisagreements(report)) if (!d.gradient) for (const m of d.results) cells.add(`${d.op}\u0000${m.column}`);
  return cells;
}

function colourClass(s: CellSummary): string {
  switch (s.state) {
    case 'failed':
      return 'fail';
    case 'unmeasured':
      return 'none';
    case 'passed':
      return bucketFor(errorScore(s.cell.worst!)).cls;
    default:
      return 'na';
  }
}

/** The cell's visible text: its state in words (never colour alone), counts, worst error. */
function cellText(g: GridCell): string {
  const s = g.summary;
  if (s.state === 'unavailable' || s.state === 'notrun' || s.state === 'unsupported') {
    const word = s.state === 'notrun' ? 'not run' : s.state;
    return `<span class="big">${word}</span>${extrasText(g)}`;
  }
  if (s.state === 'noted') {
    const why = s.note === 'no-rule' ? '<span class="word">no backward rule</span>' : '';
    return `<span class="big">${esc(GRADIENT_NOTES[s.note].word)}</span>${why}${extrasText(g)}`;
  }
  const counts = [`<span class="pass">${s.cell.passed}\u2009\u2713</span>`];
  if (s.cell.failed) counts.push(`<span class="failn">${s.cell.failed}\u2009\u2717</span>`);
  const lines = [`<span class="big">${counts.join(' ')}</span>`];
  if (s.state === 'failed') lines.push('<span class="word">failed</span>');
  lines.push(`<span class="err">${s.worst ? esc(s.worst) : 'no float output'}</span>`);
  if (g.disagree) lines.push('<span class="word">machines disagree</span>');
  return lines.join('') + extrasText(g);
}

/** The cell's excluded, loosened and (beside passes) unsupported cases, abbreviated. */
function extrasText(g: GridCell): string {
  const s = g.summary;
  const c = 'cell' in s ? s.cell : undefined;
  const loosened = g.cases.filter((x) => x.status === 'loosened').length;
  const extras: string[] = [];
  if (c && c.excluded) extras.push(`${c.excluded} excl.`);
  if (loosened) extras.push(`${loosened} loose`);
  if (c && c.unsupported && s.state !== 'unsupported') extras.push(`${c.unsupported} unsup.`);
  return extras.length ? `<span class="extra">${esc(extras.join(' \u00b7 '))}</span>` : '';
}

/** What a screen reader hears for a cell: complete sentences, no symbols. */
function cellLabel(g: GridCell): string {
  const s = g.summary;
  const head = `${g.op} on ${g.backend}, ${kerasTitle(g.keras)}: `;
  if (s.state === 'unavailable') return `${head}backend unavailable${s.reason ? ` (${s.reason})` : ''}`;
  if (s.state === 'notrun') return `${head}not run`;
  if (s.state === 'noted') return `${head}${noteSentence(s.note)}`;
  const disagree = g.disagree ? '; machines disagree on a case of it' : '';
  return head + countsText(s.cell) + (s.worst ? `, worst error ${s.worst}` : '') + disagree;
}

// ---------------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------------

function summaryLine(report: ParityReport, grids: readonly Grid[]): string {
  const s = report.summary;
  const available = report.backends.filter((b) => b.available);
  const missingRequired = report.backends.filter((b) => b.required && !b.available);
  const verdict = s.ok ? 'PASSED' : 'FAILED';
  const ops = uniq(grids.flatMap((g) => g.ops));
  const g = report.gradient;
  let text =
    `${hasForward(report) ? countsText(s) : `gradients: ${countsText(g!.summary)}`} \u2014 ${plural(ops.length, 'op')} on ${available.length} of ` +
    `${plural(report.backends.length, 'backend')}, ${versionsText(report.kerasVersions)}`;
  if (g && hasForward(report)) text += `; gradients: ${countsText(g.summary)}`;
  const unavailable = report.backends.filter((b) => !b.available).map((b) => b.name);
  if (unavailable.length) text += ` (unavailable: ${unavailable.join(', ')})`;
  if (missingRequired.length) text += `; required but unavailable: ${missingRequired.map((b) => b.name).join(', ')}`;
  const unexpected = (report.expectations?.unexpectedPasses ?? []).map((p) => `<br>unexpected pass: ${esc(unexpectedPassText(p))}`);
  return (
    `<p class="summary ${s.ok ? 'ok' : 'bad'}" id="summary">` +
    `<strong class="verdict">${verdict}</strong> ${esc(text)}${unexpected.join('')}</p>`
  );
}

function legend(): string {
  const swatches = BUCKETS.map(
    (b) => `<li><span class="sw ${b.cls}" aria-hidden="true"></span>${esc(b.label)}</li>`,
  ).join('');
  return (
    '<div class="legend" id="legend">' +
    '<p><strong>Colour scale:</strong> the worst error of any compared output in the cell, in float32 ' +
    '<abbr title="units in the last place: how many representable float32 values lie between the received and the expected value">ULPs</abbr>' +
    ' or, where smaller, in units of 1e-6 absolute (so values flushed to zero near 0 do not count as large),' +
    ' log-spaced, measured against Keras on JAX (each version\u2019s own goldens). Each cell also says it in words: ' +
    '<span class="pass">N\u2009\u2713</span> passed, <span class="failn">N\u2009\u2717</span> failed, ' +
    'excl. = excluded, loose = passed under a loosened tolerance, unsup. = unsupported.</p>' +
    `<ul class="scale" aria-label="ULP colour scale">${swatches}` +
    '<li><span class="sw none" aria-hidden="true"></span>no float output</li>' +
    '<li><span class="sw fail" aria-hidden="true"></span>failed (any failure)</li>' +
    '<li><span class="sw na" aria-hidden="true"></span>unsupported / unavailable / not run</li></ul>' +
    '</div>'
  );
}

/**
 * The gradient heatmaps, one per Keras version, laid out as the forward ones: each cell is the op's
 * gradient cases on the backend, or why it has none.
 */
function gradientSection(grids: readonly Grid[], report: ParityReport): string {
  const notes = (['no-rule', 'not-applicable', 'no-goldens'] as const).map((n) => `<li><strong>${esc(GRADIENT_NOTES[n].word)}</strong>: ${esc(GRADIENT_NOTES[n].why)}</li>`);
  return (
    '<section aria-labelledby="h-gradients">' +
    '<h2 id="h-gradients">Gradients: op \u00d7 backend, per Keras version</h2>' +
    '<p>Each gradient case replays a golden forward call through <code>ops.vjp</code> with the cotangents ' +
    'recorded beside it and compares every gradient with <code>jax.vjp</code>\u2019s, with the same colours and words as above. ' +
    `Cells without a case say why:</p><ul class="notes">${notes.join('')}</ul>` +
    `<div id="gradient-heatmap">\n${grids.map((g) => versionHeatmap(g, report)).join('\n')}\n</div></section>`
  );
}

/** One version's heading, its counts and its heatmap table. */
function versionHeatmap(grid: Grid, report: ParityReport): string {
  const id = `h-heatmap-${grid.tag}`;
  return (
    `<section class="version" aria-labelledby="${id}"><h3 id="${id}">${esc(kerasTitle(grid.keras))}</h3>` +
    `<p class="counts">${esc(countsText(grid.report.summary))}.</p>${heatmap(grid, report)}</section>`
  );
}

function heatmap(grid: Grid, report: ParityReport): string {
  const infos = new Map(report.backends.map((b) => [b.name, b]));
  const head = grid.backends
    .map((b) => {
      const info = infos.get(b);
      const note = !info
        ? ''
        : info.available
          ? info.device
            ? `<span class="dev">${esc(info.device)}</span>`
            : ''
          : '<span class="dev unavail">unavailable</span>';
      return `<th scope="col"><span class="bname">${esc(b)}</span>${note}</th>`;
    })
    .join('');
  const body = grid.rows
    .map((row, i) => {
      const tds = row
        .map(
          (g) =>
            `<td class="c ${g.cls}${g.disagree ? ' disagree' : ''}"><button type="button" class="cellbtn" data-panel="${g.panelId}" ` +
            `aria-expanded="false" aria-controls="${g.panelId}" aria-label="${esc(cellLabel(g))}" ` +
            `title="${esc(cellLabel(g))}">${cellText(g)}</button></td>`,
        )
        .join('');
      return `<tr><th scope="row" id="op-${grid.tag}-${i}">${esc(grid.ops[i])}</th>${tds}</tr>`;
    })
    .join('\n');
  return (
    `<table class="heatmap" id="heatmap-${grid.tag}">` +
    `<caption>${grid.tag.startsWith('g') ? 'Gradients of ops' : 'Ops'} \u00d7 backends, ${esc(kerasTitle(grid.keras))}: select a cell to expand its counts, worst error and failing, loosened and ` +
    'excluded cases under its row</caption>' +
    `<thead><tr><th scope="col">op</th>${head}</tr></thead>` +
    `<tbody>\n${body}\n</tbody></table>`
  );
}

const REASON_LABEL: Record<Case['status'], string> = {
  failed: 'failure',
  'expected-failure': 'failure (expected)',
  excluded: 'why excluded',
  loosened: 'why loosened',
};

function caseDetails(c: Case, id: string, open: boolean): string {
  const rows: string[] = [
    `<tr><th scope="row">case</th><td><code>${esc(c.id)}</code></td></tr>`,
    `<tr><th scope="row">status</th><td><span class="tag ${c.status}">${esc(c.status)}</span></td></tr>`,
    `<tr><th scope="row">call</th><td><code class="call">${esc(c.call)}</code></td></tr>`,
  ];
  if (c.reason) {
    const label = REASON_LABEL[c.status];
    rows.push(`<tr><th scope="row">${label}</th><td><pre class="reason">${esc(c.reason)}</pre></td></tr>`);
  }
  if (c.tolerance) {
    const t = c.tolerance;
    rows.push(
      `<tr><th scope="row">tolerance</th><td>atol ${esc(num(t.atol))}, rtol ${esc(num(t.rtol))} ` +
        `<span class="muted">(source: ${esc(t.source)})</span></td></tr>`,
    );
  }
  const outputs = (c.outputs ?? [])
    .map((o, k) => {
      const errors =
        `<p class="errs">output ${k}: max abs <strong>${esc(num(o.maxAbs))}</strong>, max rel ` +
        `<strong>${esc(num(o.maxRel))}</strong>, max ULP <strong>${esc(ulp(o.maxUlp))}</strong>` +
        (o.mismatches.length ? ` \u2014 first ${plural(o.mismatches.length, 'mismatch')}:` : ' \u2014 no mismatches listed') +
        '</p>';
      if (!o.mismatches.length) return errors;
      const mrows = o.mismatches
        .map((m) => {
          const diff = typeof m.got === 'number' && typeof m.want === 'number' ? Math.abs(m.got - m.want) : null;
          return (
            `<tr><td><code>[${esc(m.index.join(', '))}]</code></td><td class="num">${esc(value(m.want))}</td>` +
            `<td class="num">${esc(value(m.got))}</td><td class="num">${esc(num(diff))}</td></tr>`
          );
        })
        .join('');
      return (
        errors +
        `<table class="mism"><caption class="sr-only">Mismatches of output ${k} of ${esc(c.id)}</caption>` +
        '<thead><tr><th scope="col">index</th><th scope="col">expected (Keras)</th>' +
        '<th scope="col">received</th><th scope="col">|difference|</th></tr></thead>' +
        `<tbody>${mrows}</tbody></table>`
      );
    })
    .join('');
  return (
    `<details class="case ${c.status}" id="${id}"${open ? ' open' : ''}>` +
    `<summary><span class="tag ${c.status}">${esc(c.status)}</span> <code>${esc(c.id)}</code></summary>` +
    `<div class="casebody"><table class="kv"><tbody>${rows.join('')}</tbody></table>${outputs}</div></details>`
  );
}

function panels(grid: Grid, caseIds: Map<Case, string>): string {
  return grid.rows
    .flat()
    .map((g) => {
      const s = g.summary;
      const lines = cellFacts(g);
      if (g.cases.length) lines.push(...g.cases.map((x) => caseDetails(x, caseIds.get(x)!, x.status === 'failed')));
      else if ('cell' in s) lines.push('<p class="muted">No failing, loosened or excluded cases.</p>');
      return (
        `<section class="panel" id="${g.panelId}" hidden aria-label="${esc(`${g.op} on ${g.backend}, ${kerasTitle(g.keras)}`)}">` +
        `<h3><code>${esc(g.op)}</code> on <code>${esc(g.backend)}</code> <span class="muted">(${esc(kerasTitle(g.keras))})</span>` +
        `<button type="button" class="close" data-close="${g.panelId}">close</button></h3>${lines.join('')}</section>`
      );
    })
    .join('\n');
}

/** A panel's opening paragraphs: why nothing ran, or the counts and the worst error's measures. */
function cellFacts(g: GridCell): string[] {
  const s = g.summary;
  if (s.state === 'unavailable') {
    return [`<p>Backend <code>${esc(g.backend)}</code> is unavailable${s.reason ? `: ${esc(s.reason)}` : '.'}</p>`];
  }
  if (s.state === 'notrun') return ['<p>No cases of this op ran on this backend.</p>'];
  if (s.state === 'noted') return [`<p>${esc(noteSentence(s.note))}.</p>`];
  const w = s.cell.worst;
  return [
    `<p class="counts">${countsText(s.cell)}.</p>`,
    w
      ? `<p>Worst error: max abs ${esc(num(w.maxAbs))}, max rel ${esc(num(w.maxRel))}, ` +
        `max ULP ${esc(ulp(w.maxUlp))} (case <code>${esc(w.caseId)}</code>).</p>`
      : '<p>No floating-point output was compared.</p>',
  ];
}

/** `listId`: the table's element id (`case-list`, `gradient-case-list`). */
function caseIndex(report: ParityReport, caseIds: Map<Case, string>, panelOf: Map<Case, string>, listId = 'case-list'): string {
  if (!report.cases.length) return '<p>No failing, loosened or excluded cases.</p>';
  const sorted = [...report.cases].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status]);
  const rows = sorted
    .map(
      (c) =>
        `<tr class="${c.status}"><td><span class="tag ${c.status}">${esc(c.status)}</span></td>` +
        `<td><a href="#${caseIds.get(c)}" class="caselink" data-panel="${panelOf.get(c)}" data-case="${caseIds.get(c)}">` +
        `<code>${esc(c.id)}</code></a></td><td>${esc(c.keras)}</td><td><code>${esc(c.backend)}</code></td>` +
        `<td class="reasoncell">${esc(firstLine(c.reason ?? ''))}</td></tr>`,
    )
    .join('\n');
  const count = (s: Case['status']) => report.cases.filter((c) => c.status === s).length;
  return (
    `<p>${count('failed')} failed, ${expectedText(count('expected-failure'))}, ${count('loosened')} loosened, ${count('excluded')} excluded ` +
    '(case \u00d7 backend). Select a case to open its details.</p>' +
    `<div class="scroll"><table class="list" id="${listId}"><thead><tr><th scope="col">status</th>` +
    '<th scope="col">case</th><th scope="col">Keras</th><th scope="col">backend</th><th scope="col">reason</th></tr></thead>' +
    `<tbody>\n${rows}\n</tbody></table></div>`
  );
}

function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? '';
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

/** Per Keras version, a heading and where its own backends disagree with its JAX backend. */
function disagreementSections(grids: readonly Grid[]): string {
  return grids
    .map((g) => `<h3 id="h-disagree-${g.index}">${esc(kerasTitle(g.keras))}</h3>${disagreements(g.report, g.ops, g.keras, g.index)}`)
    .join('\n');
}

function disagreements(report: ParityReport, opOrder: string[], keras: string, k: number): string {
  const list = report.kerasDisagreements;
  if (!list.length) return `<p>${esc(kerasTitle(keras))}\u2019s TensorFlow and NumPy backends agree with JAX on every golden case.</p>`;
  const byOp = new Map<string, Disagreement[]>();
  for (const d of list) byOp.set(d.op, [...(byOp.get(d.op) ?? []), d]);
  const ops = [...byOp.keys()].sort((a, b) => rank(opOrder, a) - rank(opOrder, b));
  const rows = ops
    .map((op) => {
      const ds = byOp.get(op)!;
      const n = (b: string) => ds.filter((d) => d.backend === b).length;
      const items = ds
        .map(
          (d) =>
            `<tr><td><code>${esc(d.caseId)}</code></td><td>${esc(d.backend)}</td>` +
            `<td class="num">${esc(d.maxAbs === undefined ? '\u2014' : num(d.maxAbs))}</td>` +
            `<td class="num">${esc(d.maxRel === undefined ? '\u2014' : num(d.maxRel))}</td>` +
            `<td>${esc(d.note ?? '')}</td></tr>`,
        )
        .join('');
      return (
        `<tr><th scope="row"><code>${esc(op)}</code></th><td class="num">${ds.length}</td>` +
        `<td class="num">${n('tensorflow')}</td><td class="num">${n('numpy')}</td><td>` +
        `<details><summary>${plural(ds.length, 'case')}</summary><table class="inner">` +
        '<thead><tr><th scope="col">case</th><th scope="col">Keras backend</th><th scope="col">max abs</th>' +
        `<th scope="col">max rel</th><th scope="col">note</th></tr></thead><tbody>${items}</tbody></table>` +
        '</details></td></tr>'
      );
    })
    .join('\n');
  const tf = list.filter((d) => d.backend === 'tensorflow').length;
  const np = list.filter((d) => d.backend === 'numpy').length;
  return (
    `<p>${plural(list.length, 'case')} over ${plural(ops.length, 'op')} where ${esc(kerasTitle(keras))} on its own ` +
    `TensorFlow (${tf}) or NumPy (${np}) backend differs from it on JAX, the ground truth.</p>` +
    `<div class="scroll"><table class="list" id="${k ? `disagreements-${k}` : 'disagreements'}"><thead><tr><th scope="col">op</th>` +
    '<th scope="col">total</th><th scope="col">TensorFlow vs JAX</th><th scope="col">NumPy vs JAX</th>' +
    `<th scope="col">cases</th></tr></thead><tbody>\n${rows}\n</tbody></table></div>`
  );
}

function rank(order: string[], op: string): number {
  const i = order.indexOf(op);
  return i < 0 ? order.length : i;
}

const KERAS_LABELS: Record<string, string> = {
  keras: 'Keras',
  jax: 'JAX',
  jaxlib: 'jaxlib',
  tensorflow: 'TensorFlow',
  numpy: 'NumPy',
  python: 'Python',
};

function environment(report: ParityReport): string {
  const e = report.environment;
  const notUsed = '<span class="muted">not used in this run</span>';
  const row = (k: string, v: string | undefined) =>
    `<tr><th scope="row">${esc(k)}</th><td>${v === undefined || v === '' ? notUsed : esc(v)}</td></tr>`;
  const keras = Object.entries(e.keras ?? {})
    .map(([version, versions]) => goldenRows(report, version, versions, row))
    .join('');
  return (
    '<table class="kv" id="environment"><tbody>' +
    optionalRow('machine label', report.label) +
    optionalRow('keras-parity', e.kerasParity) +
    row('Node.js', e.node) +
    row('platform', e.platform) +
    // Reports before the machine facts have only the CPU's model and count.
    (e.machine ? machineLines(e.machine).map(([k, v]) => row(k, v)).join('') : row('CPU', e.cpu)) +
    row('TF.js (tfjs-core)', e.tfjs) +
    row('TensorFlow C library', e.tensorflow) +
    row('Chromium', e.chromium) +
    row('CUDA device', e.cuda) +
    settingsRows(report) +
    keras +
    ((report.golden?.sets.length ?? 0) > 1 ? optionalRow('golden sets sha256 (the combination)', report.golden?.manifestSha256) : '') +
    '</tbody></table>'
  );
}

/** One Keras version's goldens: what made them (`goldens of Keras 3.6.0: JAX`, ...) and its manifest's sha256. */
function goldenRows(report: ParityReport, keras: string, versions: Record<string, string>, row: (k: string, v: string | undefined) => string): string {
  const of = (k: string) => `goldens of ${kerasTitle(keras)}: ${KERAS_LABELS[k] ?? k}`;
  const sha = report.golden?.sets.find((s) => s.keras === keras)?.manifestSha256;
  return Object.entries(versions).map(([k, v]) => row(of(k), v)).join('') + optionalRow(`golden manifest sha256 of ${kerasTitle(keras)}`, sha);
}

/** A row only when the report has the field: reports of format 1 lack it, and "not used" would mislead. */
function optionalRow(k: string, v: string | undefined): string {
  return v === undefined ? '' : `<tr><th scope="row">${esc(k)}</th><td>${esc(v)}</td></tr>`;
}

/** A row per backend with settings that change its numbers: `settings: tfjs-tensorflow | oneDNN on (...)`. */
function settingsRows(report: ParityReport): string {
  return report.backends
    .filter((b) => b.available && settingsLine(b.settings))
    .map((b) => `<tr><th scope="row">settings: <code>${esc(b.name)}</code></th><td>${esc(settingsLine(b.settings))}</td></tr>`)
    .join('');
}

function backendTable(report: ParityReport): string {
  const rows = report.backends
    .map(
      (b) =>
        `<tr class="${b.available ? '' : 'unavail'}"><th scope="row"><code>${esc(b.name)}</code></th>` +
        `<td>${b.available ? '<span class="tag ok">available</span>' : '<span class="tag na">unavailable</span>'}</td>` +
        `<td>${b.required ? 'required' : 'optional'}</td>` +
        `<td>${esc(b.device ?? '')}</td><td>${esc(b.reason ?? '')}</td></tr>`,
    )
    .join('\n');
  return (
    '<table class="list" id="backends"><thead><tr><th scope="col">backend</th><th scope="col">status</th>' +
    '<th scope="col">required</th><th scope="col">device</th><th scope="col">reason</th></tr></thead>' +
    `<tbody>\n${rows}\n</tbody></table>`
  );
}

// ---------------------------------------------------------------------------------------------------
// Page
// ---------------------------------------------------------------------------------------------------
/** The report as one self-contained HTML page. */
export function renderHtml(report: ParityReport): string {
  const grids = versionViews(report).map(({ keras, view }, k) => buildGrid(view, keras, k));
  const gradient = gradientView(report);
  const gradGrids = gradient ? versionViews(gradient).map(({ keras, view }, k) => buildGrid(view, keras, k, `g${k}`)) : [];
  const caseIds = new Map<Case, string>([
    ...report.cases.map((c, k): [Case, string] => [c, `case-${k}`]),
    ...(gradient?.cases ?? []).map((c, k): [Case, string] => [c, `gcase-${k}`]),
  ]);
  const panelOf = new Map<Case, string>();
  for (const g of [...grids, ...gradGrids].flatMap((x) => x.rows.flat())) for (const c of g.cases) panelOf.set(c, g.panelId);
  const forward = hasForward(report);
  const title = `keras-parity report: ${report.summary.ok ? 'passed' : 'FAILED'}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>${PAGE_CSS}${MERGE_CSS}${VERSION_CHANGES_CSS}</style>
<noscript><style>${NOSCRIPT_CSS}</style></noscript>
</head>
<body>
<header>
<h1>keras-parity report</h1>
<p class="meta">Generated ${esc(report.generatedAt)}${report.label ? ` on <code>${esc(report.label)}</code>` : ''} by <code>${esc(report.command)}</code></p>
${summaryLine(report, grids)}
${report.shard ? `<p class="meta">${shardNote(report.shard, (text) => `<code>${esc(text)}</code>`)}</p>` : ''}
${baselineSection(report.baseline)}
${report.bench ? '<p class="meta">Also in this report: <a href="#performance">Performance</a>, benchmark plots of every backend.</p>' : ''}
</header>
<main>
${
  forward
    ? `<section aria-labelledby="h-heatmap">
<h2 id="h-heatmap">Heatmap: op \u00d7 backend, per Keras version</h2>
${legend()}
<div id="heatmap">
${grids.map((g) => versionHeatmap(g, report)).join('\n')}
</div>
</section>`
    : legend()
}
${gradient ? gradientSection(gradGrids, report) : ''}
${machinesSection(report)}
<section aria-labelledby="h-details" id="details" class="nojs-only">
<h2 id="h-details">Cell details</h2>
${[...(forward ? grids : []), ...gradGrids].map((g) => panels(g, caseIds)).join('\n')}
</section>
${
  forward
    ? `<section aria-labelledby="h-cases">
<h2 id="h-cases">Failed, loosened and excluded cases</h2>
${caseIndex(report, caseIds, panelOf)}
</section>`
    : ''
}
${
  gradient
    ? `<section aria-labelledby="h-gradient-cases">
<h2 id="h-gradient-cases">Failed, loosened and excluded gradient cases</h2>
${caseIndex(gradient, caseIds, panelOf, 'gradient-case-list')}
</section>`
    : ''
}
<section aria-labelledby="h-disagree">
<h2 id="h-disagree">Where Keras\u2019s own backends disagree with JAX</h2>
${disagreementSections(grids)}
</section>
${versionChangesSection(report.versionChanges)}
${performanceSection(report.bench, { machine: report.environment.machine, backends: report.backends })}
<section aria-labelledby="h-env">
<h2 id="h-env">Environment</h2>
${report.sources ? sourcesEnvironment(report) : environment(report)}
<h3 style="margin-top:1rem">Backends</h3>
${backendTable(report)}
</section>
</main>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

// ---------------------------------------------------------------------------------------------------
// Merged reports and baselines
// ---------------------------------------------------------------------------------------------------

/** A dashed frame, not a colour, so that the heatmap's colour still reads as the error. */
const MERGE_CSS =
  'td.c.disagree .cellbtn{outline:3px dashed #8250df;outline-offset:-5px}' +
  '.sw.disagree{outline:3px dashed #8250df;outline-offset:-3px;background:#fff}' +
  'table.changes td,table.changes th{text-align:left}';

/** Where machines disagree on the same backend and case, in a merged report. */
function machinesSection(report: ParityReport): string {
  if (!report.sources) return '';
  const list = machineDisagreements(report);
  const intro =
    '<p>The same case on the same backend, on different machines: a different status, or errors further apart ' +
    'than the tolerance allows, absolutely and relatively; a case marked (gradient) is its gradients through <code>ops.vjp</code>, compared the same way. ' +
    'Their cells in the heatmaps have a <span class="sw disagree" aria-hidden="true"></span> dashed frame.</p>';
  const body = list.length ? disagreementTable(list) : '<p>None: every machine agrees on every case.</p>';
  return `<section aria-labelledby="h-machines"><h2 id="h-machines">Where machines disagree (${list.length})</h2>${intro}${body}</section>`;
}

function disagreementTable(list: readonly MachineDisagreement[]): string {
  const rows = list
    .map((d) => {
      const each = d.results
        .map((m) => `<code>${esc(m.label)}</code>: ${esc(m.status)}${m.maxAbs === undefined ? '' : `, max abs ${esc(num(m.maxAbs))}`}${m.maxUlp === undefined ? '' : `, ${esc(ulp(m.maxUlp))} ulp`}`)
        .join('<br>');
      return `<tr><td>${caseHtml(d)}</td><td>${esc(d.keras)}</td><td><code>${esc(d.backend)}</code></td><td>${each}</td></tr>`;
    })
    .join('\n');
  return (
    '<div class="scroll"><table class="list" id="machine-disagreements"><thead><tr><th scope="col">case</th>' +
    `<th scope="col">Keras</th><th scope="col">backend</th><th scope="col">per machine</th></tr></thead><tbody>\n${rows}\n</tbody></table></div>`
  );
}

/** Each merged machine's environment under its label and file. */
function sourcesEnvironment(report: ParityReport): string {
  return report.sources!
    .map(
      (s) =>
        `<h3><code>${esc(s.label)}</code> <span class="muted">(${esc(s.file)}, ${esc(s.generatedAt)})</span></h3>` +
        environment(sourceAsRun(report, s)),
    )
    .join('\n');
}

/** A change's case, `(gradient)` after a gradient's; `gradients` for a column whose gradients are gone. */
function changeCaseHtml(c: ReportBaseline['changes'][number]): string {
  if (!c.id) return c.gradient ? 'gradients' : '';
  return caseHtml({ id: c.id, gradient: c.gradient });
}

/** caseText with the id as code: `<code>relu/f32-7</code> (gradient)`. */
function caseHtml(c: { id: string; gradient?: boolean }): string {
  return `<code>${esc(c.id)}</code>${esc(caseText({ gradient: c.gradient }))}`;
}

/** "Since the baseline": the verdict, and every change with its case, column and what changed. */
function baselineSection(b: ReportBaseline | undefined): string {
  if (!b) return '';
  const rows = orderedChanges(b)
    .map(
      (c) =>
        `<tr class="${c.kind === 'fixed' ? 'fixed' : 'regression'}"><td>${esc(KIND_NAMES[c.kind])}</td><td>${changeCaseHtml(c)}</td>` +
        `<td>${esc(c.keras)}</td><td><code>${esc(c.column)}</code></td><td>${esc(changeDetail(c))}</td></tr>`,
    )
    .join('\n');
  const note = b.goldenChanged ? `<p>Note: ${esc(GOLDEN_CHANGED_NOTE)}.</p>` : '';
  const table = rows
    ? '<div class="scroll"><table class="list changes" id="baseline-changes"><thead><tr><th scope="col">change</th><th scope="col">case</th>' +
      `<th scope="col">Keras</th><th scope="col">backend</th><th scope="col">what</th></tr></thead><tbody>\n${rows}\n</tbody></table></div>`
    : '';
  const from = `${b.label ? `${b.label}, ` : ''}${b.generatedAt}, ${b.file}`;
  return (
    `<section aria-labelledby="h-baseline" id="baseline"><h2 id="h-baseline">Since the baseline</h2>` +
    `<p class="summary ${b.regressions ? 'bad' : 'ok'}"><strong class="verdict">${b.regressions ? 'REGRESSED' : 'NO REGRESSIONS'}</strong> ` +
    `${esc(comparisonHeadline(b))} (baseline: ${esc(from)}).</p>${note}${table}</section>`
  );
}
