/**
 * conv_transpose's backward rule through ops.vjp, checked two ways: on the reference against central
 * differences of a float64 conv_transpose written here from lax's definition (JAX's check_grads, a witness
 * that knows nothing of the rule), and at output_padding, 'same' with strides, dilation and an input's
 * infinity and NaN against jax.vjp of Keras on JAX, run live; each Node TF.js backend against both, every
 * vjp leaving tf.memory() as it was.
 */
import { sizeOf, stridesOf } from '../../adapters/reference/ndarray.js';
import { setBackend } from '../../src/index.js';
import { checkGrads, describeOnTfjs, expectRow, f32, normals, pullback, rowTitle, type Input, type Kwargs, type Nested, type Row } from './grad-check.js';

const inf = Infinity;

/** A call's geometry, per spatial dim. */
interface Geometry {
  strides: number[];
  dilation: number[];
  padding: 'valid' | 'same';
  outputPadding: (number | null)[];
  channelsLast: boolean;
}

/**
 * The (left, right) pads Keras gives lax.conv_transpose along a dim
 * (backend_utils._convert_conv_transpose_padding_args_from_keras_to_jax).
 */
function jaxPads(k: number, s: number, d: number, padding: string, op: number | null): [number, number] {
  const kEff = (k - 1) * d + 1;
  if (padding === 'valid') return [kEff - 1, kEff - 1 + (op ?? Math.max(kEff, s) - kEff)];
  const padLen = op === null ? s + kEff - 2 : kEff + (kEff % 2) - 2 + op;
  const left = Math.min(Math.floor(padLen / 2) + (padLen % 2), kEff - 1);
  return [left, padLen - left];
}

/** Every multi-index of `shape`, row-major. */
function* indices(shape: number[]): Generator<number[]> {
  const strides = stridesOf(shape);
  for (let f = 0; f < sizeOf(shape); f++) yield shape.map((n, a) => Math.floor(f / strides[a]) % n);
}

/**
 * lax.conv_transpose in float64 as Keras calls it (transpose_kernel=True): the input dilated by the
 * strides (x[i] at i*s + left) and padded, convolved with the flipped kernel (*k, C_out, C_in) dilated by
 * the dilation: y[o] sums x[i] * kernel[k - 1 - j'] over o + j'*d = i*s + left.
 */
function convTranspose64(x: Float64Array, xShape: number[], kernel: Float64Array, kShape: number[], g: Geometry): Float64Array {
  const n = kShape.length - 2;
  const [kSpatial, [cout, cin]] = [kShape.slice(0, n), kShape.slice(n)];
  const spatial = g.channelsLast ? xShape.slice(1, -1) : xShape.slice(2);
  const pads = kSpatial.map((k, d) => jaxPads(k, g.strides[d], g.dilation[d], g.padding, g.outputPadding[d]));
  const outSpatial = spatial.map((len, d) => (len - 1) * g.strides[d] + 1 + pads[d][0] + pads[d][1] - (kSpatial[d] - 1) * g.dilation[d]);
  const layout = (sp: number[], c: number) => (g.channelsLast ? [xShape[0], ...sp, c] : [xShape[0], c, ...sp]);
  const at = (shape: number[], b: number, pos: number[], c: number) => {
    const st = stridesOf(shape);
    const idx = g.channelsLast ? [b, ...pos, c] : [b, c, ...pos];
    return idx.reduce((sum, v, a) => sum + v * st[a], 0);
  };
  const [inShape, outShape] = [layout(spatial, cin), layout(outSpatial, cout)];
  const kStrides = stridesOf(kShape);
  const y = new Float64Array(sizeOf(outShape));
  for (const [b, ...i] of indices([xShape[0], ...spatial])) {
    for (const jp of indices(kSpatial)) {
      const o = i.map((v, d) => v * g.strides[d] + pads[d][0] - jp[d] * g.dilation[d]);
      if (o.some((v, d) => v < 0 || v >= outSpatial[d])) continue;
      const kBase = jp.reduce((sum, v, d) => sum + (kSpatial[d] - 1 - v) * kStrides[d], 0);
      for (let oc = 0; oc < cout; oc++) {
        for (let ci = 0; ci < cin; ci++) y[at(outShape, b, o, oc)] += x[at(inShape, b, i, ci)] * kernel[kBase + oc * cin + ci];
      }
    }
  }
  return y;
}

/** One call to check: its keywords, inputs and geometry, and the most terms a gradient value sums (K). */
interface Draw {
  title: string;
  kwargs: Kwargs;
  inputs: Record<'inputs' | 'kernel', Input>;
  geometry: Geometry;
  terms: number;
}

function draw(xShape: number[], kShape: number[], geometry: Geometry, seed: number): Draw {
  const { strides, dilation, padding, outputPadding, channelsLast } = geometry;
  const n = kShape.length - 2;
  const spatial = channelsLast ? xShape.slice(1, -1) : xShape.slice(2);
  return {
    title: `${n}-D ${padding}, strides ${strides}, dilation ${dilation}, output_padding ${outputPadding}, ${channelsLast ? 'channels_last' : 'channels_first'}, of ${xShape.join('x')} by ${kShape.join('x')}`,
    kwargs: { strides, padding, output_padding: outputPadding, dilation_rate: dilation, data_format: channelsLast ? 'channels_last' : 'channels_first' },
    inputs: {
      inputs: [normals(sizeOf(xShape), seed), xShape],
      kernel: [normals(sizeOf(kShape), seed + 1), kShape],
    },
    geometry,
    // An input value sums taps * C_out products, a kernel value batch * input positions.
    terms: Math.max(sizeOf(kShape.slice(0, n + 1)), xShape[0] * sizeOf(spatial)),
  };
}

const geo = (strides: number[], dilation: number[], padding: 'valid' | 'same', outputPadding: (number | null)[], channelsLast: boolean): Geometry => ({
  strides,
  dilation,
  padding,
  outputPadding,
  channelsLast,
});

const DRAWS: Draw[] = [
  draw([2, 5, 3], [3, 2, 3], geo([2], [1], 'valid', [null], true), 1),
  draw([1, 3, 6], [3, 2, 3], geo([2], [1], 'same', [1], false), 2),
  draw([2, 4, 2], [2, 3, 2], geo([3], [2], 'valid', [2], true), 3),
  draw([1, 4, 3, 2], [3, 3, 3, 2], geo([2, 2], [1, 1], 'same', [null, null], true), 4),
  draw([2, 2, 3, 3], [2, 3, 2, 2], geo([2, 1], [1, 2], 'valid', [1, 0], false), 5),
  draw([1, 3, 2, 3], [4, 2, 2, 3], geo([1, 2], [2, 1], 'same', [0, null], true), 6),
  draw([1, 2, 3, 2, 2], [2, 2, 2, 3, 2], geo([1, 2, 1], [2, 1, 1], 'same', [null, null, null], true), 7),
  draw([1, 2, 2, 3, 2], [2, 1, 3, 2, 2], geo([2, 1, 2], [1, 1, 2], 'valid', [1, 0, 0], false), 8),
];

const f64Of =
  ({ inputs, geometry }: Draw) =>
  (v: Record<string, Float64Array>) => [convTranspose64(v.inputs, inputs.inputs[1], v.kernel, inputs.kernel[1], geometry)];

/** Row-major values of `shape` as nested arrays. */
function nest(x: ArrayLike<number>, shape: number[]): Nested {
  if (!shape.length) return x[0];
  const step = sizeOf(shape.slice(1));
  return Array.from({ length: shape[0] }, (_, i) => nest(Array.from(x).slice(i * step, (i + 1) * step), shape.slice(1)));
}

/** A draw's gradients on the active backend for seeded cotangents, the input's then the kernel's. */
function drawGradient(d: Draw, seed: number): number[] {
  const args = Object.fromEntries(Object.entries(d.inputs).map(([name, [v, shape]]) => [name, f32(nest(v, shape))]));
  const cotangent = normals(f64Of(d)({ inputs: d.inputs.inputs[0], kernel: d.inputs.kernel[0] })[0].length, seed);
  const { inputs, kernel } = pullback('conv_transpose', { ...d.kwargs, ...args }, [cotangent]);
  return [...inputs, ...kernel];
}

/** Values of shape (1, n, 1): one example, one channel. */
const col = (v: number[]): Nested => [v.map((e) => [e])];
const taps = (v: number[]): Nested => v.map((e) => [[e]]);

// jax.vjp of Keras 3.15.1 on JAX 0.10.2 (Keras 3.6.0 on JAX 0.4.34 gives the same), each row printed by
//   KERAS_BACKEND=jax .venv/keras-3.15.1/bin/python -c "import jax, jax.numpy as jnp, keras;
//     x, k = jnp.array(X, 'float32'), jnp.array(K, 'float32');
//     y, pb = jax.vjp(lambda a, b: keras.ops.conv_transpose(a, b, **KWARGS), x, k);
//     print([g.tolist() for g in pb(jnp.array(CT, 'float32'))])"
// with the row's X, K, KWARGS (tuples for lists) and CT.
const AT_SPECIAL_POINTS: Row[] = [
  // output_padding adds an output cell no input reaches: its cotangent (5) goes nowhere.
  ['conv_transpose', { inputs: f32(col([1, 2])), kernel: f32(taps([3, 5])) }, { strides: 2, padding: 'valid', output_padding: 1 }, [col([1, 2, 3, 4, 5])], { inputs: col([13, 29]), kernel: taps([7, 10]) }],
  // 'same' with stride 2 crops nothing at the start (left pad kEff - 1) and the full result's last cell at
  // the end: x[2]'s last tap lands outside the 6 cells and reads no cotangent.
  ['conv_transpose', { inputs: f32(col([1, 2, 3])), kernel: f32(taps([1, 2, 4])) }, { strides: 2, padding: 'same' }, [col([1, 10, 100, 1000, 10000, 100000])], { inputs: col([421, 42100, 210000]), kernel: taps([30201, 302010, 20100]) }],
  // With output_padding, 'same' pads kEff + kEff % 2 - 2 + output_padding in all.
  ['conv_transpose', { inputs: f32(col([1, 2])), kernel: f32(taps([1, 2, 4])) }, { strides: 3, padding: 'same', output_padding: 2 }, [col([1, 10, 100, 1000, 10000, 100000])], { inputs: col([421, 421000]), kernel: taps([2001, 20010, 200100]) }],
  // Dilation 2: the taps read every other cotangent cell.
  ['conv_transpose', { inputs: f32(col([1, 2])), kernel: f32(taps([3, 5])) }, { strides: 1, padding: 'valid', dilation_rate: 2 }, [col([1, 10, 100, 1000])], { inputs: col([503, 5030]), kernel: taps([21, 2100]) }],
  // An input's infinity or NaN reaches only the kernel taps it was multiplied by: x[2] = NaN's last tap
  // lands outside the output, so that tap's gradient is inf (from x[0]), not NaN.
  ['conv_transpose', { inputs: f32(col([inf, 1, NaN])), kernel: f32(taps([1, 2, 4])) }, { strides: 2, padding: 'same' }, [col([1, 10, 100, 1000, 10000, 100000])], { inputs: col([421, 42100, 210000]), kernel: taps([NaN, NaN, inf]) }],
  // channels_first, 2-D, strides (2, 1): C_in 2 to C_out 1.
  ['conv_transpose', { inputs: f32([[[[1, 2]], [[3, 4]]]]), kernel: f32([[[[1, 2]]], [[[3, 4]]]]) }, { strides: [2, 1], padding: 'valid', data_format: 'channels_first' }, [[[[[1, 10], [100, 1000]]]]], { inputs: [[[[301, 3010]], [[402, 4020]]]], kernel: [[[[21, 43]]], [[[2100, 4300]]]] }],
];

describe('conv_transpose gradients', () => {
  describe('on the reference, against central differences of a float64 conv_transpose (check_grads)', () => {
    before(() => setBackend('reference'));
    DRAWS.forEach((d, n) => {
      it(d.title, () => checkGrads('conv_transpose', d.kwargs, d.inputs, f64Of(d), 13 * n, d.terms));
    });
  });

  describe("at output_padding, 'same' with strides, dilation, infinities and NaN, on the reference: jax.vjp's values", () => {
    before(() => setBackend('reference'));
    for (const row of AT_SPECIAL_POINTS) it(rowTitle(row), () => expectRow(row));
  });

  describeOnTfjs(DRAWS, drawGradient, AT_SPECIAL_POINTS);
});
