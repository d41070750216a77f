/**
 * polar's backward rule through ops.vjp, for a complex64 cotangent, checked two ways: on the reference
 * against central differences of polar's float64 form (JAX's check_grads), broadcast inputs included, and
 * at special points (zero, negative and infinite magnitudes, infinite and NaN angles, subnormals, an int32
 * abs_) against jax.vjp of Keras on JAX, run live: on the reference and each Node TF.js backend that holds
 * complex64 (not wasm: adapters/tfjs/quirks.ts lacksComplex), every vjp leaving tf.memory() as it was.
 *
 * JAX pairs a complex cotangent ct with a change dy of the output as Re(ct dy) = ct_re dy_re - ct_im dy_im
 * (adapters/reference/grad/complex.ts), which is the real inner product of ct's parts with conj(dy)'s: the
 * float64 form returns conj(polar) as interleaved parts, so check_grads's <g, dy> is JAX's pairing.
 */
import { broadcastTo } from '../../adapters/reference/ndarray.js';
import { setBackend } from '../../src/index.js';
import { checkGrads, describeOnTfjs, expectRow, f32, i32, normals, pullback, rowTitle, TFJS, type Nested, type Row } from './grad-check.js';

const inf = Infinity;

interface Draw {
  title: string;
  abs: number[];
  angle: number[];
}

const DRAWS: Draw[] = [
  { title: 'abs_ and angle of one shape', abs: [3, 4], angle: [3, 4] },
  { title: 'abs_ (2, 1) and angle (3), broadcast to (2, 3)', abs: [2, 1], angle: [3] },
  { title: 'a scalar abs_ against angle (2, 3)', abs: [], angle: [2, 3] },
  { title: 'abs_ (4) against angle (2, 4)', abs: [4], angle: [2, 4] },
];

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const outShape = ({ abs, angle }: Draw) => (abs.length >= angle.length ? abs : angle).map((_, i, s) => {
  const pick = (x: number[]) => x[i - (s.length - x.length)] ?? 1;
  return Math.max(pick(abs), pick(angle));
});

/** conj(abs_ * exp(i angle)) in float64, as interleaved [re0, im0, ...]. */
function f64(draw: Draw) {
  const shape = outShape(draw);
  return ({ abs_, angle }: Record<string, Float64Array>) => {
    const [r, t] = [broadcastTo(abs_, draw.abs, shape), broadcastTo(angle, draw.angle, shape)];
    return [Float64Array.from({ length: 2 * r.length }, (_, j) => (j % 2 ? -r[j >> 1] * Math.sin(t[j >> 1]) : r[j >> 1] * Math.cos(t[j >> 1])))];
  };
}

/** Flat values of `shape` as nested arrays (a 0-d one is its number). */
function nest(v: Float64Array, shape: number[]): Nested {
  if (!shape.length) return v[0];
  const inner = size(shape.slice(1));
  return Array.from({ length: shape[0] }, (_, i) => nest(v.subarray(i * inner, (i + 1) * inner), shape.slice(1)));
}

const inputs = (draw: Draw, seed: number) => ({ abs_: normals(size(draw.abs), seed + 1), angle: normals(size(draw.angle), seed + 2).map((x) => 2 * x) });

function drawGradient(draw: Draw, seed: number): number[] {
  const x = inputs(draw, seed);
  const got = pullback('polar', { abs_: f32(nest(x.abs_, draw.abs)), angle: f32(nest(x.angle, draw.angle)) }, [normals(2 * size(outShape(draw)), seed)]);
  return [...got.abs_, ...got.angle];
}

// jax.vjp of Keras 3.15.1 on JAX 0.10.2, each row printed by
//   y, pb = jax.vjp(lambda a, t: keras.ops.polar(a, t), jnp.asarray(np.array(A, "float32")),
//                   jnp.asarray(np.array(T, "float32")))
//   ga, gt = pb(jnp.asarray(np.array(CT, "complex64")))
// under KERAS_BACKEND=jax .venv/keras-3.15.1/bin/python, CT written here interleaved [re0, im0, ...].
const AT_SPECIAL_POINTS: Row[] = [
  // Re(ct * dy/dx): abs 2, angle 0.3, ct 1 + 2j give cos 0.3 - 2 sin 0.3 and 2 (-sin 0.3 - 2 cos 0.3).
  ['polar', { abs_: f32([2, 0.5, 0, -1.5]), angle: f32([0.3, -1.2, 0.7, 2]) }, {}, [[1, 2, -0.5, 0.25, 3, -1, 0.5, 0.5]], { abs_: [0.36429608, 0.051830918, 2.9387443, -0.66272211], angle: [-4.4123864, -0.27830449, 0, 0.36986291] }],
  // Broadcast inputs sum their gradients back: abs_ over the angles, angle over the magnitudes.
  ['polar', { abs_: f32([[2], [-1]]), angle: f32([0.5, 0, -2]) }, {}, [[1, 1, 2, -1, -1, 0.5, 0.5, 0, -1, -1, 0, 2]], { abs_: [[3.2689524], [1.2573861]], angle: [-2.4743035, 1, -2.2347417] }],
  ['polar', { abs_: f32(1.5), angle: f32([0.25, 3]) }, {}, [[1, -1, -2, 0.5]], { abs_: 3.1257412, angle: [1.0822628, 1.1658543] }],
  // inf * cos(0) with inf * sin(0) = inf * 0: NaN; an inf or NaN angle makes both NaN; XLA flushes the
  // subnormals 1e-40 (abs_ 1e-40: angle's gradient -0) and 3e38 * sin(1e-40).
  ['polar', { abs_: f32([inf, inf, NaN, 1, 1, 0, 1e-40, 3e38]), angle: f32([0, 1, 0.5, inf, NaN, inf, 1, 1e-40]) }, {}, [[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]], { abs_: [1, -0.30116868, 0.398157, NaN, NaN, NaN, -0.30116868, 1], angle: [NaN, -inf, NaN, NaN, NaN, NaN, -0, -3.0000000054977558e+38] }],
  // An int32 abs_ is not differentiated; it weighs the angle's gradient.
  ['polar', { abs_: i32([3, -2]), angle: f32([0.5, 1]) }, {}, [[1, 2, -1, 1]], { angle: [-6.703772, -0.60233736] }],
];

describe('polar gradients', () => {
  describe('on the reference, against central differences of the float64 form (check_grads)', () => {
    before(() => setBackend('reference'));
    DRAWS.forEach((draw, n) => {
      const x = inputs(draw, 17 * n);
      const broadcast = size(outShape(draw)) / Math.min(size(draw.abs), size(draw.angle));
      it(draw.title, () => checkGrads('polar', {}, { abs_: [x.abs_, draw.abs], angle: [x.angle, draw.angle] }, f64(draw), 17 * n, broadcast + 4));
    });
  });

  describe("at the special points, on the reference: jax.vjp's values", () => {
    before(() => setBackend('reference'));
    for (const row of AT_SPECIAL_POINTS) it(rowTitle(row), () => expectRow(row));
  });

  // TF.js's wasm backend cannot hold complex64 (adapters/tfjs/quirks.ts lacksComplex).
  describeOnTfjs(DRAWS, drawGradient, AT_SPECIAL_POINTS, TFJS.filter((b) => b !== 'tfjs-wasm'));
});
