/**
 * The convolutions' backward rules (conv, depthwise_conv, separable_conv) through ops.vjp, checked two
 * ways: on the reference against central differences of each op's float64 form (JAX's check_grads; the
 * form is lax.conv_general_dilated written from its definition, knowing nothing of the rules), over 1-D to
 * 3-D, both data formats, strides, dilations, 'same' and 'valid', groups and depthwise multipliers; and at
 * hand-reasoned points (a row the strides leave over, 'same' with an even kernel, a dilation, a multiplier,
 * a NaN input, separable's two stages), derived beside each row and confirmed by jax.vjp of Keras on JAX
 * run live: the reference to the bit, each Node TF.js backend within Keras's float32 tolerance, every vjp
 * leaving tf.memory() as it was.
 */
import { expect } from 'chai';
import { sizeOf, stridesOf } from '../../adapters/reference/ndarray.js';
import { ulpDistance } from '../../src/golden/compare.js';
import { setBackend } from '../../src/index.js';
import type { Padding } from '../../src/ops/args.js';
import { windowOutputLength, windowPads } from '../../src/ops/shapes.js';
import { checkGrads, describeOnTfjs, f32, nest, normals, pullback, rowTitle, type Input, type Kwargs, type Nested, type Row } from './grad-check.js';

/** A conv's window and layout, as Keras's keywords give them. */
interface Geometry {
  strides: number[];
  dilation: number[];
  padding: Padding;
  channelsFirst: boolean;
}

/** Every multi-index of `shape`, row-major. */
const cells = (shape: number[]): number[][] =>
  shape.reduce<number[][]>((acc, n) => acc.flatMap((at) => Array.from({ length: n }, (_, i) => [...at, i])), [[]]);

/**
 * lax.conv_general_dilated in float64 from its definition: out[b, o, g*C_out/G + co] sums over the taps j
 * and the group's input channels ci of x[b, o*s + j*d - lo, g*C_in/G + ci] * k[j, ci, g*C_out/G + co], a
 * cell outside x reading 0; kernel (*k, C_in/G, C_out), G = C_in / kernel.shape[-2].
 */
function conv64(x: Float64Array, xShape: number[], k: Float64Array, kShape: number[], geo: Geometry): { y: Float64Array; shape: number[] } {
  const n = kShape.length - 2;
  const [batch, channels] = [xShape[0], geo.channelsFirst ? xShape[1] : xShape[n + 1]];
  const spatial = geo.channelsFirst ? xShape.slice(2) : xShape.slice(1, -1);
  const kSpatial = kShape.slice(0, n);
  const [cinG, cout] = kShape.slice(n);
  const groups = channels / cinG;
  const { strides: s, dilation: d, padding } = geo;
  const outSpatial = spatial.map((len, i) => Math.max(windowOutputLength(len, kSpatial[i], s[i], d[i], padding)!, 0));
  const lo = spatial.map((len, i) => windowPads(len, kSpatial[i], s[i], d[i], padding)[0]);
  const shape = geo.channelsFirst ? [batch, cout, ...outSpatial] : [batch, ...outSpatial, cout];
  const [xs, ks, ys] = [stridesOf(xShape), stridesOf(kShape), stridesOf(shape)];
  const offset = (strides: number[], b: number, c: number, at: number[]) =>
    b * strides[0] + (geo.channelsFirst ? c * strides[1] + at.reduce((o, v, i) => o + v * strides[i + 2], 0) : at.reduce((o, v, i) => o + v * strides[i + 1], 0) + c);
  const y = new Float64Array(sizeOf(shape));
  const taps = cells(kSpatial);
  for (const o of cells(outSpatial)) {
    for (let b = 0; b < batch; b++) {
      for (let co = 0; co < cout; co++) {
        const g = Math.floor(co / (cout / groups));
        let acc = 0;
        for (const j of taps) {
          const at = o.map((oi, i) => oi * s[i] + j[i] * d[i] - lo[i]);
          if (at.some((v, i) => v < 0 || v >= spatial[i])) continue;
          const kBase = j.reduce((off, v, i) => off + v * ks[i], 0) + co;
          for (let ci = 0; ci < cinG; ci++) acc += x[offset(xs, b, g * cinG + ci, at)] * k[kBase + ci * ks[n]];
        }
        y[offset(ys, b, co, o)] = acc;
      }
    }
  }
  return { y, shape };
}

/** A depthwise kernel (*k, C, M) as lax reads it: (*k, 1, C*M), the same values. */
const asGrouped = (shape: number[]) => [...shape.slice(0, -2), 1, shape.at(-2)! * shape.at(-1)!];

/** One call to check: its tensors, float64 form, and the longest sum a gradient value takes (check_grads' K). */
interface Draw {
  title: string;
  op: string;
  kwargs: Kwargs;
  inputs: Record<string, Input>;
  f64: (x: Record<string, Float64Array>) => Float64Array[];
  terms: number;
}

const taps = (kShape: number[]) => sizeOf(kShape.slice(0, -2));

/** kwargs and the Geometry of strides, dilation_rate, padding and data_format, and a title for them. */
function window(strides: number[], dilation: number[], padding: Padding, dataFormat: string) {
  const geo: Geometry = { strides, dilation, padding, channelsFirst: dataFormat === 'channels_first' };
  const kwargs = { strides, dilation_rate: dilation, padding, data_format: dataFormat };
  return { geo, kwargs, title: `s${strides.join('x')} d${dilation.join('x')} ${padding} ${dataFormat}` };
}

type Window = ReturnType<typeof window>;

const draw = (shape: number[], seed: number): Input => [normals(sizeOf(shape), seed), shape];

/** conv of x by a kernel of kShape (groups = C_in / kShape[-2]): a value adds taps * C_out of products, a kernel value batch * x's cells at most. */
function convDraw(xShape: number[], kShape: number[], w: Window, seed: number): Draw {
  return {
    title: `conv ${kShape.join('x')} of ${xShape.join('x')}, ${w.title}`,
    op: 'conv',
    kwargs: w.kwargs,
    inputs: { inputs: draw(xShape, seed), kernel: draw(kShape, seed + 1) },
    f64: ({ inputs, kernel }) => [conv64(inputs, xShape, kernel, kShape, w.geo).y],
    terms: taps(kShape) * kShape.at(-1)! + sizeOf(xShape),
  };
}

function depthwiseDraw(xShape: number[], kShape: number[], w: Window, seed: number): Draw {
  return {
    title: `depthwise_conv ${kShape.join('x')} of ${xShape.join('x')}, ${w.title}`,
    op: 'depthwise_conv',
    kwargs: w.kwargs,
    inputs: { inputs: draw(xShape, seed), kernel: draw(kShape, seed + 1) },
    f64: ({ inputs, kernel }) => [conv64(inputs, xShape, kernel, asGrouped(kShape), w.geo).y],
    terms: taps(kShape) * kShape.at(-1)! + sizeOf(xShape),
  };
}

/** separable_conv: depthwise, then the pointwise conv at stride 1, 'valid', with the same dilation; their sums chain. */
function separableDraw(xShape: number[], dwShape: number[], pwShape: number[], w: Window, seed: number): Draw {
  const pointwise = { ...w.geo, strides: w.geo.strides.map(() => 1), padding: 'valid' as const };
  return {
    title: `separable_conv ${dwShape.join('x')} then ${pwShape.join('x')} of ${xShape.join('x')}, ${w.title}`,
    op: 'separable_conv',
    kwargs: w.kwargs,
    inputs: { inputs: draw(xShape, seed), depthwise_kernel: draw(dwShape, seed + 1), pointwise_kernel: draw(pwShape, seed + 2) },
    f64: ({ inputs, depthwise_kernel: dw, pointwise_kernel: pw }) => {
      const mid = conv64(inputs, xShape, dw, asGrouped(dwShape), w.geo);
      return [conv64(mid.y, mid.shape, pw, pwShape, pointwise).y];
    },
    terms: 2 * (taps(dwShape) * dwShape.at(-1)! + taps(pwShape) * pwShape.at(-1)! + sizeOf(xShape) * dwShape.at(-1)!),
  };
}

const DRAWS: Draw[] = [
  convDraw([2, 9, 3], [3, 3, 4], window([2], [1], 'valid', 'channels_last'), 1),
  convDraw([1, 4, 10], [4, 2, 6], window([3], [2], 'same', 'channels_first'), 2),
  convDraw([2, 6, 7, 4], [3, 2, 2, 6], window([2, 1], [1, 2], 'same', 'channels_last'), 3),
  convDraw([1, 3, 7, 6], [2, 2, 1, 3], window([1, 2], [2, 1], 'valid', 'channels_first'), 4),
  convDraw([1, 5, 4, 6, 2], [3, 2, 2, 2, 4], window([2, 1, 2], [1, 1, 2], 'same', 'channels_last'), 5),
  convDraw([1, 4, 5, 4, 4], [2, 3, 2, 2, 2], window([1, 2, 1], [2, 1, 1], 'valid', 'channels_first'), 6),
  depthwiseDraw([2, 9, 3], [3, 3, 2], window([2], [2], 'same', 'channels_last'), 7),
  depthwiseDraw([1, 2, 7, 6], [2, 3, 2, 3], window([2, 1], [1, 2], 'valid', 'channels_first'), 8),
  depthwiseDraw([1, 4, 5, 4, 2], [2, 2, 3, 2, 1], window([1, 2, 2], [1, 1, 1], 'same', 'channels_last'), 9),
  separableDraw([2, 8, 2], [2, 2, 2], [2, 4, 3], window([1], [2], 'valid', 'channels_last'), 10),
  separableDraw([1, 3, 7, 6], [3, 2, 3, 1], [1, 1, 3, 4], window([2, 2], [1, 1], 'same', 'channels_first'), 11),
  separableDraw([1, 4, 4, 5, 2], [2, 2, 2, 2, 2], [1, 1, 1, 2, 2], window([1, 1, 2], [1, 1, 1], 'same', 'channels_last'), 12),
];

/** A draw's gradients on the active backend for seeded cotangents, flat, in Keras's parameter order. */
function drawGradient({ op, kwargs, inputs, f64 }: Draw, seed: number): number[] {
  const values = Object.fromEntries(Object.entries(inputs).map(([name, [x]]) => [name, x]));
  const cotangent = normals(f64(values)[0].length, seed);
  const args = Object.fromEntries(Object.entries(inputs).map(([name, [x, shape]]) => [name, f32(nest(x, shape))]));
  const grads = pullback(op, { ...kwargs, ...args }, [cotangent]);
  return Object.keys(inputs).flatMap((name) => grads[name]);
}

/** Values of shape (1, n, 1), and a kernel of shape (k, 1, 1): one example, one channel in and out. */
const col = (v: number[]): Nested => [v.map((e) => [e])];
const taps1 = (v: number[]): Nested => v.map((e) => [[e]]);

// Each row's gradients derived in its comment, and what jax.vjp of Keras 3.15.1 on JAX 0.10.2 prints:
//   KERAS_BACKEND=jax .venv/keras-3.15.1/bin/python -c "import jax, jax.numpy as jnp, keras;
//     y, pb = jax.vjp(lambda *t: keras.ops.OP(*t, **KWARGS), *(jnp.array(v, 'float32') for v in TENSORS));
//     print([g.tolist() for g in pb(jnp.array(CT, 'float32'))])"
const AT_SPECIAL_POINTS: Row[] = [
  // Stride 2 over 5 cells, kernel [a, b]: outputs read (x0, x1) and (x2, x3), nothing reads x4, so its
  // gradient is 0: dx = [g0 a, g0 b, g1 a, g1 b, 0], dk = [x0 g0 + x2 g1, x1 g0 + x3 g1].
  ['conv', { inputs: f32(col([1, 2, 3, 4, 5])), kernel: f32(taps1([2, 3])) }, { strides: 2 }, [col([1, 10])], { inputs: col([2, 3, 20, 30, 0]), kernel: taps1([31, 42]) }],
  // 'same' with an even kernel pads its one cell at the end: out[o] = x[o] k0 + x[o+1] k1 with x[4] = 0, so
  // dx[i] = g[i] k0 + g[i-1] k1 and dk = [sum x[o] g[o], sum_{o<3} x[o+1] g[o]] = [30, 20] (a pad at the start gives [20, 30]).
  ['conv', { inputs: f32(col([1, 2, 3, 4])), kernel: f32(taps1([10, 1])) }, { padding: 'same' }, [col([1, 2, 3, 4])], { inputs: col([10, 21, 32, 43]), kernel: taps1([30, 20]) }],
  // Dilation 3: out[o] = x[o] k0 + x[o+3] k1 for o < 2, so x2 meets no tap: dx = [g0 k0, g1 k0, 0, g0 k1, g1 k1].
  ['conv', { inputs: f32(col([1, 2, 3, 4, 5])), kernel: f32(taps1([10, 1])) }, { dilation_rate: 3 }, [col([1, 2])], { inputs: col([10, 20, 0, 1, 2]), kernel: taps1([5, 14]) }],
  // Multiplier 2: out[c*2 + m] = x[c] k[c, m], so dx[c] = sum_m g[c*2 + m] k[c, m], dk[c, m] = x[c] g[c*2 + m].
  ['depthwise_conv', { inputs: f32([[[5, 7]]]), kernel: f32([[[1, 2], [3, 4]]]) }, {}, [[[[1, 10, 100, 1000]]]], { inputs: [[[21, 4300]]], kernel: [[[5, 50], [700, 7000]]] }],
  // The input's gradient reads only the cotangent and the kernel: finite beside a NaN input, whose taps' kernel gradients are NaN.
  ['conv', { inputs: f32(col([1, NaN, 3])), kernel: f32(taps1([1, 1])) }, {}, [col([1, 1])], { inputs: col([1, 2, 1]), kernel: taps1([NaN, NaN]) }],
  // Depthwise [1, 1] at stride 2, 'same' over 3 cells (its pad at the end): mid = [x0 + x1, x2] = [3, 3], out = 2 mid.
  // The mid's cotangent is 2 g = [2, 20]: dx = [2, 2, 20], ddw = [x0 2 + x2 20, x1 2] = [62, 4], dpw = mid . g = 33.
  ['separable_conv', { inputs: f32(col([1, 2, 3])), depthwise_kernel: f32(taps1([1, 1])), pointwise_kernel: f32(taps1([2])) }, { strides: 2, padding: 'same' }, [col([1, 10])], { inputs: col([2, 2, 20]), depthwise_kernel: taps1([62, 4]), pointwise_kernel: taps1([33]) }],
];

/** Every gradient jax.vjp's to the bit (NaN only for NaN). */
function expectExactly([op, args, kwargs, cotangents, want]: Row): void {
  const flat = (v: Nested) => ([v] as unknown[]).flat(Infinity) as number[];
  const got = pullback(op, { ...args, ...kwargs }, cotangents.map(flat));
  expect(Object.keys(got).sort()).to.deep.equal(Object.keys(want).sort());
  for (const [name, w] of Object.entries(want)) {
    const bad = flat(w).flatMap((wi, i) => (ulpDistance(got[name][i], Math.fround(wi)) === 0 ? [] : [`${name}[${i}] ${got[name][i]} for ${wi}`]));
    expect(bad, bad.join('; ')).to.deep.equal([]);
  }
}

describe('convolution gradients', () => {
  describe('on the reference, against central differences of float64 forms (check_grads)', () => {
    before(() => setBackend('reference'));
    DRAWS.forEach(({ title, op, kwargs, inputs, f64, terms }, n) => {
      it(title, () => checkGrads(op, kwargs, inputs, f64, 13 * n, terms));
    });
  });

  describe("at hand-reasoned points, on the reference: jax.vjp's values to the bit", () => {
    before(() => setBackend('reference'));
    for (const row of AT_SPECIAL_POINTS) it(rowTitle(row), () => expectExactly(row));
  });

  describeOnTfjs(DRAWS, drawGradient, AT_SPECIAL_POINTS);
});
