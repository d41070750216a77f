/**
 * The steps of a backward rule as XLA on CPU takes them, for the rules that broadcast and reduce
 * (normalization, losses): arrays of float32 values with numpy's broadcasting, each elementwise step
 * stored in float32 (subnormals flushed), so an overflow (1e30 squared), an underflow or an inf * 0 lands
 * where JAX's does; a sum accumulates in float64 and rounds once, which XLA's float32 sum in its own order
 * approaches within the tolerances tools/golden/grad_tolerances.py derives.
 */
import { flush } from '../activations.js';
import { broadcastTo, fromValues, reductionPlan, sizeOf, stridesOf, values, walkStrided, type RefArray } from '../ndarray.js';

const f32 = Math.fround;
export const store = (v: number): number => flush(f32(v));

/** float32 values in row-major order, of `shape`. */
export interface Arr {
  readonly v: Float64Array;
  readonly shape: readonly number[];
}

/** An input as XLA reads it (a subnormal is 0), in `shape` (its own by default: a reshape moves nothing). */
export const arr = (a: RefArray, shape: readonly number[] = a.shape): Arr => ({ v: values(a).map(flush), shape });

/** The gradient of `like`: its shape and dtype. */
export const toRef = (a: Arr, like: RefArray): RefArray => fromValues(a.v, like.shape, like.dtype);

/** The inputs a pullback differentiates. */
export type Wrt = readonly string[];

/** The gradients asked for (`wrt`), each in its input's shape and dtype. */
export function requested<K extends string>(grads: Partial<Record<K, Arr | null>>, like: Partial<Record<K, RefArray | null>>, wrt: Wrt) {
  const asked = Object.entries(grads).filter(([name, g]) => g && like[name as K] && wrt.includes(name)) as [K, Arr][];
  return Object.fromEntries(asked.map(([name, g]) => [name, toRef(g, like[name]!)])) as Partial<Record<K, RefArray>>;
}

export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const at = (s: readonly number[], d: number) => s[d - rank + s.length] ?? 1;
  return Array.from({ length: rank }, (_, d) => (at(a, d) === 1 ? at(b, d) : at(a, d)));
}

export const map = (a: Arr, f: (x: number) => number): Arr => ({ v: a.v.map((x) => store(f(x))), shape: a.shape });

/** f of both, broadcast to their common shape, each result stored. */
export function zip(a: Arr, b: Arr, f: (x: number, y: number) => number): Arr {
  const shape = broadcastShapes(a.shape, b.shape);
  const [x, y] = [broadcastTo(a.v, a.shape, shape), broadcastTo(b.v, b.shape, shape)];
  return { v: x.map((xi, i) => store(f(xi, y[i]))), shape };
}

export const mul = (x: number, y: number): number => x * y;
export const add = (x: number, y: number): number => x + y;
export const div = (x: number, y: number): number => x / y;

/** A reduction over `axes`, kept as size-1 dims. */
export function reduceOver(a: Arr, axes: readonly number[], combine: (acc: number, x: number) => number, init: number): Arr {
  const { outer, inner } = reductionPlan(a.shape, axes);
  const v = Float64Array.from(outer, (base) => store(inner.reduce((acc, off) => combine(acc, a.v[base + off]), init)));
  return { v, shape: a.shape.map((d, i) => (axes.includes(i) ? 1 : d)) };
}

export const sumOver = (a: Arr, axes: readonly number[]): Arr => reduceOver(a, axes, add, 0);

/** The transpose of a broadcast to a.shape: `a` summed back to `shape` (numpy's rules: leading and size-1 dims). */
export function sumTo(a: Arr, shape: readonly number[]): Arr {
  const lead = a.shape.length - shape.length;
  const strides = stridesOf(shape);
  const steps = a.shape.map((_, d) => (d < lead || shape[d - lead] === 1 ? 0 : strides[d - lead]));
  const sums = new Float64Array(sizeOf(shape));
  walkStrided(a.shape, steps, (i, offset) => {
    sums[offset] += a.v[i];
  });
  return { v: sums.map(store), shape };
}

/** lax.abs's transpose: select(x >= 0, g, -g); NaN takes -g. */
export const absT = (g: number, x: number): number => (x >= 0 ? g : -g);

/** x / y's cotangent for a broadcast y, before the sum back to y: JAX transposes its jvp -(g x) y**-2 as -((g * (1 / (y * y))) * x). */
export const divisorT = (g: Arr, x: Arr, y: Arr): Arr =>
  zip(zip(g, y, (gi, yi) => gi * store(1 / store(yi * yi))), x, (p, xi) => -(p * xi));

/** lax.rsqrt's jvp factor at x, ans = rsqrt(x): -0.5 * (ans / x). */
export const rsqrtSlope = (ans: number, x: number): number => -0.5 * store(ans / x);
