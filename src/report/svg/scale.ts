/**
 * Axis scales for the report's charts: value -> pixel, with tick values at round numbers. Logarithmic
 * where the values span a decade or more (benchmark times and ratios do), linear from zero otherwise.
 */

export interface Tick {
  value: number;
  /** Pixel position along the axis. */
  pos: number;
  label: string;
}

export interface Scale {
  log: boolean;
  /** The axis' ends in data units, snapped outward to round values. */
  domain: [number, number];
  /** Pixel positions of domain[0] and domain[1]. */
  range: [number, number];
  map(value: number): number;
  ticks: Tick[];
}

export type TickFormat = (value: number) => string;

/** At most this many decade ticks; beyond it, every second (third, ...) decade. */
const MAX_DECADE_TICKS = 8;
/** Up to this many decades the log ticks are 1, 2, 5 x 10^k (else decades alone would be too few). */
const FINE_DECADES = 2;
const STEPS = [1, 2, 5];
/** How far (in decades, 0.03 = 7 %) a value may pass the end decade of a log axis before a new one opens. */
const DECADE_SLACK = 0.03;

/**
 * The scale for `values` (and any value that must show, as a target line): log when every value is
 * positive and max / min >= 10, else linear from 0. Non-finite values are ignored. A log axis covers every
 * value, give or take DECADE_SLACK.
 */
export function autoScale(values: readonly number[], range: [number, number], format: TickFormat = plainNumber): Scale {
  const finite = values.filter(Number.isFinite);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  if (finite.length && lo > 0 && hi / lo >= 10) return logScale(lo, hi, range, format);
  return linearScale(Math.min(0, lo), finite.length ? hi : 1, range, format);
}

/** Log scale over [lo, hi] (both > 0), snapped outward to 1-2-5 steps or, over many decades, to decades. */
export function logScale(lo: number, hi: number, range: [number, number], format: TickFormat = plainNumber): Scale {
  if (!(lo > 0) || !(hi >= lo)) throw new RangeError(`logScale needs 0 < lo <= hi, got [${lo}, ${hi}]`);
  const fine = Math.log10(hi / lo) <= FINE_DECADES;
  const values = fine ? fineTicks(lo, hi) : decadeTicks(lo, hi);
  const domain: [number, number] = [values[0], values[values.length - 1]];
  const [l0, l1] = [Math.log10(domain[0]), Math.log10(domain[1])];
  const map = (v: number) => range[0] + ((Math.log10(v) - l0) / (l1 - l0)) * (range[1] - range[0]);
  const shown = fine ? values : thin(values);
  return { log: true, domain, range, map, ticks: shown.map((value) => ({ value, pos: map(value), label: format(value) })) };
}

/** Linear scale over [lo, hi] with about five ticks at 1, 2, 5 x 10^k steps, the ends snapped outward. */
export function linearScale(lo: number, hi: number, range: [number, number], format: TickFormat = plainNumber): Scale {
  if (!(hi > lo)) hi = lo + (lo === 0 ? 1 : Math.abs(lo));
  const raw = (hi - lo) / 5;
  const k = Math.floor(Math.log10(raw));
  const step = round(Math.min(...STEPS.map((s) => s * 10 ** k).concat(10 ** (k + 1)).filter((s) => s >= raw)));
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const values = Array.from({ length: last - first + 1 }, (_, i) => round((first + i) * step));
  const domain: [number, number] = [values[0], values[values.length - 1]];
  const map = (v: number) => range[0] + ((v - domain[0]) / (domain[1] - domain[0])) * (range[1] - range[0]);
  return { log: false, domain, range, map, ticks: values.map((value) => ({ value, pos: map(value), label: format(value) })) };
}

/** 1, 2, 5 x 10^k from the step at or below lo to the step at or above hi; at least two. */
function fineTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let k = Math.floor(Math.log10(lo)) - 1; k <= Math.ceil(Math.log10(hi)) + 1; k++) {
    for (const s of STEPS) out.push(round(s * 10 ** k));
  }
  const start = out.filter((v) => v <= lo * (1 + 1e-9)).length - 1;
  let end = out.findIndex((v) => v >= hi * (1 - 1e-9));
  if (end === start) end++;
  return out.slice(start, end + 1);
}

/**
 * 10^k from the decade at or below lo to the one at or above hi; at least two. A value just past a
 * decade (2^20 elements is 1.05e6) does not open a decade of its own: it is drawn that little outside.
 */
function decadeTicks(lo: number, hi: number): number[] {
  const k0 = Math.floor(Math.log10(lo) + DECADE_SLACK);
  const k1 = Math.max(k0 + 1, Math.ceil(Math.log10(hi) - DECADE_SLACK));
  return Array.from({ length: k1 - k0 + 1 }, (_, i) => round(10 ** (k0 + i)));
}

/** Every n-th decade so that at most MAX_DECADE_TICKS remain, the ends kept aligned to the first. */
function thin(values: number[]): number[] {
  const every = Math.ceil(values.length / MAX_DECADE_TICKS);
  return values.filter((_, i) => i % every === 0);
}

/** Removes binary noise from 10^k and its multiples: 0.30000000000000004 -> 0.3. */
function round(v: number): number {
  return Number(v.toPrecision(12));
}

/** A tick label: the number as written, exponent form below 1e-4 or from 1e7. */
export function plainNumber(v: number): string {
  if (v !== 0 && (Math.abs(v) < 1e-4 || Math.abs(v) >= 1e7)) return v.toExponential().replace('e+', 'e');
  return String(round(v));
}

/** A count with a metric suffix, three significant digits: 500, 2k, 4.1k, 262k, 1.05M. */
export function siCount(v: number): string {
  const short = (x: number) => String(Number(x.toPrecision(3)));
  for (const [unit, size] of [['G', 1e9], ['M', 1e6], ['k', 1e3]] as const) {
    if (Math.abs(v) >= size) return `${short(v / size)}${unit}`;
  }
  return short(v);
}
