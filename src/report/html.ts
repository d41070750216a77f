/**
 * The parity report as one self-contained HTML page (inline CSS and JS, nothing fetched, opens from disk):
 * a summary line, a heatmap of op x backend coloured by the worst error in ULPs (red for failures, grey
 * where nothing could run) whose cells expand to their failing, loosened and excluded cases, where Keras's
 * own backends disagree with JAX, benchmark plots when the report carries bench results
 * (./performance.ts), and the environment and backends the run used.
 *
 * Every piece of report text goes through `esc`; element ids are built from indices, never from report
 * text, so case ids and messages cannot break out of their markup.
 */

import { formatNumber } from '../golden/report.js';
import { machineLines, settingsLine } from '../machine-text.js';
import { esc } from './escape.js';
import { formatWorst } from './markdown.js';
import { performanceSection } from './performance.js';
import { errorScore, type KerasDisagreement, type ParityReport, type ReportBackend, type ReportCase, type ReportCell } from './model.js';

export type { ParityReport } from './model.js';

type Cell = ReportCell;
type Case = ReportCase;
type Backend = ReportBackend;
type Disagreement = KerasDisagreement;

// ---------------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------------

export { esc } from './escape.js';

/** Three significant digits, exponent form when small or large; `n/a` where JSON lost the value. */
function num(v: number | null | undefined): string {
  if (v === null || v === undefined) return 'n/a';
  if (v === 0) return '0';
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const p = Number(v.toPrecision(3));
  return Math.abs(p) < 1e-3 || Math.abs(p) >= 1e6 ? p.toExponential() : String(p);
}

/** A value as stored (got / want): the shortest decimal that reads back as the same float32. */
function value(v: number | null | undefined): string {
  return v === null || v === undefined ? 'n/a' : formatNumber(v);
}

/** ULPs are counts: whole below a million, exponent form above. */
function ulp(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return 'n/a';
  if (!Number.isFinite(v)) return 'inf';
  return v < 1e6 ? String(Math.round(v)) : v.toExponential(2);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : /(s|x|ch|sh)$/.test(word) ? 'es' : 's'}`;
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

type CellState = 'fail' | 'ok' | 'unmeasured' | 'unsupported' | 'unavailable' | 'notrun';

interface GridCell {
  op: string;
  backend: string;
  /** Index-built id of its details panel. */
  panelId: string;
  cell?: Cell;
  info?: Backend;
  cases: Case[];
  state: CellState;
  cls: string;
}

const STATUS_ORDER: Record<Case['status'], number> = { failed: 0, loosened: 1, excluded: 2 };

function uniq(items: readonly string[]): string[] {
  return [...new Set(items)];
}

function buildGrid(report: ParityReport): { ops: string[]; backends: string[]; rows: GridCell[][] } {
  const ops = uniq([...report.ops, ...report.cells.map((c) => c.op), ...report.cases.map((c) => c.op)]);
  const backends = uniq([
    ...report.backends.map((b) => b.name),
    ...report.cells.map((c) => c.backend),
    ...report.cases.map((c) => c.backend),
  ]);
  const key = (op: string, backend: string) => `${op}\u0000${backend}`;
  const cells = new Map(report.cells.map((c) => [key(c.op, c.backend), c]));
  const cases = new Map<string, Case[]>();
  for (const c of report.cases) {
    const k = key(c.op, c.backend);
    cases.set(k, [...(cases.get(k) ?? []), c]);
  }
  const infos = new Map(report.backends.map((b) => [b.name, b]));
  const rows = ops.map((op, i) =>
    backends.map((backend, j): GridCell => {
      const cell = cells.get(key(op, backend));
      const info = infos.get(backend);
      const own = [...(cases.get(key(op, backend)) ?? [])].sort(
        (a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status],
      );
      let state: CellState;
      let cls: string;
      if (cell && cell.failed > 0) [state, cls] = ['fail', 'fail'];
      else if (!cell && info && !info.available) [state, cls] = ['unavailable', 'na'];
      else if (!cell) [state, cls] = ['notrun', 'na'];
      else if (cell.passed === 0 && cell.unsupported > 0) [state, cls] = ['unsupported', 'na'];
      else if (cell.worst === null) [state, cls] = ['unmeasured', 'none'];
      else [state, cls] = ['ok', bucketFor(errorScore(cell.worst)).cls];
      return { op, backend, panelId: `cell-${i}-${j}`, cell, info, cases: own, state, cls };
    }),
  );
  return { ops, backends, rows };
}

/** The cell's visible text: its state in words (never colour alone), counts, worst error. */
function cellText(g: GridCell): string {
  const c = g.cell;
  const loosened = g.cases.filter((x) => x.status === 'loosened').length;
  const lines: string[] = [];
  switch (g.state) {
    case 'unavailable':
      lines.push('<span class="big">unavailable</span>');
      break;
    case 'notrun':
      lines.push('<span class="big">not run</span>');
      break;
    case 'unsupported':
      lines.push(`<span class="big">unsupported</span>`);
      break;
    default: {
      const counts = [`<span class="pass">${c!.passed}\u2009\u2713</span>`];
      if (c!.failed) counts.push(`<span class="failn">${c!.failed}\u2009\u2717</span>`);
      lines.push(`<span class="big">${counts.join(' ')}</span>`);
      if (g.state === 'fail') lines.push('<span class="word">failed</span>');
      if (c!.worst) lines.push(`<span class="err">${esc(formatWorst(c!.worst))}</span>`);
      else lines.push('<span class="err">no float output</span>');
    }
  }
  const extras: string[] = [];
  if (c && c.excluded) extras.push(`${c.excluded} excl.`);
  if (loosened) extras.push(`${loosened} loose`);
  if (c && c.unsupported && g.state !== 'unsupported') extras.push(`${c.unsupported} unsup.`);
  if (extras.length) lines.push(`<span class="extra">${esc(extras.join(' \u00b7 '))}</span>`);
  return lines.join('');
}

/** What a screen reader hears for a cell: complete sentences, no symbols. */
function cellLabel(g: GridCell): string {
  const c = g.cell;
  const head = `${g.op} on ${g.backend}: `;
  if (g.state === 'unavailable') return `${head}backend unavailable${g.info?.reason ? ` (${g.info.reason})` : ''}`;
  if (g.state === 'notrun') return `${head}not run`;
  const parts = [
    `${c!.passed} passed`,
    `${c!.failed} failed`,
    `${c!.excluded} excluded`,
    `${c!.unsupported} unsupported`,
  ];
  if (c!.worst) parts.push(`worst error ${formatWorst(c!.worst)}`);
  return head + parts.join(', ');
}

// ---------------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------------

function summaryLine(report: ParityReport, grid: ReturnType<typeof buildGrid>): string {
  const s = report.summary;
  const available = report.backends.filter((b) => b.available);
  const missingRequired = report.backends.filter((b) => b.required && !b.available);
  const verdict = s.ok ? 'PASSED' : 'FAILED';
  const parts = [
    `${s.passed} passed`,
    `${s.failed} failed`,
    `${s.excluded} excluded`,
    `${s.unsupported} unsupported`,
  ];
  let text =
    `${parts.join(', ')} \u2014 ${plural(grid.ops.length, 'op')} on ${available.length} of ` +
    `${plural(report.backends.length, 'backend')}`;
  const unavailable = report.backends.filter((b) => !b.available).map((b) => b.name);
  if (unavailable.length) text += ` (unavailable: ${unavailable.join(', ')})`;
  if (missingRequired.length) text += `; required but unavailable: ${missingRequired.map((b) => b.name).join(', ')}`;
  return (
    `<p class="summary ${s.ok ? 'ok' : 'bad'}" id="summary">` +
    `<strong class="verdict">${verdict}</strong> ${esc(text)}</p>`
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
    ' log-spaced, measured against Keras 3.6.0 on JAX. Each cell also says it in words: ' +
    '<span class="pass">N\u2009\u2713</span> passed, <span class="failn">N\u2009\u2717</span> failed, ' +
    'excl. = excluded, loose = passed under a loosened tolerance, unsup. = unsupported.</p>' +
    `<ul class="scale" aria-label="ULP colour scale">${swatches}` +
    '<li><span class="sw none" aria-hidden="true"></span>no float output</li>' +
    '<li><span class="sw fail" aria-hidden="true"></span>failed (any failure)</li>' +
    '<li><span class="sw na" aria-hidden="true"></span>unsupported / unavailable / not run</li></ul>' +
    '</div>'
  );
}

function heatmap(grid: ReturnType<typeof buildGrid>, report: ParityReport): string {
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
            `<td class="c ${g.cls}"><button type="button" class="cellbtn" data-panel="${g.panelId}" ` +
            `aria-expanded="false" aria-controls="${g.panelId}" aria-label="${esc(cellLabel(g))}" ` +
            `title="${esc(cellLabel(g))}">${cellText(g)}</button></td>`,
        )
        .join('');
      return `<tr><th scope="row" id="op-${i}">${esc(grid.ops[i])}</th>${tds}</tr>`;
    })
    .join('\n');
  return (
    '<table class="heatmap" id="heatmap">' +
    '<caption>Ops \u00d7 backends: select a cell to expand its counts, worst error and failing, loosened and ' +
    'excluded cases under its row</caption>' +
    `<thead><tr><th scope="col">op</th>${head}</tr></thead>` +
    `<tbody>\n${body}\n</tbody></table>`
  );
}

function caseDetails(c: Case, id: string, open: boolean): string {
  const rows: string[] = [
    `<tr><th scope="row">case</th><td><code>${esc(c.id)}</code></td></tr>`,
    `<tr><th scope="row">status</th><td><span class="tag ${c.status}">${esc(c.status)}</span></td></tr>`,
    `<tr><th scope="row">call</th><td><code class="call">${esc(c.call)}</code></td></tr>`,
  ];
  if (c.reason) {
    const label = c.status === 'failed' ? 'failure' : c.status === 'excluded' ? 'why excluded' : 'why loosened';
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

function panels(grid: ReturnType<typeof buildGrid>, caseIds: Map<Case, string>): string {
  return grid.rows
    .flat()
    .map((g) => {
      const c = g.cell;
      const lines: string[] = [];
      if (g.state === 'unavailable') {
        lines.push(`<p>Backend <code>${esc(g.backend)}</code> is unavailable${g.info?.reason ? `: ${esc(g.info.reason)}` : '.'}</p>`);
      } else if (g.state === 'notrun') {
        lines.push('<p>No cases of this op ran on this backend.</p>');
      }
      if (c) {
        lines.push(
          `<p class="counts">${c.passed} passed, ${c.failed} failed, ${c.excluded} excluded, ${c.unsupported} unsupported.</p>`,
        );
        lines.push(
          c.worst
            ? `<p>Worst error: max abs ${esc(num(c.worst.maxAbs))}, max rel ${esc(num(c.worst.maxRel))}, ` +
                `max ULP ${esc(ulp(c.worst.maxUlp))} (case <code>${esc(c.worst.caseId)}</code>).</p>`
            : '<p>No floating-point output was compared.</p>',
        );
      }
      if (g.cases.length) lines.push(...g.cases.map((x) => caseDetails(x, caseIds.get(x)!, x.status === 'failed')));
      else if (c) lines.push('<p class="muted">No failing, loosened or excluded cases.</p>');
      return (
        `<section class="panel" id="${g.panelId}" hidden aria-label="${esc(`${g.op} on ${g.backend}`)}">` +
        `<h3><code>${esc(g.op)}</code> on <code>${esc(g.backend)}</code>` +
        `<button type="button" class="close" data-close="${g.panelId}">close</button></h3>${lines.join('')}</section>`
      );
    })
    .join('\n');
}

function caseIndex(report: ParityReport, caseIds: Map<Case, string>, panelOf: Map<Case, string>): string {
  if (!report.cases.length) return '<p>No failing, loosened or excluded cases.</p>';
  const sorted = [...report.cases].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status]);
  const rows = sorted
    .map(
      (c) =>
        `<tr class="${c.status}"><td><span class="tag ${c.status}">${esc(c.status)}</span></td>` +
        `<td><a href="#${caseIds.get(c)}" class="caselink" data-panel="${panelOf.get(c)}" data-case="${caseIds.get(c)}">` +
        `<code>${esc(c.id)}</code></a></td><td><code>${esc(c.backend)}</code></td>` +
        `<td class="reasoncell">${esc(firstLine(c.reason ?? ''))}</td></tr>`,
    )
    .join('\n');
  const count = (s: Case['status']) => report.cases.filter((c) => c.status === s).length;
  return (
    `<p>${count('failed')} failed, ${count('loosened')} loosened, ${count('excluded')} excluded ` +
    '(case \u00d7 backend). Select a case to open its details.</p>' +
    '<div class="scroll"><table class="list" id="case-list"><thead><tr><th scope="col">status</th>' +
    '<th scope="col">case</th><th scope="col">backend</th><th scope="col">reason</th></tr></thead>' +
    `<tbody>\n${rows}\n</tbody></table></div>`
  );
}

function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? '';
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

function disagreements(report: ParityReport, opOrder: string[]): string {
  const list = report.kerasDisagreements;
  if (!list.length) return '<p>Keras\u2019s TensorFlow and NumPy backends agree with JAX on every golden case.</p>';
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
    `<p>${plural(list.length, 'case')} over ${plural(ops.length, 'op')} where Keras 3.6.0 on its own ` +
    `TensorFlow (${tf}) or NumPy (${np}) backend differs from Keras on JAX, the ground truth.</p>` +
    '<div class="scroll"><table class="list" id="disagreements"><thead><tr><th scope="col">op</th>' +
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
    .map(([k, v]) => row(`goldens: ${KERAS_LABELS[k] ?? k}`, v))
    .join('');
  return (
    '<table class="kv" id="environment"><tbody>' +
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
    '</tbody></table>'
  );
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

const CSS = `
:root{--fg:#1b1f24;--muted:#5b636e;--line:#d0d7de;--bg:#fff;--fail:#b3261e;--na:#e4e6e9;--ok:#1a7f37}
*{box-sizing:border-box}
body{margin:0;padding:1.25rem 1.5rem 3rem;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
h3{font-size:1rem;margin:0 0 .5rem;display:flex;gap:.4rem;align-items:baseline}
h3 code{font-size:.95rem}
code,pre{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{white-space:pre-wrap;margin:0}
.meta{color:var(--muted);margin:0 0 .75rem}.meta a{color:#0969da}.muted{color:var(--muted)}
.summary{padding:.6rem .9rem;border-radius:6px;border:1px solid;margin:.5rem 0 1rem;font-size:1.02rem}
.summary.ok{background:#dafbe1;border-color:#4ac26b}.summary.bad{background:#ffebe9;border-color:#ff8182}
.verdict{margin-right:.4rem}.summary.ok .verdict{color:var(--ok)}.summary.bad .verdict{color:var(--fail)}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.scroll{overflow:auto;max-width:100%}
table{border-collapse:collapse}
caption{text-align:left;color:var(--muted);padding:.25rem 0;caption-side:top}
.heatmap>thead>tr>th,.heatmap>tbody>tr>th,.heatmap>tbody>tr>td{border:1px solid #fff}
.heatmap>thead>tr>th{position:sticky;top:0;background:#f6f8fa;z-index:2;font-weight:600;padding:.35rem .5rem;vertical-align:bottom;min-width:7.5rem;text-align:center}
.heatmap>tbody>tr>th{position:sticky;left:0;background:#f6f8fa;z-index:1;text-align:left;padding:0 .6rem;font:600 12.5px ui-monospace,Menlo,Consolas,monospace;white-space:nowrap}
.heatmap>thead>tr>th:first-child{left:0;z-index:3;text-align:left}
.bname{display:block;font-family:ui-monospace,Menlo,Consolas,monospace}
.dev{display:block;font-weight:400;font-size:11px;color:var(--muted);max-width:12rem;margin:0 auto;white-space:normal}
.dev.unavail{color:var(--fail);font-weight:600}
td.c{padding:0;height:3.3rem}
.cellbtn{all:unset;box-sizing:border-box;display:flex;flex-direction:column;justify-content:center;align-items:center;width:100%;height:100%;min-height:3.3rem;padding:.2rem .35rem;cursor:pointer;text-align:center;font-size:11.5px;line-height:1.25}
.cellbtn:focus-visible{outline:3px solid #0969da;outline-offset:-3px}
.cellbtn:hover{filter:brightness(.93)}
.cellbtn[aria-expanded=true]{outline:3px solid #0b0f14;outline-offset:-3px}
.big{font-weight:700;font-size:12.5px}.word{font-weight:700;text-transform:uppercase;letter-spacing:.04em;font-size:10.5px}
.err{font-variant-numeric:tabular-nums}.extra{font-size:10.5px;opacity:.9}
.u0{background:#f1f8ff}.u1{background:#dbeeff}.u2{background:#b6dbff}.u3{background:#80c1ff}.u4{background:#4a9ce8;color:#fff}.u5{background:#2468b8;color:#fff}.u6{background:#123f7a;color:#fff}
.none{background:#fff;box-shadow:inset 0 0 0 1px var(--line)}
.fail{background:var(--fail);color:#fff}
.na{background:repeating-linear-gradient(135deg,var(--na) 0 6px,#f3f4f6 6px 12px);color:#57606a}
.legend{margin:.5rem 0 .75rem;max-width:70rem}.legend p{margin:.25rem 0}
.scale{list-style:none;padding:0;margin:.35rem 0;display:flex;flex-wrap:wrap;gap:.35rem 1rem}
.scale li{display:flex;align-items:center;gap:.35rem}
.sw{display:inline-block;width:1.6rem;height:1rem;border:1px solid #8c959f;border-radius:2px}
.pass{white-space:nowrap}.failn{white-space:nowrap}
.legend .pass{color:var(--ok);font-weight:700}.legend .failn{color:var(--fail);font-weight:700}
.panel{border:1px solid var(--line);border-left:5px solid #0969da;border-radius:6px;padding:.75rem 1rem;margin:.75rem 0;background:#fbfcfd}
.panel p{margin:.3rem 0}
.close{margin-left:auto;font:inherit;font-size:12px;padding:.15rem .6rem;border:1px solid var(--line);border-radius:4px;background:#fff;cursor:pointer}
details.case{border:1px solid var(--line);border-radius:6px;margin:.5rem 0;background:#fff}
details.case>summary{cursor:pointer;padding:.4rem .6rem;list-style-position:inside}
details.case.failed{border-left:5px solid var(--fail)}details.case.loosened{border-left:5px solid #bf8700}details.case.excluded{border-left:5px solid #8c959f}
.casebody{padding:.25rem .75rem .75rem}
.tag{display:inline-block;padding:0 .45rem;border-radius:999px;font-size:11px;font-weight:700;text-transform:uppercase;letter-spacing:.03em;border:1px solid}
.tag.failed{background:#ffebe9;color:var(--fail);border-color:#ff8182}
.tag.loosened{background:#fff8c5;color:#7d4e00;border-color:#d4a72c}
.tag.excluded,.tag.na{background:#eaeef2;color:#424a53;border-color:#afb8c1}
.tag.ok{background:#dafbe1;color:var(--ok);border-color:#4ac26b}
.kv th{text-align:left;vertical-align:top;padding:.2rem 1rem .2rem 0;color:var(--muted);font-weight:600;white-space:nowrap}
.kv td{padding:.2rem 0;vertical-align:top}
.errs{margin:.6rem 0 .25rem}
.mism,.list,.inner{font-size:12.5px}
.mism th,.mism td,.list th,.list td,.inner th,.inner td{border:1px solid var(--line);padding:.2rem .5rem;text-align:left;vertical-align:top}
td.num{text-align:right}
.panel code,.panel pre{overflow-wrap:anywhere}
tr.detail-row>td{padding:.25rem .5rem .75rem;background:#fff}
.nojs-only{display:none}
.mism thead th,.list thead th,.inner thead th{background:#f6f8fa}
.num{text-align:right;font-variant-numeric:tabular-nums;font-family:ui-monospace,Menlo,Consolas,monospace}
.list tr.unavail td,.list tr.unavail th{background:#f6f8fa}
.reasoncell{max-width:40rem}
.perf-h{margin-top:1.5rem}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:1rem 1.25rem}
figure.plot{margin:0;padding:.5rem .75rem .75rem;border:1px solid var(--line);border-radius:6px;background:#fff;break-inside:avoid;min-width:0}
figure.plot.wide{max-width:62rem;margin:.5rem 0 1rem}
svg.chart{display:block;width:100%;height:auto;max-width:100%}
svg.chart .pt,svg.chart .bar{cursor:default}
.perf-table{margin-top:.5rem;font-size:12px}
.perf-table caption{font-weight:600;color:var(--fg)}
.perf-table code{font-size:11.5px}
.perf-table.nowrap code{white-space:nowrap}
.perf-table tbody th{white-space:nowrap;font-weight:400}
ul.notes{margin:.25rem 0;padding-left:1.25rem;color:var(--muted);font-size:12.5px}
@media print{.close{display:none}.charts{display:block}figure.plot{margin:0 0 1rem}}
`;

const JS = `
(function(){
  var home = document.getElementById('details');
  var cols = document.querySelectorAll('#heatmap thead th').length;
  var open = null, row = null;
  function btnFor(id){ return document.querySelector('.cellbtn[data-panel="' + id + '"]'); }
  function hide(){
    if (!open) return;
    open.hidden = true;
    home.appendChild(open);
    if (row && row.parentNode) row.parentNode.removeChild(row);
    var b = btnFor(open.id); if (b) b.setAttribute('aria-expanded', 'false');
    open = null;
  }
  function show(id){
    var p = document.getElementById(id); if (!p) return null;
    if (open === p) return p;
    hide();
    var b = btnFor(id);
    if (b) {
      if (!row) {
        row = document.createElement('tr'); row.className = 'detail-row';
        var td = document.createElement('td'); td.colSpan = cols; row.appendChild(td);
      }
      var tr = b.closest('tr');
      tr.parentNode.insertBefore(row, tr.nextSibling);
      row.firstChild.appendChild(p);
      b.setAttribute('aria-expanded', 'true');
    }
    p.hidden = false; open = p;
    return p;
  }
  document.addEventListener('click', function(ev){
    var t = ev.target; if (!(t instanceof Element)) return;
    var cell = t.closest('.cellbtn');
    if (cell) {
      var id = cell.getAttribute('data-panel');
      if (open && open.id === id) { hide(); return; }
      var p = show(id);
      if (p) p.scrollIntoView({block: 'nearest'});
      return;
    }
    var close = t.closest('[data-close]');
    if (close) { var btn = btnFor(close.getAttribute('data-close')); hide(); if (btn) btn.focus(); return; }
    var link = t.closest('.caselink');
    if (link) {
      ev.preventDefault();
      show(link.getAttribute('data-panel'));
      var d = document.getElementById(link.getAttribute('data-case'));
      if (d) { d.open = true; d.scrollIntoView({block: 'start'}); var s = d.querySelector('summary'); if (s) s.focus(); }
    }
  });
  document.addEventListener('keydown', function(ev){
    if (ev.key !== 'Escape' || !open) return;
    var b = btnFor(open.id); hide(); if (b) b.focus();
  });
})();
`;

/** The report as one self-contained HTML page. */
export function renderHtml(report: ParityReport): string {
  const grid = buildGrid(report);
  const caseIds = new Map<Case, string>(report.cases.map((c, k) => [c, `case-${k}`]));
  const panelOf = new Map<Case, string>();
  for (const g of grid.rows.flat()) for (const c of g.cases) panelOf.set(c, g.panelId);
  const title = `keras-parity report: ${report.summary.ok ? 'passed' : 'FAILED'}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>${CSS}</style>
<noscript><style>.nojs-only{display:block}.panel[hidden]{display:block}.close{display:none}</style></noscript>
</head>
<body>
<header>
<h1>keras-parity report</h1>
<p class="meta">Generated ${esc(report.generatedAt)} by <code>${esc(report.command)}</code></p>
${summaryLine(report, grid)}
${report.bench ? '<p class="meta">Also in this report: <a href="#performance">Performance</a>, benchmark plots of every backend.</p>' : ''}
</header>
<main>
<section aria-labelledby="h-heatmap">
<h2 id="h-heatmap">Heatmap: op \u00d7 backend</h2>
${legend()}
${heatmap(grid, report)}
</section>
<section aria-labelledby="h-details" id="details" class="nojs-only">
<h2 id="h-details">Cell details</h2>
${panels(grid, caseIds)}
</section>
<section aria-labelledby="h-cases">
<h2 id="h-cases">Failed, loosened and excluded cases</h2>
${caseIndex(report, caseIds, panelOf)}
</section>
<section aria-labelledby="h-disagree">
<h2 id="h-disagree">Where Keras\u2019s own backends disagree with JAX</h2>
${disagreements(report, grid.ops)}
</section>
${performanceSection(report.bench, { machine: report.environment.machine, backends: report.backends })}
<section aria-labelledby="h-env">
<h2 id="h-env">Environment</h2>
${environment(report)}
<h3 style="margin-top:1rem">Backends</h3>
${backendTable(report)}
</section>
</main>
<script>${JS}</script>
</body>
</html>
`;
}
