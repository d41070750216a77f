/**
 * The parity report as Markdown (report.md): the verdict, an op x backend table per Keras version, then
 * every failing, loosened and excluded case, where Keras's own backends disagree with JAX (each of these
 * a section per version, its heading naming it), what changed between the Keras versions of the run, the
 * benchmark tables when the report carries bench results, and the environment. Readable as plain text and
 * as rendered GitHub Markdown.
 */
import { plural } from '../format.js';
import { formatNumber } from '../golden/report.js';
import { machineLines, settingsLine } from '../machine-text.js';
import { cellSummaries, countsText, expectedText, unexpectedPassText, type CellSummary } from './cell.js';
import { formatMeasure, formatUlp } from './measure.js';
import { code, table } from './md-text.js';
import { GOLDEN_CHANGED_NOTE, KIND_NAMES, changeDetail, comparisonHeadline, orderedChanges } from './compare.js';
import { GRADIENT_NOTES, caseText, everyResult, gradientView, hasForward } from './gradient.js';
import { machineDisagreements, sourceAsRun, type MachineResult } from './merge.js';
import type { ParityReport, ReportBaseline, ReportCase, ReportComparison, ReportOutput } from './model.js';
import { performanceMarkdown } from './performance-md.js';
import { shardNote } from './shard.js';
import { versionChangesMarkdown } from './version-changes.js';
import { kerasTitle, versionViews, versionsText } from './versions.js';

/** How the forward and the gradient parts of the report name their sections. */
interface Part {
  /** `Results`, `Gradients`: the heading of its op x backend tables. */
  table: string;
  /** `` (forward), ` gradient`: before `cases` in the other headings. */
  kind: string;
}

const FORWARD: Part = { table: 'Results', kind: '' };
const GRADIENT: Part = { table: 'Gradients', kind: ' gradient' };

export function renderMarkdown(report: ParityReport): string {
  const forward = hasForward(report) ? versionViews(report) : [];
  const gradient = versionViews(gradientView(report) ?? { ...report, kerasVersions: [] });
  /** A section per Keras version, its heading naming the version, forward first, then gradients. */
  const each = (section: (view: ParityReport, keras: string, part: Part) => string) => [
    ...forward.map(({ keras, view }) => section(view, keras, FORWARD)),
    ...gradient.map(({ keras, view }) => section(view, keras, GRADIENT)),
  ];
  const sections = [
    header(report),
    baselineSection(report.baseline),
    ...each(resultsTable),
    machineDisagreementsSection(report),
    backendsTable(report),
    ...each((v, keras, part) => failedSection(v.cases.filter((c) => c.status === 'failed'), keras, part)),
    expectationsSection(report),
    ...each((v, keras, part) => loosenedSection(v.cases.filter((c) => c.status === 'loosened'), keras, part)),
    ...each((v, keras, part) => excludedSection(v.cases.filter((c) => c.status === 'excluded'), keras, part)),
    ...forward.map(({ keras, view }) => disagreementsSection(view, keras)),
    versionChangesMarkdown(report.versionChanges),
    performanceMarkdown(report.bench, { machine: report.environment.machine, backends: report.backends }),
    report.sources ? sourcesEnvironment(report) : environmentSection(report),
  ];
  return `${sections.filter((s) => s !== '').join('\n\n')}\n`;
}

function header(r: ParityReport): string {
  const s = r.summary;
  const ran = r.backends.filter((b) => b.available).length;
  const missing = r.backends.filter((b) => b.required && !b.available).map((b) => b.name);
  const verdict = s.ok ? '**PASSED**' : '**FAILED**';
  const g = r.gradient;
  const counts = hasForward(r) ? countsText(s) : `gradients: ${countsText(g!.summary)}`;
  const lines = [
    '# keras-parity report',
    '',
    `${verdict}: ${counts} (${plural(r.ops.length, 'op')} on ${plural(ran, 'backend')}, ${versionsText(r.kerasVersions)}).`,
  ];
  if (g && hasForward(r)) lines.push('', `Gradients (jax.vjp, through ops.vjp): ${countsText(g.summary)}.`);
  if (missing.length) lines.push('', `Required but unavailable: ${missing.map(code).join(', ')}.`);
  if (r.shard) lines.push('', shardNote(r.shard, code));
  const on = r.label ? ` on ${code(r.label)}` : '';
  lines.push('', `Generated ${r.generatedAt}${on} by ${code(r.command)}, against the goldens of ${versionsText(r.kerasVersions)}.`);
  return lines.join('\n');
}

/** One version's op x backend table, under `## Results: Keras 3.6.0` (`## Gradients: ...`), with its counts. */
function resultsTable(r: ParityReport, keras: string, part: Part): string {
  const backends = r.backends;
  if (!r.ops.length || !backends.length) return '';
  const summaryOf = cellSummaries(r);
  const rows = r.ops.map((op) => [code(op), ...backends.map((b) => cellText(summaryOf(op, b.name)))]);
  const against = part === GRADIENT ? `the ${kerasTitle(keras)} gradient goldens (jax.vjp)` : `the ${kerasTitle(keras)} goldens`;
  const gradient =
    part === GRADIENT
      ? ` Gradients: each case's gradients through \`ops.vjp\` and its pullback; ⚪ unsupported also where the backend has no backward rule ` +
        'for the op yet, `n/a` where the op has no gradient in Keras, `no goldens` where the gradient set has no case of it.'
      : '';
  return [
    `## ${part.table}: ${kerasTitle(keras)}`,
    '',
    `${countsText(r.summary)}, against ${against}.`,
    '',
    'Per op and backend: ✅ passed cases, ❌ failed ones, 🔶 failures the expectations file foresaw, ⚪ unsupported (a dtype or option the backend cannot ' +
      'represent), the worst error (`exact`; `<1e-6` when every error is below float32\'s default atol; else ' +
      `in float32 ULPs), and in parentheses the excluded cases.${gradient}`,
    '',
    table(['op', ...backends.map((b) => code(b.name))], rows),
  ].join('\n');
}

function cellText(s: CellSummary): string {
  if (s.state === 'unavailable') return 'unavailable';
  if (s.state === 'notrun') return 'not run';
  if (s.state === 'noted') return s.note === 'no-rule' ? '⚪ unsupported (no backward rule)' : GRADIENT_NOTES[s.note].word;
  const c = s.cell;
  const parts: string[] = [];
  if (c.failed) parts.push(`❌ ${c.failed} of ${s.ran} failed`);
  else if (c.passed) parts.push(`✅ ${c.passed}`);
  if (c.expectedFailures) parts.push(`🔶 ${expectedText(c.expectedFailures)}`);
  if (c.unsupported) parts.push(`⚪ ${c.unsupported} unsupported`);
  if (s.worst) parts.push(s.worst);
  if (c.excluded) parts.push(`(${c.excluded} excluded)`);
  return parts.join(' · ') || '–';
}

function backendsTable(r: ParityReport): string {
  const rows = r.backends.map((b) => [
    code(b.name),
    b.available ? 'available' : b.required ? '**unavailable (required)**' : 'unavailable',
    b.available ? (b.device ?? '') : (b.reason ?? 'no reason given'),
  ]);
  return ['## Backends', '', table(['backend', 'status', 'device, or why unavailable'], rows)].join('\n');
}

/** What the expectations file foresaw (`run --expectations`): the expected failures, and the passes it did not expect. */
function expectationsSection(r: ParityReport): string {
  if (!r.expectations) return '';
  const expected = everyResult(r).filter((x) => x.status === 'expected-failure');
  const lines = ['## Expectations', '', `From ${code(r.expectations.file)} (sha256 ${r.expectations.sha256.slice(0, 12)}).`, ''];
  for (const x of expected) {
    lines.push(`- expected failure: ${caseCode(x)} on ${code(x.backend)}, ${kerasTitle(x.keras)} (line ${x.expectation?.line}: ${x.expectation?.reason})`);
  }
  for (const p of r.expectations.unexpectedPasses) lines.push(`- **unexpected pass**: ${unexpectedPassText(p)}`);
  if (!expected.length && !r.expectations.unexpectedPasses.length) lines.push('No case named by the file ran on this machine.');
  return lines.join('\n');
}

function failedSection(cases: ReportCase[], keras: string, part: Part): string {
  if (!cases.length) return '';
  const blocks = cases.map((c) => {
    const lines = [`### ${code(c.id)} on ${code(c.backend)}`, '', `- call: ${code(c.call)}`];
    const reason = c.reason ?? 'failed';
    const multiline = reason.includes('\n');
    if (!multiline) lines.push(`- failure: ${reason}`);
    const t = c.tolerance;
    if (t) lines.push(`- tolerance: atol ${formatMeasure(t.atol)}, rtol ${formatMeasure(t.rtol)} (${t.source})`);
    (c.outputs ?? []).forEach((o, i) => lines.push(`- output ${i}: ${measures(o)}`, ...o.mismatches.map(mismatch)));
    if (multiline) lines.push('', fence(reason));
    return lines.join('\n');
  });
  return [`## Failed${part.kind} cases: ${kerasTitle(keras)} (${cases.length})`, ...blocks].join('\n\n');
}

function loosenedSection(cases: ReportCase[], keras: string, part: Part): string {
  if (!cases.length) return '';
  const rows = cases.map((c) => [
    code(c.id),
    code(c.backend),
    c.tolerance ? `${formatMeasure(c.tolerance.atol)} / ${formatMeasure(c.tolerance.rtol)}` : '',
    (c.outputs ?? []).map(measures).join('; '),
    c.tolerance?.source ?? c.reason ?? '',
  ]);
  return [
    `## Loosened${part.kind} tolerances: ${kerasTitle(keras)} (${cases.length})`,
    '',
    'Passed, at a tolerance looser than the default (float32: atol = rtol = 1e-6); the measured errors show how much looser they needed.',
    '',
    table(['case', 'backend', 'atol / rtol', 'measured', 'why'], rows),
  ].join('\n');
}

function excludedSection(cases: ReportCase[], keras: string, part: Part): string {
  if (!cases.length) return '';
  const rows = cases.map((c) => [code(c.id), code(c.backend), c.reason ?? '']);
  return [`## Excluded${part.kind} cases: ${kerasTitle(keras)} (${cases.length})`, '', table(['case', 'backend', 'why'], rows)].join('\n');
}

function disagreementsSection(r: ParityReport, keras: string): string {
  const list = r.kerasDisagreements;
  if (!list.length) return '';
  const rows = list.map((d) => [
    code(d.caseId),
    d.backend,
    d.maxAbs === undefined ? '' : formatMeasure(d.maxAbs),
    d.maxRel === undefined ? '' : formatMeasure(d.maxRel),
    truncate(d.note ?? '', 160),
  ]);
  return [
    `## Where Keras's own backends disagree with JAX: ${kerasTitle(keras)} (${list.length})`,
    '',
    `The goldens are ${kerasTitle(keras)} on JAX; the same cases on its tensorflow and numpy backends differ here ` +
      '(full notes in report.json).',
    '',
    '<details><summary>Show the cases</summary>',
    '',
    table(['case', 'Keras backend', 'max abs', 'max rel', 'note'], rows),
    '',
    '</details>',
  ].join('\n');
}

/** The first line, at most `max` characters. */
function truncate(text: string, max: number): string {
  const first = text.split('\n')[0].trim();
  return first.length > max || first !== text.trim() ? `${first.slice(0, max - 1).trimEnd()}…` : first;
}

function environmentSection(r: ParityReport): string {
  return ['## Environment', '', environmentItems(r)].join('\n');
}

/** A merged report: each machine's environment, under its label and file. */
function sourcesEnvironment(r: ParityReport): string {
  const blocks = r.sources!.map((s) => [`### ${code(s.label)} (${s.file})`, '', `Run ${s.generatedAt} by ${code(s.command)}.`, '', environmentItems(sourceAsRun(r, s))].join('\n'));
  return ['## Environment', '', `Merged from ${plural(r.sources!.length, 'report')}; each machine's facts:`, ...blocks].join('\n\n');
}

function environmentItems(r: ParityReport): string {
  const e = r.environment;
  const machine = e.machine ? machineLines(e.machine) : [];
  const items: [string, string | undefined][] = [
    ['machine label', r.label],
    ['keras-parity', e.kerasParity],
    ['Node.js', e.node],
    ['platform', e.platform],
    // Reports before the machine facts have only the CPU's model and count.
    ...(machine.length ? machine : [['CPU', e.cpu] as [string, string]]),
    ['TF.js', e.tfjs],
    ['TensorFlow (tfjs-node)', e.tensorflow],
    ['Chromium', e.chromium],
    ['GPU in use', e.cuda],
    ...backendSettings(r),
    ...goldenItems(r),
  ];
  return items.filter(([, v]) => v).map(([k, v]) => `- ${k}: ${v}`).join('\n');
}

/**
 * Per Keras version, what made its goldens (`goldens of Keras 3.6.0: keras 3.6.0, jax 0.4.34, ...`) and
 * its manifest's sha256; then the combination's sha256 where there are several.
 */
function goldenItems(r: ParityReport): [string, string | undefined][] {
  const sets = r.golden?.sets ?? [];
  const items = Object.entries(r.environment.keras).flatMap(([keras, versions]): [string, string | undefined][] => [
    [`goldens of ${kerasTitle(keras)}`, Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(', ')],
    [`golden manifest sha256 of ${kerasTitle(keras)}`, sets.find((s) => s.keras === keras)?.manifestSha256],
  ]);
  return sets.length > 1 ? [...items, ['golden sets sha256 (the combination)', r.golden?.manifestSha256]] : items;
}

/** `tfjs-tensorflow: oneDNN on (TF_ENABLE_ONEDNN_OPTS unset)`, one item per backend that has settings. */
function backendSettings(r: ParityReport): [string, string][] {
  return r.backends.filter((b) => b.available && settingsLine(b.settings)).map((b) => [code(b.name), settingsLine(b.settings)]);
}

function measures(o: ReportOutput): string {
  return `max abs ${formatMeasure(o.maxAbs)}, max rel ${formatMeasure(o.maxRel)}, max ULP ${formatUlp(o.maxUlp)}`;
}

function mismatch(m: { index: number[]; got: number; want: number }): string {
  return `  - [${m.index.join(', ')}]: got ${formatNumber(m.got)}, want ${formatNumber(m.want)}`;
}

function fence(text: string): string {
  const ticks = '`'.repeat(Math.max(3, ...(text.match(/`+/g) ?? []).map((t) => t.length + 1)));
  return `${ticks}text\n${text}\n${ticks}`;
}

// ---------------------------------------------------------------------------------------------------
// Merged reports: where machines disagree
// ---------------------------------------------------------------------------------------------------

function machineDisagreementsSection(r: ParityReport): string {
  if (!r.sources) return '';
  const list = machineDisagreements(r);
  const intro =
    'The same case on the same backend, on different machines: a different status, or errors further apart than the tolerance allows, absolutely and relatively; ' +
    'a case marked (gradient) is its gradients through `ops.vjp`, compared the same way.';
  if (!list.length) return ['## Where machines disagree', '', `${intro} None here: every machine agrees.`].join('\n');
  const rows = list.map((d) => [caseCode(d), kerasTitle(d.keras), code(d.backend), d.results.map(machineResult).join('<br>')]);
  return [`## Where machines disagree (${list.length})`, '', intro, '', table(['case', 'Keras', 'backend', 'per machine'], rows)].join('\n');
}

/** `ci-amd: failed, max abs 0.01, 81234 ulp` */
function machineResult(m: MachineResult): string {
  const abs = m.maxAbs === undefined ? '' : `, max abs ${formatMeasure(m.maxAbs)}`;
  const ulp = m.maxUlp === undefined ? '' : `, ${formatUlp(m.maxUlp)} ulp`;
  return `${code(m.label)}: ${m.status}${abs}${ulp}`;
}

// ---------------------------------------------------------------------------------------------------
// Since a baseline: report.md's section and the CI job summary of `keras-parity compare --markdown`
// ---------------------------------------------------------------------------------------------------

/** Rows shown per table: a CI job summary is read, not searched (report.json has every change). */
const MAX_CHANGE_ROWS = 50;

function baselineSection(b: ReportBaseline | undefined): string {
  if (!b) return '';
  const from = `${b.label ? `${code(b.label)}, ` : ''}${b.generatedAt}, ${b.file}`;
  return [`## Since the baseline (${from})`, '', comparisonBody(b)].join('\n');
}

/** The comparison as Markdown sized for a CI job summary: the verdict, the regressions, the fixes folded away. */
export function comparisonMarkdown(c: ReportComparison, names: { base: string; head: string }): string {
  const verdict = c.regressions ? '**REGRESSED**' : '**NO REGRESSIONS**';
  return [`## keras-parity: ${names.head} against ${names.base}`, '', `${verdict}`, '', comparisonBody(c), ''].join('\n');
}

function comparisonBody(c: ReportComparison): string {
  const changes = orderedChanges(c);
  const regressions = changes.filter((x) => x.kind !== 'fixed');
  const fixed = changes.filter((x) => x.kind === 'fixed');
  const lines = [`${comparisonHeadline(c)}. Error growth counts beyond ${c.maxUlpGrowth} ULPs and a doubling.`];
  if (c.goldenChanged) lines.push('', `Note: ${GOLDEN_CHANGED_NOTE}.`);
  if (regressions.length) lines.push('', changesTable(regressions));
  if (fixed.length) lines.push('', `<details><summary>Fixed (${fixed.length})</summary>`, '', changesTable(fixed), '', '</details>');
  return lines.join('\n');
}

/** The case of a change, `(gradient)` after a gradient's; `gradients` for a column whose gradients are gone. */
function changeCaseText(x: ReportComparison['changes'][number]): string {
  if (!x.id) return x.gradient ? 'gradients' : '';
  return caseCode({ id: x.id, gradient: x.gradient });
}

/** `` `relu/f32-7` ``, `` `relu/f32-7` (gradient) ``: caseText with the id as code. */
function caseCode(x: { id: string; gradient?: boolean }): string {
  return `${code(x.id)}${caseText({ gradient: x.gradient })}`;
}

function changesTable(changes: ReportComparison['changes']): string {
  const shown = changes.slice(0, MAX_CHANGE_ROWS);
  const rows = shown.map((x) => [KIND_NAMES[x.kind], changeCaseText(x), kerasTitle(x.keras), code(x.column), changeDetail(x)]);
  const more = changes.length - shown.length;
  const tail = more > 0 ? `\n\n…and ${more} more (report.json or the terminal output lists them all).` : '';
  return table(['change', 'case', 'Keras', 'backend', 'what'], rows) + tail;
}
