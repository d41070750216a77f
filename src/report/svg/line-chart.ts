/**
 * A line chart as inline SVG: one line with markers per series over numeric x, a missing point breaks
 * its line. Axes are logarithmic where the values span a decade (./scale.ts).
 */
import { esc } from '../escape.js';
import { axisLabel, legend, open, tickLabelWidth, xAxis, yAxis, type ChartText } from './frame.js';
import { autoScale, plainNumber, type TickFormat } from './scale.js';
import { f, marker, type SeriesStyle } from './style.js';

export interface LinePoint {
  x: number;
  /** null: no value at this x (skipped, failed): the line breaks here. */
  y: number | null;
  /** Hover text of the marker. */
  note: string;
}

export interface LineSeries {
  style: SeriesStyle;
  points: LinePoint[];
}

export interface LineChart extends ChartText {
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  xFormat?: TickFormat;
  yFormat?: TickFormat;
  width?: number;
  height?: number;
}

export function lineChart(chart: LineChart): string {
  const width = chart.width ?? 520;
  const plotHeight = (chart.height ?? 300) - 110;
  const points = chart.series.flatMap((s) => s.points);
  const ys = points.map((p) => p.y).filter((y): y is number => y !== null);
  const top = 30;
  const bottom = top + plotHeight;
  const y = autoScale(ys, [bottom, top], chart.yFormat ?? plainNumber);
  const left = 30 + Math.max(24, tickLabelWidth(y));
  const right = width - 16;
  const x = autoScale(points.map((p) => p.x), [left + 10, right - 10], chart.xFormat ?? plainNumber);
  const key = legend(chart.series.map((s) => s.style), left, bottom + 44, right - left, true);
  const height = bottom + 48 + key.height;
  const lines = chart.series.map((s, i) => seriesMarkup(s, i, x.map, y.map)).join('');
  return (
    open(chart, width, height) +
    yAxis(y, left, right, axisLabel(chart.yLabel, y)) +
    xAxis(x, bottom, top, axisLabel(chart.xLabel, x)) +
    `<g class="series">${lines}</g>` +
    key.svg +
    '</svg>'
  );
}

/** The series' line segments (runs of consecutive points with a value) and its markers. */
function seriesMarkup(s: LineSeries, i: number, mx: (v: number) => number, my: (v: number) => number): string {
  const runs: string[][] = [[]];
  const marks: string[] = [];
  for (const p of s.points) {
    if (p.y === null) {
      runs.push([]);
      continue;
    }
    const [px, py] = [mx(p.x), my(p.y)];
    runs[runs.length - 1]!.push(`${f(px)},${f(py)}`);
    marks.push(`<g class="pt">${marker(s.style.marker, px, py, s.style.color)}<title>${esc(p.note)}</title></g>`);
  }
  const dash = s.style.dashed ? ' stroke-dasharray="6 3"' : '';
  const paths = runs
    .filter((r) => r.length > 1)
    .map((r) => `<polyline points="${r.join(' ')}" fill="none" stroke="${s.style.color}" stroke-width="2"${dash}/>`)
    .join('');
  return `<g class="line" data-series="${i}">${paths}${marks.join('')}</g>`;
}
