/**
 * How a series looks in every chart: a colour from the Okabe-Ito palette (told apart with the common
 * colour-vision deficiencies) and a marker shape, so a series never depends on colour alone.
 */

export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond' | 'down' | 'cross';

export interface SeriesStyle {
  name: string;
  color: string;
  marker: MarkerShape;
  dashed?: boolean;
}

const PALETTE = ['#E69F00', '#0072B2', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#7F6A00'];
const SHAPES: MarkerShape[] = ['circle', 'square', 'triangle', 'diamond', 'down'];

/** The style of the i-th series (a backend, in the bench's order, so one backend looks alike everywhere). */
export function seriesStyle(name: string, i: number): SeriesStyle {
  return { name, color: PALETTE[i % PALETTE.length]!, marker: SHAPES[i % SHAPES.length]! };
}

/** Keras on JAX, the yardstick: black, dashed, a cross. */
export function yardstickStyle(name: string): SeriesStyle {
  return { name, color: '#1b1f24', marker: 'cross', dashed: true };
}

/** A marker centred on (x, y), radius about r. */
export function marker(shape: MarkerShape, x: number, y: number, color: string, r = 3.6): string {
  const p = (pts: Array<[number, number]>) =>
    `<polygon points="${pts.map(([a, b]) => `${f(x + a * r)},${f(y + b * r)}`).join(' ')}" fill="${color}"/>`;
  switch (shape) {
    case 'circle':
      return `<circle cx="${f(x)}" cy="${f(y)}" r="${f(r)}" fill="${color}"/>`;
    case 'square':
      return `<rect x="${f(x - r * 0.9)}" y="${f(y - r * 0.9)}" width="${f(r * 1.8)}" height="${f(r * 1.8)}" fill="${color}"/>`;
    case 'triangle':
      return p([[0, -1.15], [1.1, 0.8], [-1.1, 0.8]]);
    case 'down':
      return p([[0, 1.15], [1.1, -0.8], [-1.1, -0.8]]);
    case 'diamond':
      return p([[0, -1.25], [1.1, 0], [0, 1.25], [-1.1, 0]]);
    case 'cross':
      return (
        `<path d="M${f(x - r)},${f(y - r)}L${f(x + r)},${f(y + r)}M${f(x - r)},${f(y + r)}L${f(x + r)},${f(y - r)}" ` +
        `stroke="${color}" stroke-width="2"/>`
      );
  }
}

/** A pixel coordinate with one decimal: small markup, no float noise. */
export function f(v: number): string {
  return String(Math.round(v * 10) / 10);
}
