/**
 * The patch ops' backward rules through ops.vjp, checked two ways: on the reference against central
 * differences of each op's float64 form (JAX's check_grads; every patch op is a linear move of values,
 * written here as its (output, input) index pairs, knowing nothing of the rules), and at NaN, infinities,
 * -0, subnormals, padding and overlapping windows against jax.vjp of Keras on JAX, run live: the reference
 * to the bit (-0 apart from 0), each Node TF.js backend within Keras's float32 tolerance (TF.js keeps the
 * subnormals XLA flushes), every vjp leaving tf.memory() as it was.
 */
import { expect } from 'chai';
import { sizeOf } from '../../adapters/reference/ndarray.js';
import { setBackend } from '../../src/index.js';
import { checkGrads, f32, normals, pullback, rowTitle, describeOnTfjs, type Kwargs, type Nested, type Row } from './grad-check.js';

const inf = Infinity;
type Pair = [number, number];

/** [output offset, input offset] of every value a move carries; an output of several pairs adds them. */
type Move = Pair[];

/** unfold's move of x [n, c, h, w]: tap (i, j) of block (a, b) reads (a*sH + i*dH - pH, b*sW + j*dW - pW). */
function unfoldMove([n, c, h, w]: number[], k: Pair, d: Pair, s: Pair, p: Pair): { move: Move; out: number[] } {
  const blocks = [h, w].map((len, i) => Math.floor((len + 2 * p[i] - d[i] * (k[i] - 1) - 1) / s[i]) + 1);
  const [taps, length] = [k[0] * k[1], blocks[0] * blocks[1]];
  const move: Move = [];
  for (let plane = 0; plane < n * c; plane++) {
    for (let t = 0; t < taps; t++) {
      for (let l = 0; l < length; l++) {
        const y = Math.floor(l / blocks[1]) * s[0] + Math.floor(t / k[1]) * d[0] - p[0];
        const x = (l % blocks[1]) * s[1] + (t % k[1]) * d[1] - p[1];
        if (y >= 0 && y < h && x >= 0 && x < w) move.push([(plane * taps + t) * length + l, (plane * h + y) * w + x]);
      }
    }
  }
  return { move, out: [n, c * taps, length] };
}

/** depth_to_space's move of x: channels read as (bH, bW, C) channels-last, (C, bH, bW) channels-first. */
function depthToSpaceMove(shape: number[], bs: number, channelsLast: boolean): { move: Move; out: number[] } {
  const [n, h, w, channels] = channelsLast ? shape : [shape[0], shape[2], shape[3], shape[1]];
  const depth = channels / (bs * bs);
  const out = channelsLast ? [n, h * bs, w * bs, depth] : [n, depth, h * bs, w * bs];
  const move: Move = [];
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < depth; c++) {
      for (let y = 0; y < h * bs; y++) {
        for (let x = 0; x < w * bs; x++) {
          const [i, j] = [y % bs, x % bs];
          const [row, col] = [Math.floor(y / bs), Math.floor(x / bs)];
          const from = channelsLast
            ? ((b * h + row) * w + col) * channels + (i * bs + j) * depth + c
            : ((b * channels + (c * bs + i) * bs + j) * h + row) * w + col;
          const to = channelsLast ? ((b * h * bs + y) * w * bs + x) * depth + c : ((b * depth + c) * h * bs + y) * w * bs + x;
          move.push([to, from]);
        }
      }
    }
  }
  return { move, out };
}

const swapped = (move: Move): Move => move.map(([o, i]) => [i, o]);

/** A move in float64. */
const apply = (move: Move, size: number) => (x: Float64Array) => {
  const out = new Float64Array(size);
  for (const [o, i] of move) out[o] += x[i];
  return out;
};

/** One call to check: its move, and how many values an input's gradient adds at most (check_grads' K). */
interface Draw {
  title: string;
  op: string;
  kwargs: Kwargs;
  shape: number[];
  f64: (x: Float64Array) => Float64Array;
  k: number;
}

function unfoldDraw(shape: number[], k: Pair, d: Pair, s: Pair, p: Pair): Draw {
  const { move, out } = unfoldMove(shape, k, d, s, p);
  const kwargs = { kernel_size: k, dilation: d, stride: s, padding: p };
  const overlap = k.reduce((m, ki, i) => m * Math.ceil((d[i] * (ki - 1) + 1) / s[i]), 1);
  return { title: `unfold ${JSON.stringify(kwargs)} of ${shape.join('x')}`, op: 'unfold', kwargs, shape, f64: apply(move, sizeOf(out)), k: overlap };
}

/** fold to output_size (with this padding, whose windows end within it): unfold's move reversed. */
function foldDraw([n, c, oh, ow]: number[], k: Pair, d: Pair, s: Pair, p: Pair): Draw {
  const { move, out } = unfoldMove([n, c, oh, ow], k, d, s, p);
  const kwargs = { output_size: [oh, ow], kernel_size: k, dilation: d, stride: s, padding: p };
  return { title: `fold ${JSON.stringify(kwargs)} of ${out.join('x')}`, op: 'fold', kwargs, shape: out, f64: apply(swapped(move), n * c * oh * ow), k: 1 };
}

function blockDraws(shape: number[], bs: number, dataFormat: string): Draw[] {
  const { move, out } = depthToSpaceMove(shape, bs, dataFormat === 'channels_last');
  const kwargs = { block_size: bs, data_format: dataFormat };
  const title = `block ${bs}, ${dataFormat}`;
  return [
    { title: `depth_to_space ${title}, of ${shape.join('x')}`, op: 'depth_to_space', kwargs, shape, f64: apply(move, sizeOf(out)), k: 1 },
    { title: `space_to_depth ${title}, of ${out.join('x')}`, op: 'space_to_depth', kwargs, shape: out, f64: apply(swapped(move), sizeOf(shape)), k: 1 },
  ];
}

const DRAWS: Draw[] = [
  unfoldDraw([2, 3, 5, 6], [2, 2], [1, 1], [1, 1], [0, 0]),
  unfoldDraw([1, 2, 6, 7], [3, 2], [2, 1], [1, 2], [1, 1]),
  unfoldDraw([1, 2, 5, 5], [3, 3], [1, 1], [2, 2], [1, 0]),
  foldDraw([2, 3, 4, 5], [2, 2], [1, 1], [1, 1], [0, 0]),
  foldDraw([1, 2, 6, 6], [3, 3], [1, 1], [2, 2], [1, 1]),
  foldDraw([1, 2, 3, 3], [2, 2], [2, 2], [1, 1], [0, 0]),
  ...blockDraws([2, 2, 3, 8], 2, 'channels_last'),
  ...blockDraws([1, 18, 2, 2], 3, 'channels_first'),
];

/** Row-major values of `shape` as nested arrays. */
function nest(x: ArrayLike<number>, shape: number[]): Nested {
  if (!shape.length) return x[0];
  const step = sizeOf(shape.slice(1));
  return Array.from({ length: shape[0] }, (_, i) => nest(Array.from(x).slice(i * step, (i + 1) * step), shape.slice(1)));
}

const inputOf = ({ shape }: Draw, seed: number) => normals(sizeOf(shape), seed);

/** A draw's gradient on the active backend for seeded cotangents. */
function drawGradient(draw: Draw, seed: number): number[] {
  const x = inputOf(draw, seed);
  const cotangent = normals(draw.f64(x).length, seed + 1);
  return pullback(draw.op, { ...draw.kwargs, x: f32(nest(x, draw.shape)) }, [cotangent]).x;
}

const ones = (shape: number[]): Nested => nest(new Array(sizeOf(shape)).fill(1), shape);
const range = (shape: number[]): Nested => nest(Array.from({ length: sizeOf(shape) }, (_, i) => i), shape);

// jax.vjp of Keras 3.15.1 on JAX 0.10.2, each row printed by
//   KERAS_BACKEND=jax .venv/keras-3.15.1/bin/python -c "import jax, jax.numpy as jnp, keras;
//     x = jnp.array(X, 'float32'); y, pb = jax.vjp(lambda v: keras.ops.OP(v, **KWARGS), x);
//     print(pb(jnp.array(CT, 'float32'))[0].tolist())"
// with the row's X, KWARGS (tuples for lists) and CT. Keras 3.6.0 has none of these ops.
const AT_SPECIAL_POINTS: Row[] = [
  // unfold's gradient does not read x: NaN and inf in a window change nothing. Each pixel adds the
  // cotangents of the taps that read it.
  ['unfold', { x: f32([[[[1, NaN, 3], [4, inf, 6], [7, 8, 9]]]]) }, { kernel_size: 2 }, [ones([1, 4, 4])], { x: [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]] }],
  // The identity kernel's zeros: a non-finite cotangent of tap (0, 1) of block (1, 1) makes NaN of the
  // other pixels of that window, and stays itself where it lands.
  ['unfold', { x: f32([[[[0, 0, 0], [0, 0, 0], [0, 0, 0]]]]) }, { kernel_size: 2 }, [[[[1, 1, 1, 1], [1, 1, 1, inf], [1, 1, 1, 1], [1, 1, 1, 1]]]], { x: [[[[1, 2, 1], [2, NaN, inf], [1, NaN, NaN]]]] }],
  ['unfold', { x: f32([[[[0, 0, 0], [0, 0, 0], [0, 0, 0]]]]) }, { kernel_size: 2 }, [[[[1, 1, 1, 1], [1, 1, 1, NaN], [1, 1, 1, 1], [1, 1, 1, 1]]]], { x: [[[[1, 2, 1], [2, NaN, NaN], [1, NaN, NaN]]]] }],
  // The padding's cotangents are dropped; stride and dilation leave pixels no tap reads at 0.
  ['unfold', { x: f32([[[[0, 0], [0, 0]]]]) }, { kernel_size: 2, padding: 1 }, [nest(Array.from({ length: 36 }, (_, i) => i + 1), [1, 4, 9])], { x: [[[[66, 70], [78, 82]]]] }],
  ['unfold', { x: f32([[[[0, 0, 0], [0, 0, 0]]]]) }, { kernel_size: 2, stride: [1, 2], dilation: [1, 2] }, [[[[1], [10], [100], [1000]]]], { x: [[[[1, 0, 10], [100, 0, 1000]]]] }],
  // A 1x1 window at unit stride is a copy (-0 stays -0); otherwise sums start from +0. Subnormals are 0.
  ['unfold', { x: f32([[[[0, 0]], [[0, 0]]]]) }, { kernel_size: 1 }, [[[[-0, 1e-40], [-1e-40, 3]]]], { x: [[[[-0, 0]], [[-0, 3]]]] }],
  ['unfold', { x: f32([[[[0, 0]]]]) }, { kernel_size: [1, 2], padding: [0, 1] }, [[[[-0, -0, 1e-40], [-0, -1e-40, 3]]]], { x: [[[[0, 0]]]] }],
  // Overlapping taps add in float32: -1e8 + 1 is -1e8.
  ['unfold', { x: f32([[[[0, 0, 0]]]]) }, { kernel_size: [1, 2] }, [[[[1e8, 1], [-1e8, 2]]]], { x: [[[[1e8, -1e8, 2]]]] }],
  // fold's gradient gathers each block's window: overlapping windows read the same pixel.
  ['fold', { x: f32(ones([1, 4, 4])) }, { output_size: 3, kernel_size: 2 }, [range([1, 1, 3, 3])], { x: [[[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]]] }],
  // A non-finite cotangent makes NaN of every other value of each block that reads it, across channels
  // (fold's convolution is not grouped): the inf at channel 1's (0, 0) reaches block 0 only, the NaN at
  // its (1, 1) every block.
  ['fold', { x: f32(ones([1, 8, 4])) }, { output_size: 3, kernel_size: 2 }, [[[ones([3, 3]), [[inf, 1, 1], [1, 1, 1], [1, 1, 1]]]]], { x: [[[NaN, 1, 1, 1], [NaN, 1, 1, 1], [NaN, 1, 1, 1], [NaN, 1, 1, 1], [inf, 1, 1, 1], [NaN, 1, 1, 1], [NaN, 1, 1, 1], [NaN, 1, 1, 1]]] }],
  ['fold', { x: f32(ones([1, 8, 4])) }, { output_size: 3, kernel_size: 2 }, [[[ones([3, 3]), [[1, 1, 1], [1, NaN, 1], [1, 1, 1]]]]], { x: nest(new Array(32).fill(NaN), [1, 8, 4]) }],
  // The crop's transpose: taps in the padding read 0; with stride 3 a 2x2 window skips a row and a column.
  ['fold', { x: f32(ones([1, 4, 9])) }, { output_size: 4, kernel_size: 2, padding: 1, stride: 2 }, [range([1, 1, 4, 4])], { x: [[[0, 0, 0, 0, 5, 7, 0, 13, 15], [0, 0, 0, 4, 6, 0, 12, 14, 0], [0, 1, 3, 0, 9, 11, 0, 0, 0], [0, 2, 0, 8, 10, 0, 0, 0, 0]]] }],
  ['fold', { x: f32(ones([1, 4, 4])) }, { output_size: 5, kernel_size: 2, stride: 3 }, [range([1, 1, 6, 6])], { x: [[[0, 3, 18, 21], [1, 4, 19, 22], [6, 9, 24, 27], [7, 10, 25, 28]]] }],
  // One channel, a 1x1 window at unit stride: a copy; any other fold's gradient starts from +0.
  ['fold', { x: f32(ones([1, 1, 4])) }, { output_size: 2, kernel_size: 1 }, [[[[[-0, -1e-40], [1e-40, 2]]]]], { x: [[[-0, -0, 0, 2]]] }],
  ['fold', { x: f32(ones([1, 4, 1])) }, { output_size: 2, kernel_size: 2 }, [[[[[-0, -1e-40], [1e-40, 2]]]]], { x: [[[0], [0], [0], [2]]] }],
  // Pixel-shuffle order: channels (bH, bW, C) channels-last, (C, bH, bW) channels-first; a permutation
  // keeps -0, subnormals, NaN and inf.
  ['depth_to_space', { x: f32(ones([1, 4, 1, 2])) }, { block_size: 2, data_format: 'channels_first' }, [range([1, 1, 2, 4])], { x: [[[[0, 2]], [[1, 3]], [[4, 6]], [[5, 7]]]] }],
  ['depth_to_space', { x: f32(ones([1, 1, 2, 4])) }, { block_size: 2 }, [range([1, 2, 4, 1])], { x: [[[[0, 1, 4, 5], [2, 3, 6, 7]]]] }],
  ['space_to_depth', { x: f32(ones([1, 1, 2, 4])) }, { block_size: 2, data_format: 'channels_first' }, [range([1, 4, 1, 2])], { x: [[[[0, 2, 1, 3], [4, 6, 5, 7]]]] }],
  ['space_to_depth', { x: f32(ones([1, 2, 4, 1])) }, { block_size: 2 }, [range([1, 1, 2, 4])], { x: [[[[0], [1], [4], [5]], [[2], [3], [6], [7]]]] }],
  ['space_to_depth', { x: f32(ones([1, 2, 2, 2])) }, { block_size: 2, data_format: 'channels_first' }, [[[[[-0]], [[1e-40]], [[NaN]], [[inf]], [[4]], [[5]], [[6]], [[7]]]]], { x: [[[[-0, 1e-40], [NaN, inf]], [[4, 5], [6, 7]]]] }],
];

/** Every gradient jax.vjp's to the bit: NaN only for NaN, -0 only for -0. */
function expectExactly([op, args, kwargs, cotangents, want]: Row): void {
  const flat = (v: Nested) => ([v] as unknown[]).flat(Infinity) as number[];
  const got = pullback(op, { ...args, ...kwargs }, cotangents.map(flat)).x;
  const bad = flat(want.x).flatMap((w, i) => (Object.is(got[i], Math.fround(w)) ? [] : [`[${i}] ${got[i]} for ${w}`]));
  expect(bad, bad.join('; ')).to.deep.equal([]);
}

describe('patch op gradients', () => {
  describe('on the reference, against central differences of float64 forms (check_grads)', () => {
    before(() => setBackend('reference'));
    DRAWS.forEach((draw, n) => {
      it(draw.title, () => {
        const f64 = ({ x }: Record<string, Float64Array>) => [draw.f64(x)];
        checkGrads(draw.op, draw.kwargs, { x: [inputOf(draw, 13 * n), draw.shape] }, f64, 13 * n, draw.k);
      });
    });
  });

  describe("at NaN, infinities, -0, subnormals, padding and overlaps, on the reference: jax.vjp's values to the bit", () => {
    before(() => setBackend('reference'));
    for (const row of AT_SPECIAL_POINTS) it(rowTitle(row), () => expectExactly(row));
  });

  describeOnTfjs(DRAWS, drawGradient, AT_SPECIAL_POINTS);
});
