/** What every benchmark shares: deterministic inputs, shapes and the median. */
import { tensor, type Tensor } from '../src/index.js';

/** Deterministic pseudo-random values in [-1, 1) (a linear congruential generator). */
export function filled(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** A keras-parity float32 tensor of `shape` on the active backend, filled from `seed`. */
export const rand = (shape: number[], seed: number): Tensor => tensor(filled(sizeOf(shape), seed), shape);

/** A channels-last image batch shape, and its label (`1x64x64x32`). */
export const img = (n: number, h: number, w: number, c: number): number[] => [n, h, w, c];
export const label4 = (s: readonly number[]): string => s.join('x');
