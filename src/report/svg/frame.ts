/**
 * What every chart has: the <svg> element (inline in HTML, so no namespace and nothing that looks like a
 * URL) with its accessible name and description, a visible title,
 * axes with ticks, grid lines and labels, and a legend. All text goes through `esc`; element ids come
 * from the caller (built from indices, never from data).
 */
import { esc } from '../escape.js';
import type { Scale } from './scale.js';
import { f, marker, type SeriesStyle } from './style.js';

export const FONT = 11;
const GRID = '#e3e6ea';
const AXIS = '#57606a';

/** Roughly how wide `text` is at `size` px in a sans-serif font: enough to lay out labels and legends. */
export function textWidth(text: string, size = FONT): number {
  return text.length * size * 0.62;
}

export interface ChartText {
  /** Element id prefix, unique in the page. */
  id: string;
  title: string;
  /** What the chart shows, for screen readers (the table beside it holds the numbers). */
  description: string;
}

/** The opening of a chart: <svg> sized by its viewBox, <title> and <desc>, the visible title. */
export function open(text: ChartText, width: number, height: number): string {
  return (
    `<svg class="chart" viewBox="0 0 ${f(width)} ${f(height)}" ` +
    `width="${f(width)}" height="${f(height)}" role="img" aria-labelledby="${text.id}-t ${text.id}-d" ` +
    `font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="${FONT}">` +
    `<title id="${text.id}-t">${esc(text.title)}</title><desc id="${text.id}-d">${esc(text.description)}</desc>` +
    `<text x="8" y="18" font-size="13" font-weight="600" fill="#1b1f24">${esc(text.title)}</text>`
  );
}

/** A horizontal axis at y = `at`, grid lines up to `top`, its label centred below. */
export function xAxis(scale: Scale, at: number, top: number, label: string): string {
  const [x0, x1] = scale.range;
  const ticks = scale.ticks
    .map(
      (t) =>
        `<line x1="${f(t.pos)}" y1="${f(top)}" x2="${f(t.pos)}" y2="${f(at)}" stroke="${GRID}"/>` +
        `<line x1="${f(t.pos)}" y1="${f(at)}" x2="${f(t.pos)}" y2="${f(at + 4)}" stroke="${AXIS}"/>` +
        `<text class="tick" x="${f(t.pos)}" y="${f(at + 15)}" text-anchor="middle" fill="${AXIS}">${esc(t.label)}</text>`,
    )
    .join('');
  return (
    `<g class="axis x">${ticks}<line x1="${f(x0)}" y1="${f(at)}" x2="${f(x1)}" y2="${f(at)}" stroke="${AXIS}"/>` +
    `<text class="axis-label" x="${f((x0 + x1) / 2)}" y="${f(at + 32)}" text-anchor="middle" fill="#1b1f24">${esc(label)}</text></g>`
  );
}

/** A vertical axis at x = `at`, grid lines across to `right`, its label turned along it. */
export function yAxis(scale: Scale, at: number, right: number, label: string): string {
  const [y0, y1] = scale.range;
  const ticks = scale.ticks
    .map(
      (t) =>
        `<line x1="${f(at)}" y1="${f(t.pos)}" x2="${f(right)}" y2="${f(t.pos)}" stroke="${GRID}"/>` +
        `<line x1="${f(at - 4)}" y1="${f(t.pos)}" x2="${f(at)}" y2="${f(t.pos)}" stroke="${AXIS}"/>` +
        `<text class="tick" x="${f(at - 7)}" y="${f(t.pos + 3.5)}" text-anchor="end" fill="${AXIS}">${esc(t.label)}</text>`,
    )
    .join('');
  const mid = (y0 + y1) / 2;
  return (
    `<g class="axis y">${ticks}<line x1="${f(at)}" y1="${f(y0)}" x2="${f(at)}" y2="${f(y1)}" stroke="${AXIS}"/>` +
    `<text class="axis-label" transform="translate(14 ${f(mid)}) rotate(-90)" text-anchor="middle" fill="#1b1f24">${esc(label)}</text></g>`
  );
}

/** An axis label that says when its scale is logarithmic. */
export function axisLabel(label: string, scale: Scale): string {
  return scale.log ? `${label}, log scale` : label;
}

/** The widest tick label of a scale, for the margin beside a vertical axis. */
export function tickLabelWidth(scale: Scale): number {
  return Math.max(0, ...scale.ticks.map((t) => textWidth(t.label)));
}

/** A legend swatch: the series' line (dashed or not) through its marker. */
function swatch(style: SeriesStyle, x: number, y: number, line: boolean): string {
  const stroke = line
    ? `<line x1="${f(x)}" y1="${f(y)}" x2="${f(x + 22)}" y2="${f(y)}" stroke="${style.color}" stroke-width="2"` +
      `${style.dashed ? ' stroke-dasharray="5 3"' : ''}/>`
    : `<rect x="${f(x + 4)}" y="${f(y - 5)}" width="14" height="10" fill="${style.color}"/>`;
  return stroke + (line ? marker(style.marker, x + 11, y, style.color) : '');
}

/**
 * The legend: one item per series, laid out in rows within `width` from (x, y). `line` draws line
 * swatches (line charts), else filled boxes (bar charts). Returns the markup and its height.
 */
export function legend(
  styles: readonly SeriesStyle[],
  x: number,
  y: number,
  width: number,
  line: boolean,
): { svg: string; height: number } {
  const ROW = 16;
  const items: string[] = [];
  let cx = x;
  let cy = y + ROW / 2;
  for (const s of styles) {
    const w = 28 + textWidth(s.name) + 14;
    if (cx > x && cx + w > x + width) {
      cx = x;
      cy += ROW;
    }
    items.push(
      `<g class="legend-item">${swatch(s, cx, cy, line)}` +
        `<text x="${f(cx + 28)}" y="${f(cy + 3.5)}" fill="#1b1f24">${esc(s.name)}</text></g>`,
    );
    cx += w;
  }
  const height = styles.length ? cy - y + ROW / 2 : 0;
  return { svg: `<g class="legend">${items.join('')}</g>`, height };
}

/** A labelled reference line across the plot at data value `value` of a vertical-valued (x) scale. */
export function verticalLine(scale: Scale, value: number, top: number, bottom: number, label: string, color: string): string {
  const x = scale.map(value);
  return (
    `<g class="refline"><line x1="${f(x)}" y1="${f(top)}" x2="${f(x)}" y2="${f(bottom)}" stroke="${color}" ` +
    `stroke-width="1.5" stroke-dasharray="6 3"/>` +
    `<text x="${f(x + 4)}" y="${f(top + 10)}" fill="${color}" font-weight="600">${esc(label)}</text></g>`
  );
}
