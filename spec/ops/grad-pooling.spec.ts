/**
 * The pools' backward rules through ops.vjp, checked two ways: on the reference against central
 * differences of each pool's float64 form (JAX's check_grads, a witness that knows nothing of the rules)
 * on inputs without ties, and at ties, NaN, infinities, padding, subnormals and overlapping windows against
 * jax.vjp of Keras on JAX, run live: the reference to the bit, each Node TF.js backend within Keras's
 * float32 tolerance (TF.js keeps the subnormal cotangents XLA reads as 0), every vjp leaving tf.memory()
 * as it was.
 */
import { expect } from 'chai';
import { sizeOf, stridesOf } from '../../adapters/reference/ndarray.js';
import { ulpDistance } from '../../src/golden/compare.js';
import { KerasTypeError, opsFor, setBackend, tensor } from '../../src/index.js';
import type { Padding } from '../../src/ops/args.js';
import { adaptiveWindows, type AdaptiveWindow } from '../../src/ops/pooling.js';
import { windowOutputLength, windowPads } from '../../src/ops/shapes.js';
import { expectKerasError } from '../helpers.js';
import { checkGrads, f32, normals, pullback, rowTitle, describeOnTfjs, type Input, type Kwargs, type Nested, type Row } from './grad-check.js';

const inf = Infinity;

/** The cells of one output position along a spatial dim; a span past the input's end reads jnp.take's fill. */
type Span = Pick<AdaptiveWindow, 'start' | 'size' | 'inside'>;

/**
 * A pool in float64 of x of `shape`: each output cell reduces the input cells its spans cover (one span
 * list per spatial dim, one span per output position); a fill is a constant, 0 here.
 */
function pool64(x: Float64Array, shape: number[], channelsLast: boolean, spans: Span[][], reduce: (cells: number[]) => number): Float64Array {
  const first = channelsLast ? 1 : 2;
  const spatial = (a: number) => a >= first && a < first + spans.length;
  const outShape = shape.map((n, a) => (spatial(a) ? spans[a - first].length : n));
  const [inStrides, outStrides] = [stridesOf(shape), stridesOf(outShape)];
  return Float64Array.from({ length: sizeOf(outShape) }, (_, o) => {
    const at = outShape.map((n, a) => Math.floor(o / outStrides[a]) % n);
    const cellSpans = at.map((i, a) => (spatial(a) ? spans[a - first][i] : { start: i, size: 1, inside: true }));
    if (cellSpans.some((s) => !s.inside)) return 0;
    const offsets = cellSpans.reduce<number[]>(
      (acc, { start, size }, a) => acc.flatMap((off) => Array.from({ length: size }, (_, t) => off + (start + t) * inStrides[a])),
      [0],
    );
    return reduce(offsets.map((i) => x[i]));
  });
}

/** max_pool's and average_pool's spans along a dim of n: each window's real cells. */
function poolSpans(n: number, k: number, s: number, padding: Padding): Span[] {
  const [before] = windowPads(n, k, s, 1, padding);
  return Array.from({ length: windowOutputLength(n, k, s, 1, padding)! }, (_, o) => {
    const [lo, hi] = [Math.max(o * s - before, 0), Math.min(o * s - before + k, n)];
    return { start: lo, size: hi - lo, inside: true };
  });
}

const max = (cells: number[]) => Math.max(...cells);
const mean = (cells: number[]) => cells.reduce((a, b) => a + b, 0) / cells.length;

/**
 * Distinct values 0.25 apart (and a little noise), shuffled: no window holds a tie, so a nudge of eps |v|
 * leaves every max where it is.
 */
function untied(shape: number[], seed: number): Input {
  const n = sizeOf(shape);
  const rank = normals(n, seed);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => rank[a] - rank[b]);
  const noise = normals(n, seed + 1);
  return [Float64Array.from(order, (r, i) => 0.25 * (r - n / 2) + 0.01 * noise[i]), shape];
}

/** One call to check: its float64 form, and how many shares a cell adds at most (check_grads' K). */
interface Draw {
  title: string;
  op: string;
  kwargs: Kwargs;
  input: Input;
  f64: (x: Record<string, Float64Array>) => Float64Array[];
  shares: number;
}

const spatialOf = (shape: number[], channelsLast: boolean) => (channelsLast ? shape.slice(1, -1) : shape.slice(2));

/** max_pool and average_pool of one geometry; a cell adds the shares of ceil(k / s) windows along each dim. */
function poolDraws(shape: number[], k: number[], s: number[], padding: Padding, dataFormat: string, seed: number): Draw[] {
  const channelsLast = dataFormat === 'channels_last';
  const spans = spatialOf(shape, channelsLast).map((n, d) => poolSpans(n, k[d], s[d], padding));
  const title = `${k.join('x')} by ${s.join('x')}, ${padding}, ${dataFormat}, of ${shape.join('x')}`;
  return ([['max_pool', max], ['average_pool', mean]] as const).map(([op, reduce]) => ({
    title: `${op} ${title}`,
    op,
    kwargs: { pool_size: k, strides: s, padding, data_format: dataFormat },
    input: untied(shape, seed),
    f64: ({ inputs }) => [pool64(inputs, shape, channelsLast, spans, reduce)],
    shares: k.reduce((p, kd, d) => p * Math.ceil(kd / s[d]), 1),
  }));
}

/** The adaptive pools of one geometry; a cell adds the shares of up to out / n + 2 windows along each dim. */
function adaptiveDraws(shape: number[], outputSize: number[], dataFormat: string, seed: number): Draw[] {
  const channelsLast = dataFormat === 'channels_last';
  const spatial = spatialOf(shape, channelsLast);
  const spans = spatial.map((n, d) => adaptiveWindows(n, outputSize[d]));
  return ([['adaptive_max_pool', max], ['adaptive_average_pool', mean]] as const).map(([op, reduce]) => ({
    title: `${op} to ${outputSize.join('x')}, ${dataFormat}, of ${shape.join('x')}`,
    op,
    kwargs: { output_size: outputSize, data_format: dataFormat },
    input: untied(shape, seed),
    f64: ({ inputs }) => [pool64(inputs, shape, channelsLast, spans, reduce)],
    shares: spatial.reduce((p, n, d) => p * (Math.ceil(outputSize[d] / n) + 2), 1),
  }));
}

const DRAWS: Draw[] = [
  ...poolDraws([2, 9, 3], [3], [2], 'valid', 'channels_last', 1),
  ...poolDraws([1, 2, 7], [3], [1], 'same', 'channels_first', 2),
  ...poolDraws([2, 6, 5, 2], [3, 2], [2, 1], 'same', 'channels_last', 3),
  ...poolDraws([1, 2, 4, 5], [2, 2], [1, 1], 'valid', 'channels_first', 4),
  ...poolDraws([1, 5, 4, 3], [2, 3], [3, 2], 'same', 'channels_last', 5),
  ...poolDraws([1, 3, 4, 5, 2], [2, 2, 2], [2, 2, 2], 'same', 'channels_last', 6),
  ...poolDraws([1, 2, 4, 5, 3], [2, 3, 2], [1, 2, 1], 'valid', 'channels_first', 7),
  ...adaptiveDraws([2, 7, 3], [3], 'channels_last', 8),
  // 7 to 14 has a window past the end (jnp.take's fill).
  ...adaptiveDraws([1, 2, 7], [14], 'channels_first', 9),
  ...adaptiveDraws([1, 7, 4, 2], [14, 3], 'channels_last', 10),
  ...adaptiveDraws([1, 2, 3, 4, 5], [2, 4, 3], 'channels_first', 11),
];

/** Row-major values of `shape` as nested arrays. */
function nest(x: ArrayLike<number>, shape: number[]): Nested {
  if (!shape.length) return x[0];
  const step = sizeOf(shape.slice(1));
  return Array.from({ length: shape[0] }, (_, i) => nest(Array.from(x).slice(i * step, (i + 1) * step), shape.slice(1)));
}

/** A draw's gradient on the active backend for seeded cotangents. */
function drawGradient({ op, kwargs, input: [x, shape], f64 }: Draw, seed: number): number[] {
  const cotangent = normals(f64({ inputs: x })[0].length, seed);
  return pullback(op, { ...kwargs, inputs: f32(nest(x, shape)) }, [cotangent]).inputs;
}

/** Values of shape (1, n, 1): one example, one channel. */
const col = (v: number[]): Nested => [v.map((e) => [e])];

// jax.vjp of Keras 3.15.1 on JAX 0.10.2, each row printed by
//   KERAS_BACKEND=jax .venv/keras-3.15.1/bin/python -c "import jax, jax.numpy as jnp, keras;
//     x = jnp.array(X, 'float32'); y, pb = jax.vjp(lambda v: keras.ops.OP(v, **KWARGS), x);
//     print(pb(jnp.array(CT, 'float32'))[0].tolist())"
// with the row's X, KWARGS (tuples for lists) and CT. Keras 3.6.0 on JAX 0.4.34 gives the same for the
// pools it has but at the row that says otherwise.
const AT_SPECIAL_POINTS: Row[] = [
  // select_and_scatter with >=: the first of tied cells keeps a window's cotangent, a NaN is >= nothing so
  // the cell after it takes it, and a NaN that ends its window keeps it.
  ['max_pool', { inputs: f32(col([5, NaN, NaN, 5, NaN, NaN, -inf, NaN, 1, 1])) }, { pool_size: 2, strides: 2 }, [col([1, 1, 1, 1, 1])], { inputs: col([0, 1, 0, 1, 0, 1, 0, 1, 1, 0]) }],
  ['max_pool', { inputs: f32(col([1, NaN, 0, NaN, 1, 2, 2, NaN, NaN])) }, { pool_size: 3, strides: 3 }, [col([1, 1, 1])], { inputs: col([0, 0, 1, 0, 0, 1, 0, 0, 1]) }],
  ['max_pool', { inputs: f32(col([1, 1, 1, 1])) }, { pool_size: 3, strides: 1 }, [col([1.5, 2.5])], { inputs: col([1.5, 2.5, 0, 0]) }],
  // -0 and 0 tie; XLA reads a subnormal as 0, so 1e-40, 2e-40 tie too.
  ['max_pool', { inputs: f32(col([0, -0, 0])) }, { pool_size: 2, strides: 1 }, [col([1, 2])], { inputs: col([1, 2, 0]) }],
  ['max_pool', { inputs: f32(col([1e-40, 2e-40, -1e-40, 0])) }, { pool_size: 2, strides: 2 }, [col([1, 2])], { inputs: col([1, 0, 2, 0]) }],
  // 'same' padding is -inf in the window: where it comes first among -inf cells, it takes the cotangent
  // and nothing comes back; after a NaN, the next cell, padding or not.
  ['max_pool', { inputs: f32(col([-inf, -inf, -inf])) }, { pool_size: 3, strides: 1, padding: 'same' }, [col([1, 2, 4])], { inputs: col([2, 4, 0]) }],
  ['max_pool', { inputs: f32(col([-inf, -inf, -inf, -inf])) }, { pool_size: 3, strides: 2, padding: 'same' }, [col([1, 2])], { inputs: col([1, 0, 2, 0]) }],
  ['max_pool', { inputs: f32(col([-inf])) }, { pool_size: 3, strides: 1, padding: 'same' }, [col([1])], { inputs: col([0]) }],
  ['max_pool', { inputs: f32(col([NaN, -inf, -inf])) }, { pool_size: 3, strides: 1, padding: 'same' }, [col([1, 2, 4])], { inputs: col([0, 7, 0]) }],
  // A cell's shares add in float32 in output order: (1 + 1e8) - 1e8 is 0, (-1e8 + 1e8) + 1 is 1.
  ['max_pool', { inputs: f32(col([0, 0, 5, 0, 0])) }, { pool_size: 3, strides: 1 }, [col([1, 1e8, -1e8])], { inputs: col([0, 0, 0, 0, 0]) }],
  ['max_pool', { inputs: f32(col([0, 0, 5, 0, 0])) }, { pool_size: 3, strides: 1 }, [col([-1e8, 1e8, 1])], { inputs: col([0, 0, 1, 0, 0]) }],
  ['max_pool', { inputs: f32(col([0, 5, 0, 0])) }, { pool_size: 2, strides: 1 }, [col([inf, -inf, NaN])], { inputs: col([0, NaN, NaN, 0]) }],
  // XLA adds a subnormal cotangent as 0, but for a one-element cotangent, which it keeps.
  ['max_pool', { inputs: f32(col([1, 2])) }, { pool_size: 2, strides: 2 }, [col([1e-40])], { inputs: col([0, 1e-40]) }],
  ['max_pool', { inputs: f32(col([1, 2, 3, 4])) }, { pool_size: 2, strides: 2 }, [col([1e-40, 3e-40])], { inputs: col([0, 0, 0, 0]) }],
  // Windows are scanned in row-major order.
  ['max_pool', { inputs: f32([[[[0, 2], [2, 0]]]]) }, { pool_size: 2, strides: 2, data_format: 'channels_first' }, [[[[[1]]]]], { inputs: [[[[0, 1], [0, 0]]]] }],
  ['max_pool', { inputs: f32([[[[1], [1], [2]], [[2], [1], [1]], [[0], [2], [0]]]]) }, { pool_size: 2, strides: 1 }, [[[[[1], [2]], [[4], [8]]]]], { inputs: [[[[0], [0], [2]], [[5], [0], [0]], [[0], [8], [0]]]] }],
  // 'same' divides by the real cells: a border cell gets 1/2 + 1/3.
  ['average_pool', { inputs: f32(col([0, 0, 0])) }, { pool_size: 3, strides: 1, padding: 'same' }, [col([1, 1, 1])], { inputs: col([0.8333333730697632, 1.3333333730697632, 0.8333333730697632]) }],
  ['average_pool', { inputs: f32(col([0, 0, 0, 0])) }, { pool_size: 3, strides: 2, padding: 'same' }, [col([1, 2])], { inputs: col([0.3333333432674408, 0.3333333432674408, 1.3333333730697632, 1]) }],
  ['average_pool', { inputs: f32(col([0, 0, 0, 0, 0])) }, { pool_size: 2, strides: 3 }, [col([1, 2])], { inputs: col([0.5, 0.5, 0, 1, 1]) }],
  ['average_pool', { inputs: f32(col([0, 5, 0, 0])) }, { pool_size: 2, strides: 1 }, [col([inf, -inf, NaN])], { inputs: col([inf, NaN, NaN, NaN]) }],
  // 1e-38 / 2 is subnormal: 0.
  ['average_pool', { inputs: f32(col([0, 0, 0, 0])) }, { pool_size: 2, strides: 2 }, [col([2.4e-38, 1e-38])], { inputs: col([1.199999978106707e-38, 1.199999978106707e-38, 0, 0]) }],
  // XLA divides by a broadcast divisor as a product with its reciprocal (Keras 3.6.0's JAX divides here,
  // 0.43333330750465393), by an unbroadcast one, a one-element output's, exactly.
  ['average_pool', { inputs: f32([[[0, 0], [0, 0], [0, 0]]]) }, { pool_size: 3, strides: 3, padding: 'same' }, [[[[1.3, 1.3]]]], { inputs: [[[0.4333333373069763, 0.4333333373069763], [0.4333333373069763, 0.4333333373069763], [0.4333333373069763, 0.4333333373069763]]] }],
  ['average_pool', { inputs: f32(col([0, 0, 0])) }, { pool_size: 3, strides: 3 }, [col([1.3])], { inputs: col([0.43333330750465393, 0.43333330750465393, 0.43333330750465393]) }],
  // Each output's window from the small or the big pool; 7 to 14's last window runs past the end (NaN,
  // jnp.take's fill) and passes nothing back.
  ['adaptive_max_pool', { inputs: f32(col([1, 1, 1, 1, 1, 1, 1])) }, { output_size: 14 }, [col([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])], { inputs: col([3, 7, 11, 15, 19, 23, 13]) }],
  ['adaptive_max_pool', { inputs: f32(col([1, NaN, 1, 3, NaN, 2, 1])) }, { output_size: 3 }, [col([1, 2, 3])], { inputs: col([0, 0, 1, 0, 2, 3, 0]) }],
  ['adaptive_max_pool', { inputs: f32(col([2, 2, 2, 2, 2])) }, { output_size: 3 }, [col([1, 2, 3])], { inputs: col([1, 2, 0, 3, 0]) }],
  ['adaptive_max_pool', { inputs: f32([[[[1, 5, 1, 1], [5, 5, NaN, 0], [-inf, -inf, 0, 0]]]]) }, { output_size: [2, 3], data_format: 'channels_first' }, [[[[[1, 2, 4], [8, 16, 32]]]]], { inputs: [[[[0, 0, 0, 4], [9, 0, 2, 32], [0, 0, 16, 0]]]] }],
  ['adaptive_average_pool', { inputs: f32(col([1, 1, 1, 1, 1, 1, 1])) }, { output_size: 14 }, [col([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])], { inputs: col([3, 7, 8, 18, 19, 17, 19]) }],
  ['adaptive_average_pool', { inputs: f32(col([2, 2, 2, 2, 2])) }, { output_size: 3 }, [col([1, 2, 3])], { inputs: col([0.5, 1.1666667461395264, 0.6666666865348816, 2.1666667461395264, 1.5]) }],
  ['adaptive_average_pool', { inputs: f32([[[[0], [0], [0], [0]], [[0], [0], [0], [0]], [[0], [0], [0], [0]]]]) }, { output_size: [2, 3] }, [[[[[1], [2], [4]], [[8], [16], [32]]]]], { inputs: [[[[0.25], [0.75], [1.5], [1]], [[2.25], [6.75], [13.5], [9]], [[2], [6], [12], [8]]]] }],
];

/** Every gradient jax.vjp's to the bit (NaN only for NaN, -0 and 0 alike). */
function expectExactly([op, args, kwargs, cotangents, want]: Row): void {
  const flat = (v: Nested) => ([v] as unknown[]).flat(Infinity) as number[];
  const got = pullback(op, { ...args, ...kwargs }, cotangents.map(flat)).inputs;
  const bad = flat(want.inputs).flatMap((w, i) => (ulpDistance(got[i], Math.fround(w)) === 0 ? [] : [`[${i}] ${got[i]} for ${w}`]));
  expect(bad, bad.join('; ')).to.deep.equal([]);
}

describe('pooling gradients', () => {
  describe('on the reference, against central differences of float64 forms (check_grads)', () => {
    before(() => setBackend('reference'));
    DRAWS.forEach(({ title, op, kwargs, input, f64, shares }, n) => {
      it(title, () => checkGrads(op, kwargs, { inputs: input }, f64, 13 * n, shares));
    });
  });

  describe("at ties, NaN, infinities, padding and subnormals, on the reference: jax.vjp's values to the bit", () => {
    before(() => setBackend('reference'));
    for (const row of AT_SPECIAL_POINTS) it(rowTitle(row), () => expectExactly(row));

    it("follows each Keras version's names: 3.6.0 has max_pool and average_pool, not the adaptive pools", () => {
      const ops = opsFor('3.6.0');
      const [, pull] = ops.vjp('max_pool', [tensor(Float32Array.of(1, 1, 1, 1), [1, 4, 1], 'float32')], { pool_size: 3, strides: 1 });
      expect(Array.from(pull([[[1.5], [2.5]]]).inputs.dataSync())).to.deep.equal([1.5, 2.5, 0, 0]);
      expectKerasError(() => ops.vjp('adaptive_max_pool', [[[[1]]], 1]), KerasTypeError, /^Unknown op: adaptive_max_pool \(adaptive_max_pool came in Keras 3\.13\)/);
    });
  });

  describeOnTfjs(DRAWS, drawGradient, AT_SPECIAL_POINTS);
});
