/**
 * The report's Performance section (HTML), from the bench.json embedded in report.json: per op, time
 * per call against input size on every backend; the adapter's overhead over raw TF.js against its 1.05x
 * target; reference / tfjs-cpu on conv2d; and, where measured, each backend against Keras on JAX.
 * Each plot is inline SVG (./svg/) followed by a table of the same numbers: the text alternative, and
 * what a printout keeps.
 */
import { formatMs, formatRatio, formatRatioRange, formatUs } from '../benchfile/format.js';
import { OVERHEAD_TARGET, overheadMet, type AdapterOverhead, type BenchFile } from '../benchfile/model.js';
import {
  BENCH_MACHINE_LEAD, benchMachine, benchView, kerasJaxName, kerasJaxOthers, kerasJaxRatios, kerasJaxVersions, kerasMark, opKeras, provenance,
  type BenchView, type OpTimes, type RunConditions,
} from './bench-view.js';
import { esc } from './escape.js';
import type { ReportBench } from './model.js';
import { barChart, type BarGroup } from './svg/bar-chart.js';
import { lineChart, type LineSeries } from './svg/line-chart.js';
import { siCount } from './svg/scale.js';
import { seriesStyle, yardstickStyle, type SeriesStyle } from './svg/style.js';

const TARGET_COLOR = '#b3261e';
const PARITY_COLOR = '#57606a';

/** The section's HTML; empty when the report has no benchmark results. `run`: the conformance run's machine and backends, to compare with. */
export function performanceSection(bench: ReportBench | undefined, run?: RunConditions): string {
  if (!bench) return '';
  const data = bench.data;
  const view = benchView(data);
  const styleOf = (name: string) => seriesStyle(name, Math.max(0, view.backends.indexOf(name)));
  return [
    '<section aria-labelledby="h-perf" id="performance">',
    '<h2 id="h-perf">Performance</h2>',
    `<p class="meta">From <code>${esc(bench.source)}</code> (<code>npm run bench</code>, ${esc(provenance(data))}). ` +
      `Times: ${esc(data.method.statistic)}.</p>`,
    machinePart(bench, run),
    timesPart(view, styleOf),
    overheadPart(data.ratios.adapterOverhead, styleOf),
    referencePart(data, styleOf),
    kerasJaxPart(data, view, styleOf),
    '</section>',
  ].join('\n');
}

/** The bench's machine and backend settings, and whether they are the conformance run's. */
function machinePart(bench: ReportBench, run: RunConditions | undefined): string {
  const m = benchMachine(bench.data, run);
  const verdict = m.differs ? `<strong>${esc(m.verdict)}</strong>` : esc(m.verdict);
  const items = m.lines.map(([k, v]) => `<li>${esc(k)}: ${esc(v)}</li>`).join('');
  return `<p class="meta" id="perf-machine">${verdict} ${esc(BENCH_MACHINE_LEAD)}</p><ul class="notes">${items}</ul>`;
}

// ---------------------------------------------------------------------------------------------------
// Time per call against size
// ---------------------------------------------------------------------------------------------------

function timesPart(view: BenchView, styleOf: (name: string) => SeriesStyle): string {
  const figures = view.ops.map((o, i) => opFigure(o, i, view, styleOf)).join('\n');
  const skipped = view.ops.flatMap((o) =>
    o.sizes.flatMap((s) =>
      s.results.flatMap((r, k) => (r?.skipped ? [`${view.backends[k]}, ${o.op} ${s.size}: ${r.skipped}`] : [])),
    ),
  );
  return (
    '<h3 class="perf-h">Median time per call against input size</h3>' +
    '<p>One chart per op: the median time of one call on each backend (read-back of the result included) at ' +
    'three input sizes, the size being the element count of the op\u2019s largest input. Lower is faster.' +
    (view.hasKerasJax ? ' The dashed black line is Keras on JAX, the same call, in the version its legend names.' : '') +
    '</p>' +
    `<div class="charts">\n${figures}\n</div>` +
    (skipped.length
      ? `<p class="muted">Not timed: </p><ul class="notes">${skipped.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>`
      : '')
  );
}

function opFigure(o: OpTimes, i: number, view: BenchView, styleOf: (name: string) => SeriesStyle): string {
  const series: LineSeries[] = view.backends.map((b, k) => ({
    style: styleOf(b),
    points: o.sizes.map((s) => {
      const r = s.results[k];
      const ms = r?.medianMs ?? null;
      return { x: s.elements, y: ms, note: `${b}, ${s.size}: ${ms === null ? (r?.skipped ? 'skipped' : 'not run') : `${formatMs(ms)} ms`}` };
    }),
  }));
  const keras = opKeras(o, view);
  const kerasJax = kerasJaxName(keras);
  if (view.hasKerasJax) {
    series.push({
      style: yardstickStyle(kerasJax),
      points: o.sizes.map((s) => ({
        x: s.elements,
        y: s.kerasJaxMs ?? null,
        note: `${kerasJax}, ${s.size}: ${s.kerasJaxMs === undefined ? 'not measured' : `${formatMs(s.kerasJaxMs)} ms${kerasMark(s, keras)}`}`,
      })),
    });
  }
  const svg = lineChart({
    id: `perf-t${i}`,
    title: `${o.op}: median time per call`,
    description:
      `Line chart: median milliseconds per call of ${o.op} against input size (elements) on ` +
      `${series.map((s) => s.style.name).join(', ')}. The table after it lists the values.`,
    xLabel: 'input size (elements)',
    yLabel: 'ms per call',
    xFormat: siCount,
    series,
  });
  const head = ['size', 'elements', ...view.backends, ...(view.hasKerasJax ? [kerasJax] : [])];
  const rows = o.sizes.map((s) => {
    const cells = s.results.map((r) =>
      !r ? '<td class="num muted">not run</td>'
        : r.medianMs === null ? `<td class="num muted" title="${esc(r.skipped ?? '')}">skipped</td>`
          : `<td class="num">${esc(formatMs(r.medianMs))}</td>`,
    );
    if (view.hasKerasJax) {
      cells.push(`<td class="num">${s.kerasJaxMs === undefined ? '<span class="muted">\u2014</span>' : esc(formatMs(s.kerasJaxMs) + kerasMark(s, keras))}</td>`);
    }
    return `<tr><th scope="row"><code>${esc(s.size)}</code></th><td class="num">${esc(siCount(s.elements))}</td>${cells.join('')}</tr>`;
  });
  return (
    `<figure class="plot" id="perf-op-${i}">${svg}` +
    table(`${o.op}: median ms per call`, head, rows, 'perf-table') +
    '</figure>'
  );
}

// ---------------------------------------------------------------------------------------------------
// Ratios
// ---------------------------------------------------------------------------------------------------

function overheadPart(rows: AdapterOverhead[], styleOf: (name: string) => SeriesStyle): string {
  const heading = '<h3 class="perf-h">Adapter overhead over raw TF.js</h3>';
  if (!rows.length) return `${heading}<p class="muted">Not measured: no TF.js backend ran.</p>`;
  const backends = [...new Set(rows.map((r) => r.backend))];
  const groups = groupBy(rows, (r) => `${r.op}\u0000${r.size}`).map(
    (g): BarGroup => ({
      label: g[0]!.op,
      sublabel: g[0]!.size,
      bars: g.map((r) => ({
        series: backends.indexOf(r.backend),
        value: r.ratio,
        note: `${r.backend}, ${r.op} ${r.size}: ${formatRatio(r.ratio)} (${formatMs(r.oursMs)} ms / ${formatMs(r.rawMs)} ms)`,
      })),
    }),
  );
  const svg = barChart({
    id: 'perf-overhead',
    title: 'Adapter overhead: keras-parity call / raw TF.js call',
    description:
      `Bar chart: per op, size and TF.js backend, the time of the keras-parity call divided by the same raw TF.js ` +
      `call on the same tensors, with the ${OVERHEAD_TARGET.ratio}x target as a line. The table after it lists the values.`,
    xLabel: 'time ratio (\u00d7)',
    series: backends.map(styleOf),
    groups,
    lines: [{ value: OVERHEAD_TARGET.ratio, label: `target ${OVERHEAD_TARGET.ratio}\u00d7`, color: TARGET_COLOR }],
    base: 1,
    valueLabel: formatRatio,
  });
  const head = ['op', 'size', 'backend', 'keras-parity ms', 'raw TF.js ms', 'ratio', 'middle half of sample ratios', 'raw / raw (A/A)', 'added \u00b5s per call', 'target'];
  const body = rows.map((r) => {
    const small = r.elements < OVERHEAD_TARGET.smallElements;
    const target = small ? `\u2264 ${OVERHEAD_TARGET.usPerCall} \u00b5s` : `\u2264 ${OVERHEAD_TARGET.ratio}\u00d7`;
    const met = overheadMet(r);
    return (
      `<tr><th scope="row"><code>${esc(r.op)}</code></th><td><code>${esc(r.size)}</code></td><td><code>${esc(r.backend)}</code></td>` +
      `<td class="num">${esc(formatMs(r.oursMs))}</td><td class="num">${esc(formatMs(r.rawMs))}</td>` +
      `<td class="num">${esc(formatRatio(r.ratio))}</td>` +
      `<td class="num">${esc(formatRatioRange(r.ratioQuartiles))}</td><td class="num">${esc(formatRatio(r.control?.ratio))}</td>` +
      `<td class="num">${esc(formatUs(r.overheadUsPerCall))}</td>` +
      `<td><span class="tag ${met ? 'ok' : 'failed'}">${met ? 'met' : 'missed'}</span> ${esc(target)}</td></tr>`
    );
  });
  return (
    heading +
    '<p>keras-parity\u2019s call divided by the same TF.js op called directly on the same tensors, timed interleaved, ' +
    'each read back and disposed (<code>data({dispose: true})</code>; TF.js\u2019s <code>data()</code>, then <code>dispose()</code>); ' +
    'the ratio is of the two medians, and the middle half shows how far the ratio of one sample pair strays. ' +
    'The A/A column times the raw call against itself in the same rounds: the ratio two identical calls give on this machine. ' +
    `Targets: at most ${OVERHEAD_TARGET.ratio}\u00d7 for large inputs (the red line), at most ` +
    `${OVERHEAD_TARGET.usPerCall} \u00b5s added per call below ${siCount(OVERHEAD_TARGET.smallElements)} elements.</p>` +
    `<figure class="plot wide" id="perf-overhead-fig">${svg}` +
    table('Adapter overhead per op, size and backend', head, body, 'perf-table nowrap') +
    '</figure>'
  );
}

function referencePart(data: BenchFile, styleOf: (name: string) => SeriesStyle): string {
  const rows = data.ratios.referenceOverTfjsCpuConv2d;
  const heading = '<h3 class="perf-h">reference / tfjs-cpu on conv2d</h3>';
  if (!rows.length) return `${heading}<p class="muted">Not measured.</p>`;
  const name = 'reference / tfjs-cpu';
  const svg = barChart({
    id: 'perf-refcpu',
    title: 'conv2d: reference time / tfjs-cpu time',
    description:
      'Bar chart: per conv2d size, the pure TypeScript reference\u2019s time divided by tfjs-cpu\u2019s, timed ' +
      'interleaved, with the target 1x as a line. The table after it lists the values.',
    xLabel: 'time ratio (\u00d7)',
    series: [{ ...styleOf('reference'), name }],
    groups: rows.map((r) => ({
      label: 'conv2d',
      sublabel: r.size,
      bars: [{ series: 0, value: r.ratio, note: `${r.size}: ${r.ratio === null ? r.note ?? 'not measured' : formatRatio(r.ratio)}` }],
    })),
    lines: [{ value: 1, label: 'target \u2264 1\u00d7', color: TARGET_COLOR }],
    base: 1,
    valueLabel: formatRatio,
  });
  const head = ['size', 'reference ms', 'tfjs-cpu ms', 'ratio', 'runs', 'note'];
  const body = rows.map(
    (r) =>
      `<tr><th scope="row"><code>${esc(r.size)}</code></th><td class="num">${esc(formatMs(r.referenceMs))}</td>` +
      `<td class="num">${esc(formatMs(r.tfjsCpuMs))}</td><td class="num">${esc(formatRatio(r.ratio))}</td>` +
      `<td class="num">${esc(r.runs ?? '-')}</td><td>${esc(r.note ?? '')}</td></tr>`,
  );
  return (
    heading +
    '<p>The reference adapter (pure TypeScript, float64 accumulation) against TF.js\u2019s JavaScript kernels on ' +
    'conv2d, the two timed call by call on the same inputs. Target: at most 1\u00d7.</p>' +
    `<figure class="plot wide" id="perf-refcpu-fig">${svg}` +
    table('reference / tfjs-cpu, conv2d', head, body, 'perf-table nowrap') +
    '</figure>'
  );
}

function kerasJaxPart(data: BenchFile, view: BenchView, styleOf: (name: string) => SeriesStyle): string {
  const kerasJax = view.kerasJax;
  const heading = `<h3 class="perf-h">Against ${esc(kerasJax)}</h3>`;
  if (!view.hasKerasJax) {
    return `${heading}<p class="muted">Not measured${data.kerasJax.note ? `: ${esc(data.kerasJax.note)}` : '.'}</p>`;
  }
  const sizes = view.ops.flatMap((o) => o.sizes.map((s) => ({ op: o.op, s, ratios: kerasJaxRatios(s) })));
  const groups = sizes
    .filter((x) => x.s.kerasJaxMs !== undefined)
    .map(
      (x): BarGroup => ({
        label: x.op,
        sublabel: x.s.size + kerasMark(x.s, view.keras),
        bars: x.ratios.map((v, k) => ({
          series: k,
          value: v,
          note: `${view.backends[k]}, ${x.op} ${x.s.size}: ${v === null ? 'no time' : formatRatio(v)}`,
        })),
      }),
    );
  const versions = kerasJaxVersions(data);
  const others = kerasJaxOthers(view);
  const svg = barChart({
    id: 'perf-keras',
    title: `Backend time / ${kerasJax} time`,
    description:
      `Bar chart: per op and size, each backend\u2019s median time divided by ${kerasJax}\u2019s for the same call; ` +
      'below 1 is faster than Keras. The table after it lists the values.',
    xLabel: 'time ratio (\u00d7)',
    series: view.backends.map(styleOf),
    groups,
    lines: [{ value: 1, label: `as fast as ${kerasJax}`, color: PARITY_COLOR }],
    base: 1,
    valueLabel: formatRatio,
  });
  const head = ['op', 'size', `${kerasJax} ms`, ...view.backends.map((b) => `${b} / Keras`)];
  const body = sizes.map(
    (x) =>
      `<tr><th scope="row"><code>${esc(x.op)}</code></th><td><code>${esc(x.s.size)}</code></td>` +
      `<td class="num">${esc(formatMs(x.s.kerasJaxMs) + kerasMark(x.s, view.keras))}</td>` +
      x.ratios.map((v) => `<td class="num">${esc(formatRatio(v))}</td>`).join('') +
      '</tr>',
  );
  return (
    heading +
    `<p>Each backend\u2019s median time divided by ${esc(kerasJax)}\u2019s for the same call` +
    `${versions ? ` (${esc(versions)})` : ''}; below 1\u00d7 is faster than Keras.${others ? ` ${esc(others)}` : ''}` +
    `${data.kerasJax.note ? ` ${esc(data.kerasJax.note)}` : ''}</p>` +
    `<figure class="plot wide" id="perf-keras-fig">${svg}` +
    table(`Backend / ${kerasJax} time ratios`, head, body, 'perf-table nowrap') +
    '</figure>'
  );
}

// ---------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------

function table(caption: string, head: string[], rows: string[], cls: string): string {
  return (
    `<table class="list ${cls}"><caption>${esc(caption)}</caption><thead><tr>` +
    head.map((h) => `<th scope="col">${esc(h)}</th>`).join('') +
    `</tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

/** Items grouped by key, groups in order of first appearance. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups.values()];
}
