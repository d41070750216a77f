/**
 * The Performance section of report.md: the numbers the HTML report plots, as tables (no images):
 * median time per call per op, size and backend; the adapter's overhead over raw TF.js; reference /
 * tfjs-cpu on conv2d; each backend against Keras on JAX where measured.
 */
import { formatMs, formatRatio, formatRatioRange, formatUs } from '../benchfile/format.js';
import { OVERHEAD_TARGET, overheadMet } from '../benchfile/model.js';
import {
  BENCH_MACHINE_LEAD, benchMachine, benchView, kerasJaxOthers, kerasJaxRatios, kerasJaxVersions, kerasMark, provenance,
  type BenchView, type RunConditions,
} from './bench-view.js';
import { code, table } from './md-text.js';
import type { ReportBench } from './model.js';
import { siCount } from './svg/scale.js';

/** The section, or '' when the report has no benchmark results; `run`: the conformance run's machine and backends, to compare with. */
export function performanceMarkdown(bench: ReportBench | undefined, run?: RunConditions): string {
  if (!bench) return '';
  const data = bench.data;
  const view = benchView(data);
  const times = view.ops.flatMap((o) =>
    o.sizes.map((s) => [
      code(o.op),
      code(s.size),
      siCount(s.elements),
      ...s.results.map((r) => (!r ? 'not run' : r.medianMs === null ? 'skipped' : formatMs(r.medianMs))),
      ...(view.hasKerasJax ? [s.kerasJaxMs === undefined ? '–' : formatMs(s.kerasJaxMs) + kerasMark(s, view.keras)] : []),
    ]),
  );
  const skipped = data.results.filter((r) => r.skipped).map((r) => `- ${r.backend}, ${r.op} ${r.size}: ${r.skipped}`);
  const parts = [
    '## Performance',
    '',
    `From ${code(bench.source)} (\`npm run bench\`, ${provenance(data)}). Times: ${data.method.statistic}. ` +
      'The HTML report plots these numbers.',
    '',
    machineMarkdown(bench, run),
    '',
    '### Median ms per call',
    '',
    table(['op', 'size', 'elements', ...view.backends.map(code), ...(view.hasKerasJax ? [view.kerasJax] : [])], times),
  ];
  if (skipped.length) parts.push('', 'Not timed:', '', ...skipped);
  parts.push('', overhead(bench), '', reference(bench), '', kerasJax(bench, view));
  return parts.join('\n');
}

function machineMarkdown(bench: ReportBench, run: RunConditions | undefined): string {
  const m = benchMachine(bench.data, run);
  const verdict = m.differs ? `**${m.verdict}**` : m.verdict;
  return [`${verdict} ${BENCH_MACHINE_LEAD}`, '', ...m.lines.map(([k, v]) => `- ${k}: ${v}`)].join('\n');
}

function overhead(bench: ReportBench): string {
  const rows = bench.data.ratios.adapterOverhead;
  const head = `### Adapter overhead over raw TF.js (targets: ≤ ${OVERHEAD_TARGET.ratio}× for large inputs, ≤ ${OVERHEAD_TARGET.usPerCall} µs added per call below ${siCount(OVERHEAD_TARGET.smallElements)} elements)`;
  if (!rows.length) return `${head}\n\nNot measured: no TF.js backend ran.`;
  const body = rows.map((r) => [
    code(r.op),
    code(r.size),
    code(r.backend),
    formatMs(r.oursMs),
    formatMs(r.rawMs),
    formatRatio(r.ratio),
    formatRatioRange(r.ratioQuartiles),
    formatRatio(r.control?.ratio),
    formatUs(r.overheadUsPerCall),
    overheadMet(r) ? 'met' : '**missed**',
  ]);
  const columns = ['op', 'size', 'backend', 'keras-parity ms', 'raw TF.js ms', 'ratio', 'middle half of sample ratios', 'raw / raw (A/A)', 'added µs/call', 'target'];
  return [head, '', table(columns, body)].join('\n');
}

function reference(bench: ReportBench): string {
  const rows = bench.data.ratios.referenceOverTfjsCpuConv2d;
  const head = '### reference / tfjs-cpu on conv2d (target: ≤ 1×)';
  if (!rows.length) return `${head}\n\nNot measured.`;
  const body = rows.map((r) => [code(r.size), formatMs(r.referenceMs), formatMs(r.tfjsCpuMs), formatRatio(r.ratio), r.note ?? '']);
  return [head, '', table(['size', 'reference ms', 'tfjs-cpu ms', 'ratio', 'note'], body)].join('\n');
}

function kerasJax(bench: ReportBench, view: BenchView): string {
  const head = `### Against ${view.kerasJax} (backend time / Keras time; below 1× is faster)`;
  const note = bench.data.kerasJax.note;
  if (!view.hasKerasJax) return `${head}\n\nNot measured${note ? `: ${note}` : '.'}`;
  const body = view.ops.flatMap((o) =>
    o.sizes.map((s) => [code(o.op), code(s.size), formatMs(s.kerasJaxMs) + kerasMark(s, view.keras), ...kerasJaxRatios(s).map(formatRatio)]),
  );
  const lines = [head, ''];
  const versions = kerasJaxVersions(bench.data);
  const about = [versions && `Timed by ${versions}.`, kerasJaxOthers(view), note ?? ''].filter(Boolean);
  if (about.length) lines.push(about.join(' '), '');
  lines.push(table(['op', 'size', `${view.kerasJax} ms`, ...view.backends.map((b) => `${code(b)} / Keras`)], body));
  return lines.join('\n');
}
