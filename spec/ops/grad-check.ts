/**
 * What the gradient specs of the ops with several inputs share: seeded draws, ops.vjp called with every
 * argument by its Keras name, JAX's check_grads on the reference, and rows of jax.vjp's values at special
 * points checked on any backend with tf.memory()'s count of tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import type { RefArray } from '../../adapters/reference/ndarray.js';
import { DEFAULT_TOLERANCE, isClose } from '../../src/golden/compare.js';
import { listBackends, setBackend, Tensor, tensor } from '../../src/index.js';
import { complexTensor } from '../../src/backend/convert.js';
import { opsFor } from '../../src/ops/api.js';

const ops = opsFor('3.15.1');
export type Kwargs = Record<string, unknown>;
export type Nested = number | Nested[];

/** The Node TF.js backends that can run here. */
export const TFJS = (await listBackends()).filter((b) => b.name.startsWith('tfjs-') && b.available).map((b) => b.name);

/** Seeded uniforms in [0, 1) (mulberry32): the same draws on every run. */
function uniformStream(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Seeded standard normals (Box-Muller). */
export function normals(count: number, seed: number): Float64Array {
  const uniform = uniformStream(seed);
  return Float64Array.from({ length: count }, () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform()));
}

export function uniforms(count: number, seed: number, lo: number, hi: number): Float64Array {
  const uniform = uniformStream(seed);
  return Float64Array.from({ length: count }, () => lo + (hi - lo) * uniform());
}

/**
 * A float64 array as the reference's forward functions read an input (values() takes any typed array as
 * float64): float64 forms of the ops.
 */
export const ref = (data: Float64Array, shape: number[]): RefArray => ({
  data: data as unknown as RefArray['data'],
  shape,
  dtype: 'float32',
});

const shapeOf = (v: Nested): number[] => (Array.isArray(v) ? [v.length, ...shapeOf(v[0])] : []);
const flat = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);

/** A tensor argument of a row: float32 (differentiated) or int32 (not). */
export class Arg {
  constructor(
    readonly dtype: 'float32' | 'int32',
    readonly values: Nested,
  ) {}
  tensor(): Tensor {
    const data = this.dtype === 'float32' ? Float32Array.from(flat(this.values)) : Int32Array.from(flat(this.values));
    return tensor(data, shapeOf(this.values), this.dtype);
  }
}
export const f32 = (v: Nested) => new Arg('float32', v);

/** Row-major values of `shape` as nested arrays. */
export function nest(x: ArrayLike<number>, shape: readonly number[]): Nested {
  if (!shape.length) return x[0];
  const step = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0] }, (_, i) => nest(Array.from(x).slice(i * step, (i + 1) * step), shape.slice(1)));
}
export const i32 = (v: Nested) => new Arg('int32', v);

/**
 * ops.vjp of `op` with every argument by name, pulled back along one cotangent per output (of its shape):
 * each float input's gradient, flat. Every tensor the call made is released, and must be: tf.memory()
 * counts as many tensors after as before.
 */
export function pullback(op: string, args: Kwargs, cotangents: ArrayLike<number>[]): Record<string, number[]> {
  const before = tf.memory().numTensors;
  const made = Object.entries(args).map(([k, v]) => [k, v instanceof Arg ? v.tensor() : v] as const);
  const [y, pull] = ops.vjp(op, [], Object.fromEntries(made));
  const outputs = Array.isArray(y) ? y : [y];
  // A complex64 output (polar's) takes a complex64 cotangent, given interleaved [re0, im0, ...].
  const cts = outputs.map((o, i) => {
    const data = Float32Array.from(cotangents[i]);
    return o.dtype === 'complex64' ? complexTensor(data, o.shape) : tensor(data, o.shape, 'float32');
  });
  const grads = pull(cts.length === 1 ? cts[0] : cts);
  const got = Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, Array.from(g.dataSync())]));
  for (const t of [...made.map(([, v]) => v), ...outputs, ...cts, ...Object.values(grads)]) if (t instanceof Tensor) t.dispose();
  pull.dispose();
  expect(tf.memory().numTensors, 'tensors left by the vjp').to.equal(before);
  return got;
}

/** One special point: the op, its arguments and keywords, a cotangent per output, jax.vjp's gradients by name. */
export type Row = [op: string, args: Kwargs, kwargs: Kwargs, cotangents: Nested[], want: Record<string, Nested>];

/** Each gradient within Keras's float32 tolerance of jax.vjp's, NaN only for NaN and inf only for inf. */
export function expectRow([op, args, kwargs, cotangents, want]: Row): void {
  const got = pullback(op, { ...args, ...kwargs }, cotangents.map(flat));
  expect(Object.keys(got).sort(), 'the gradients').to.deep.equal(Object.keys(want).sort());
  for (const [name, w] of Object.entries(want)) {
    const close = (wi: number, i: number) => isClose(got[name][i], wi, DEFAULT_TOLERANCE.float32);
    const bad = flat(w).flatMap((wi, i) => (close(wi, i) ? [] : [`${name}[${i}] ${got[name][i]} for ${wi}`]));
    expect(bad, bad.join('; ')).to.deep.equal([]);
  }
}

export const rowTitle = ([op, args, kwargs]: Row): string =>
  `${op}(${Object.entries({ ...args, ...kwargs }).map(([k, v]) => `${k}=${JSON.stringify(v instanceof Arg ? v.values : v)}`).join(', ')})`;

/** A float32 input to differentiate: its values and shape. */
export type Input = [values: Float64Array, shape: number[]];

/**
 * JAX's check_grads in float64: for a random direction v of every differentiated input and a random
 * cotangent g of every output, <pullback(g), v> against <g, (f(x + eps v) - f(x - eps v)) / (2 eps)>, f
 * the op's float64 form `f64` (the inputs' values by name, the outputs flat).
 *
 * Tolerance: with eps = 2^-20 the difference's truncation (eps^2 |f'''| / 6) and float64 rounding
 * (2^-53 |f| / eps) stay below 1e-9; what the check measures is the rule's own float32 error. A rule takes
 * float32 steps and sums of up to K terms, each result within K ulp (2^-24) of the sum of its terms'
 * magnitudes; on the well-conditioned draws here (no variance near 0, no clip bound, no cancelling
 * mean) those stay within a small factor of |dx_i| + max|g|. 16 K ulp of that, summed along |v|, bounds
 * it; a wrong factor or sign is off by far more.
 */
const EPS = 2 ** -20;
const ULP = 2 ** -24;

export function checkGrads(
  op: string,
  fixed: Kwargs,
  inputs: Record<string, Input>,
  f64: (x: Record<string, Float64Array>) => Float64Array[],
  seed: number,
  k: number,
) {
  const names = Object.keys(inputs);
  // The float32 inputs the rule reads, which f64 is differentiated at.
  const x0 = Object.fromEntries(names.map((n) => [n, Float64Array.from(Float32Array.from(inputs[n][0]))]));
  const at = (sign: number, v: Record<string, Float64Array>) =>
    f64(Object.fromEntries(names.map((n) => [n, x0[n].map((xi, i) => xi + sign * EPS * (v[n]?.[i] ?? 0))])));
  const outputs = at(0, {});
  const g = outputs.map((o, j) => Float32Array.from(normals(o.length, seed + j)));
  const v = Object.fromEntries(names.map((n, i) => [n, normals(x0[n].length, seed + 10 + i)]));
  const args = Object.fromEntries(names.map((n) => [n, tensor(Float32Array.from(x0[n]), inputs[n][1], 'float32')]));
  const dx = pullback(op, { ...fixed, ...args }, g);
  for (const t of Object.values(args)) t.dispose();
  const [plus, minus] = [at(1, v), at(-1, v)];
  const pushed = g.reduce((sum, gj, j) => sum + gj.reduce((s, gl, l) => s + (gl * (plus[j][l] - minus[j][l])) / (2 * EPS), 0), 0);
  const gMax = g.reduce((m, gj) => gj.reduce((a, b) => Math.max(a, Math.abs(b)), m), 0);
  let pulled = 0;
  let scale = 0;
  for (const n of names) {
    v[n].forEach((vi, i) => {
      pulled += dx[n][i] * vi;
      scale += Math.abs(vi) * (Math.abs(dx[n][i]) + gMax);
    });
  }
  expect(Number.isFinite(pulled), 'a finite gradient').to.equal(true);
  expect(Math.abs(pulled - pushed), `<dx, v> = ${pulled}, central difference ${pushed}`).to.be.at.most(16 * k * ULP * scale);
}

/**
 * On each Node TF.js backend (or those of `backends`): jax.vjp's values at the special points, and each
 * check_grads draw's gradient (for its seeded cotangent) against the reference's, which the central
 * differences checked.
 */
export function describeOnTfjs<D extends { title: string }>(
  draws: readonly D[],
  gradient: (draw: D, seed: number) => number[],
  rows: readonly Row[],
  backends: readonly string[] = TFJS,
): void {
  const onReference = new Map<string, number[]>();
  for (const backend of backends) {
    describe(`on ${backend}`, () => {
      before(async () => {
        if (!onReference.size) {
          await setBackend('reference');
          draws.forEach((draw, n) => onReference.set(draw.title, gradient(draw, 17 * n)));
        }
        await setBackend(backend);
      });
      after(() => setBackend('reference'));

      describe("at the special points: jax.vjp's values", () => {
        for (const row of rows) it(rowTitle(row), () => expectRow(row));
      });

      describe("the check_grads draws, for seeded cotangents: the reference's gradients", () => {
        draws.forEach((draw, n) => {
          it(draw.title, () => {
            const [got, want] = [gradient(draw, 17 * n), onReference.get(draw.title)!];
            const bad = want.flatMap((w, i) => (isClose(got[i], w, DEFAULT_TOLERANCE.float32) ? [] : [`[${i}] ${got[i]} for ${w}`]));
            expect(bad, bad.join('; ')).to.deep.equal([]);
          });
        });
      });
    });
  }
}
