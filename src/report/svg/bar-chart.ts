/**
 * A horizontal grouped bar chart as inline SVG: one group per row label (an op at a size), one bar per
 * series in it, each bar's value written at its end, dashed reference lines (a target) across. The value
 * axis is logarithmic where the values span a decade (./scale.ts). Bars grow from a base value: 1 for
 * ratios (a bar left of it is faster, right of it slower), else the axis' minimum (log) or zero (linear).
 */
import { esc } from '../escape.js';
import { axisLabel, legend, open, textWidth, verticalLine, xAxis, type ChartText } from './frame.js';
import { autoScale, plainNumber, type TickFormat } from './scale.js';
import { f, type SeriesStyle } from './style.js';

export interface Bar {
  /** Index into the chart's series. */
  series: number;
  value: number | null;
  /** Hover text. */
  note: string;
}

export interface BarGroup {
  label: string;
  /** A second, smaller line under the label (the size). */
  sublabel?: string;
  bars: Bar[];
}

export interface ReferenceLine {
  value: number;
  label: string;
  color: string;
}

export interface BarChart extends ChartText {
  xLabel: string;
  series: SeriesStyle[];
  groups: BarGroup[];
  lines?: ReferenceLine[];
  /** The value written at a bar's end. */
  valueLabel: (v: number) => string;
  /** Where bars start; default: the axis' minimum on a log axis, 0 on a linear one. */
  base?: number;
  tickFormat?: TickFormat;
  width?: number;
}

const BAR = 9;
const BAR_GAP = 2;
const GROUP_GAP = 10;
const LABEL_MAX = 250;

export function barChart(chart: BarChart): string {
  const width = chart.width ?? 760;
  const labelWidth = Math.min(
    LABEL_MAX,
    16 + Math.max(40, ...chart.groups.map((g) => Math.max(textWidth(g.label, 11.5), textWidth(g.sublabel ?? '', 10)))),
  );
  const left = labelWidth;
  const right = width - 60;
  const top = 46;
  const heights = chart.groups.map((g) => Math.max(28, g.bars.length * (BAR + BAR_GAP) - BAR_GAP));
  const bottom = top + heights.reduce((a, h) => a + h + GROUP_GAP, 0);
  const values = chart.groups.flatMap((g) => g.bars.map((b) => b.value)).filter((v): v is number => v !== null);
  const lines = chart.lines ?? [];
  // Room for the value written left of a bar that grows leftwards.
  const leftward = chart.base !== undefined && values.some((v) => v < chart.base!);
  const shown = [...values, ...lines.map((l) => l.value * 1.1), ...(chart.base !== undefined ? [chart.base] : [])];
  const x = autoScale(shown, [left + (leftward ? 46 : 0), right], chart.tickFormat ?? plainNumber);
  const base = chart.base ?? (x.log ? x.domain[0] : 0);
  let y = top + GROUP_GAP / 2;
  const groups = chart.groups.map((g, i) => {
    const markup = group(chart, g, i, y, heights[i]!, left, labelWidth, (v) => x.map(v), x.map(base));
    y += heights[i]! + GROUP_GAP;
    return markup;
  });
  const refs = lines.map((l) => verticalLine(x, l.value, top - 14, bottom, l.label, l.color)).join('');
  const key = legend(chart.series, left, bottom + 42, right - left, false);
  const height = bottom + 46 + key.height;
  return (
    open(chart, width, height) +
    xAxis(x, bottom, top, axisLabel(chart.xLabel, x)) +
    `<g class="bars">${groups.join('')}</g>` +
    refs +
    key.svg +
    '</svg>'
  );
}

function group(
  chart: BarChart,
  g: BarGroup,
  i: number,
  y: number,
  height: number,
  left: number,
  labelWidth: number,
  map: (v: number) => number,
  x0: number,
): string {
  const shade = i % 2 ? '' : `<rect x="0" y="${f(y - GROUP_GAP / 2)}" width="${f(left)}" height="${f(height + GROUP_GAP)}" fill="#f6f8fa"/>`;
  const label =
    `<text x="8" y="${f(y + (g.sublabel ? 11 : height / 2 + 4))}" font-weight="600" font-size="11.5" fill="#1b1f24">` +
    `${esc(clip(g.label, labelWidth - 16, 11.5))}<title>${esc(g.label)}</title></text>` +
    (g.sublabel
      ? `<text x="8" y="${f(y + 24)}" font-size="10" fill="#57606a">${esc(clip(g.sublabel, labelWidth - 16, 10))}` +
        `<title>${esc(g.sublabel)}</title></text>`
      : '');
  const top = y + (height - (g.bars.length * (BAR + BAR_GAP) - BAR_GAP)) / 2;
  const bars = g.bars
    .map((b, k) => {
      const style = chart.series[b.series]!;
      const by = top + k * (BAR + BAR_GAP);
      if (b.value === null) {
        return `<text x="${f(x0 + 4)}" y="${f(by + BAR - 1)}" font-size="9.5" fill="#57606a">n/a<title>${esc(b.note)}</title></text>`;
      }
      const end = map(b.value);
      const [a, e] = [Math.min(x0, end), Math.max(x0, end)];
      const text = end < x0 ? `x="${f(a - 3)}" text-anchor="end"` : `x="${f(e + 3)}"`;
      return (
        `<g class="bar"><rect x="${f(a)}" y="${f(by)}" width="${f(Math.max(1, e - a))}" height="${BAR}" fill="${style.color}"/>` +
        `<text ${text} y="${f(by + BAR - 1)}" font-size="9.5" fill="#1b1f24">${esc(chart.valueLabel(b.value))}</text>` +
        `<title>${esc(b.note)}</title></g>`
      );
    })
    .join('');
  return `<g class="group">${shade}${label}${bars}</g>`;
}

/** Text cut with an ellipsis to fit `width` px. */
function clip(text: string, width: number, size: number): string {
  if (textWidth(text, size) <= width) return text;
  const keep = Math.max(1, Math.floor(width / textWidth('0', size)) - 1);
  return `${text.slice(0, keep)}\u2026`;
}
