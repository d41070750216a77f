/**
 * The reference backward rules of the activations, through ops.vjp, checked two ways: against central
 * differences of each op's float64 form (JAX's check_grads, a witness that knows nothing of the rules),
 * and at the kinks, ties and special values against jax.vjp of Keras on JAX, run live.
 */
import { expect } from 'chai';
import { referenceAdapter } from '../../adapters/reference/index.js';
import {
  elu, forEachGluPair, gelu, relu6, SELU_ALPHA, SELU_SCALE, sigmoid, softmaxValues, softplus, sparsemaxSupport,
} from '../../adapters/reference/activations.js';
import { reductionPlan } from '../../adapters/reference/ndarray.js';
import { DEFAULT_TOLERANCE, isClose, ulpDistance } from '../../src/golden/compare.js';
import {
  KerasTypeError, KerasValueError, opsFor, registerBackend, setBackend, tensor, type Adapter, type Tensor,
} from '../../src/index.js';
import { expectKerasError } from '../helpers.js';
import { normals } from './grad-check.js';

const ops = opsFor('3.15.1');
type Kwargs = Record<string, unknown>;
const f32 = Math.fround;

/** The gradient ops.vjp gives for x (float32, of `shape`) and the cotangent ct (ones by default). */
function gradient(op: string, kwargs: Kwargs, x: ArrayLike<number>, shape: number[], ct?: ArrayLike<number>): Float32Array {
  const [y, pullback] = ops.vjp(op, [tensor(Float32Array.from(x), shape, 'float32')], kwargs);
  const out = y as Tensor;
  const g = ct ? Float32Array.from(ct) : new Float32Array(out.size).fill(1);
  return pullback(tensor(g, out.shape, 'float32')).x.dataSync() as Float32Array;
}

/**
 * Central differences in float64, as JAX's check_grads: for a random direction v and cotangent g,
 * <pullback(g), v> against <g, (f(x + eps v) - f(x - eps v)) / (2 eps)>.
 *
 * Tolerance: with eps = 2^-20 the difference's truncation error (eps^2 / 6 |f'''|, about 1e-13 here) and
 * its float64 rounding (2^-53 |f| / eps, about 1e-10) are far below the rule's own error, which is what
 * the check measures: a float32 result, a few ulp (2^-24) of |dx_i| and, where a rule keeps JAX's float32
 * steps, of |g| (1 + |x_i|), g the cotangents dx_i depends on (XLA's tanh is up to 4 ulp out, and gelu's
 * factor on it grows like |x|, to about 11 such ulp near x = -5). 16 ulp of those scales, summed along v,
 * bound it; the errors seen stay under half of one, and a wrong factor or sign is off by far more.
 */
const EPS = 2 ** -20;
const ULPS = 16 * 2 ** -24;

type Forward64 = (x: Float64Array) => Float64Array;

function checkGrads(op: string, kwargs: Kwargs, x: Float32Array, shape: number[], f64: Forward64, seed: number, pointwise = false) {
  const outSize = f64(Float64Array.from(x)).length;
  const g = Float32Array.from(normals(outSize, seed));
  const v = normals(x.length, seed + 1);
  const dx = gradient(op, kwargs, x, shape, g);
  const plus = f64(Float64Array.from(x, (xi, i) => xi + EPS * v[i]));
  const minus = f64(Float64Array.from(x, (xi, i) => xi - EPS * v[i]));
  const pulled = dx.reduce((sum, d, i) => sum + d * v[i], 0);
  const pushed = g.reduce((sum, gj, j) => sum + (gj * (plus[j] - minus[j])) / (2 * EPS), 0);
  const gMax = g.reduce((m, gj) => Math.max(m, Math.abs(gj)), 0);
  const gAt = (i: number) => (pointwise ? Math.abs(g[i]) : gMax);
  const tolerance = ULPS * dx.reduce((sum, d, i) => sum + Math.abs(v[i]) * (Math.abs(d) + gAt(i) * (1 + Math.abs(x[i]))), 0);
  expect(Number.isFinite(pulled), 'a finite gradient').to.equal(true);
  expect(Math.abs(pulled - pushed), `<dx, v> = ${pulled}, central difference ${pushed}`).to.be.at.most(tolerance);
}

/** Normal draws of scale 2 in float32, moved 0.05 off any kink closer than 0.01 (eps |v| is below 1e-5). */
function pointsAwayFrom(kinks: number[], count: number, seed: number): Float32Array {
  return Float32Array.from(normals(count, seed), (z) => {
    const v = 2 * z;
    return kinks.some((k) => Math.abs(v - k) < 0.01) ? v + 0.05 : v;
  });
}

const elementwise = (f: (v: number) => number) => (x: Float64Array) => x.map(f);

// Each elementwise op's float64 form: the reference forward's own functions where it has them, jax.nn's
// definitions otherwise; then the points where its derivative jumps.
const ELEMENTWISE: [string, Kwargs, (v: number) => number, number[]][] = [
  ['relu', {}, (v) => Math.max(v, 0), [0]],
  ['relu6', {}, relu6, [0, 6]],
  ['sigmoid', {}, sigmoid, []],
  ['softplus', {}, softplus, []],
  ['softsign', {}, (v) => v / (1 + Math.abs(v)), [0]],
  ['silu', {}, (v) => v * sigmoid(v), []],
  ['log_sigmoid', {}, (v) => -softplus(-v), []],
  ['leaky_relu', {}, (v) => (v >= 0 ? v : f32(0.2) * v), [0]],
  ['leaky_relu', { negative_slope: -1.5 }, (v) => (v >= 0 ? v : -1.5 * v), [0]],
  ['hard_sigmoid', {}, (v) => relu6(v + 3) / 6, [-3, 3]],
  ['hard_silu', {}, (v) => (v * relu6(v + 3)) / 6, [-3, 3]],
  ['elu', {}, (v) => elu(v, 1), [0]],
  ['elu', { alpha: 0.3 }, (v) => elu(v, f32(0.3)), [0]],
  ['selu', {}, (v) => SELU_SCALE * elu(v, SELU_ALPHA), [0]],
  ['gelu', { approximate: true }, (v) => gelu(v, true), []],
  ['gelu', { approximate: false }, (v) => gelu(v, false), []],
  ['celu', { alpha: 2 }, (v) => Math.max(v, 0) + 2 * Math.expm1(Math.min(v, 0) / 2), [0]],
  ['hard_shrink', {}, (v) => (Math.abs(v) > 0.5 ? v : 0), [-0.5, 0.5]],
  ['hard_tanh', {}, (v) => Math.min(Math.max(v, -1), 1), [-1, 1]],
  ['soft_shrink', { threshold: 1 }, (v) => (v > 1 ? v - 1 : v < -1 ? v + 1 : 0), [-1, 1]],
  ['squareplus', {}, (v) => (v + Math.sqrt(v * v + 4)) / 2, []],
  ['squareplus', { b: 0.5 }, (v) => (v + Math.sqrt(v * v + 0.5)) / 2, []],
  ['tanh_shrink', {}, (v) => v - Math.tanh(v), []],
  ['sparse_plus', {}, (v) => (v <= -1 ? 0 : v >= 1 ? v : (v + 1) ** 2 / 4), [-1, 1]],
  ['threshold', { threshold: 0.5, default_value: -1 }, (v) => (v > 0.5 ? v : -1), [0.5]],
  ['sparse_sigmoid', {}, (v) => 0.5 * Math.min(Math.max(v + 1, 0), 2), [-1, 1]],
];

const glu64 = (shape: number[], axis: number) => (x: Float64Array) => {
  const out = new Float64Array(x.length / 2);
  forEachGluPair(shape, axis, (o, a, b) => {
    out[o] = x[a] * sigmoid(x[b]);
  });
  return out;
};

/**
 * Keras-JAX's sparsemax in float64 with the support of the unperturbed x held, so linear: its central
 * difference is exact. The draws keep every support test and every x - tau 0.01 from 0, where the support
 * and the max would switch.
 */
function sparsemax64(x0: Float32Array, shape: number[], axis: number): Forward64 {
  const { outer, inner } = reductionPlan(shape, [axis]);
  const slices = outer.map((base) => inner.map((off) => base + off));
  const supports = slices.map((at) => sparsemaxSupport(at.map((i) => x0[i])));
  const tauOf = (x: ArrayLike<number>, at: number[], { order, support }: (typeof supports)[number], check = false) => {
    let cumsum = 0;
    let total = 0;
    order.forEach((i, j) => {
      cumsum += x[at[i]];
      if (check) expect(Math.abs(x[at[i]] - (cumsum - 1) / (j + 1)), 'a support test away from 0').to.be.above(0.01);
      if (support[j]) total += cumsum;
    });
    return (total - 1) / support.filter(Boolean).length;
  };
  slices.forEach((at, s) => {
    const tau = tauOf(x0, at, supports[s], true);
    for (const i of at) expect(Math.abs(x0[i] - tau), 'x - tau away from 0').to.be.above(0.01);
  });
  return (x) => {
    const out = new Float64Array(x.length);
    slices.forEach((at, s) => {
      const tau = tauOf(x, at, supports[s]);
      for (const i of at) out[i] = Math.max(x[i] - tau, 0);
    });
    return out;
  };
}

// jax.vjp of Keras 3.15.1 on JAX 0.10.2 (Keras 3.6.0 on JAX 0.4.34 gives the same for the ops it has):
//   KERAS_BACKEND=jax python -c "import jax, jax.numpy as jnp, keras; x = jnp.array(X, 'float32');
//     y, pb = jax.vjp(lambda x: keras.ops.OP(x, **KWARGS), x); print(pb(jnp.ones_like(y))[0].tolist())"
// with X and KWARGS those of the row (inf as float('inf'), NaN as float('nan')).
const AT_KINKS: [string, Kwargs, number[], number[], number?][] = [
  // jax.nn.relu's custom_jvp: 0 at 0; XLA reads a subnormal x as 0.
  ['relu', {}, [-Infinity, -1, -0, 0, 1e-40, 1e-30, 1, Infinity, NaN], [0, 0, 0, 0, 0, 1, 1, 1, 0]],
  // relu6's: 0 at both corners.
  ['relu6', {}, [-1, 0, 1e-40, 3, 5.9999995, 6, 7, Infinity, NaN], [0, 0, 0, 1, 1, 0, 0, 0, 0]],
  // x >= 0 takes the identity, -0 and a negative subnormal too; NaN takes the slope.
  ['leaky_relu', {}, [-Infinity, -1, -1e-40, -0, 0, 1, Infinity, NaN], [0.2, 0.2, 1, 1, 1, 1, 1, 0.2]],
  ['leaky_relu', { negative_slope: 0 }, [-Infinity, -1, 0, NaN], [0, 0, 1, 0]],
  // relu6(x + 3) / 6: 0 at -3 and 3; 2.9999998 + 3 rounds to 6 in float32.
  ['hard_sigmoid', {}, [-3.0000002, -3, -2.9999998, 0, 2.9999998, 3, Infinity, NaN], [0, 0, 0.16666667, 0.16666667, 0, 0, 0, 0]],
  ['hard_silu', {}, [-Infinity, -3, -1.5, 0, 2.9999998, 3, Infinity, NaN], [0, 0, 0, 0.5, 1, 1, 1, NaN]],
  // alpha * exp(x) at 0 and below, expm1(x) + 1 in float32: 2^-24 at -17, 0 at -20.
  ['elu', {}, [-Infinity, -20, -17, -1, -0, 0, 1e-40, 1e-30, Infinity, NaN], [0, 0, 5.9604645e-8, 0.36787945, 1, 1, 1, 1, 1, NaN]],
  ['elu', { alpha: 0 }, [-1, 0, 1, NaN], [0, 0, 1, NaN]],
  ['selu', {}, [-Infinity, -0, 0, 1e-40, 1, Infinity, NaN], [0, 1.7580993, 1.7580993, 1.7580993, 1.050701, 1.050701, NaN]],
  // max's and min's halves at 0 add up to 1; alpha = 0 divides 0 by 0.
  ['celu', {}, [-Infinity, -1, -0, 0, 1e-40, 1, Infinity, NaN], [0, 0.36787945, 1, 1, 1, 1, 1, NaN]],
  ['celu', { alpha: 0 }, [-1, 0, 1], [NaN, NaN, NaN]],
  ['celu', { alpha: -1 }, [-Infinity, -100, -1, 0], [Infinity, Infinity, 2.7182817, 1]],
  // x**2 overflows float32 past 1.8e19 and meets a 0: NaN.
  ['gelu', { approximate: true }, [-Infinity, -1e30, -1e20, -1e13, -1e9, 0, 1e13, 1e20, Infinity, NaN], [NaN, NaN, NaN, 0, 0, 0.5, 1, NaN, NaN, NaN]],
  // XLA's float32 erfc and exp are off in the tail at -9: 43 ulp of 9e-18.
  ['gelu', { approximate: false }, [-Infinity, -1e30, -9, 0, 1e30, Infinity, NaN], [NaN, 0, -9.138973e-18, 0.5, 1, NaN, NaN], 43],
  // Near -4.7 the gradient reads JAX's tanh, a few ulp from -1, 17-fold: XLA's tanh and float32 steps, bit for
  // bit. Keras 3.6.0's JAX rounds p + p * t once: [-7.038495e-06, -3.13875e-05, -0.00010394181, -0.011584012].
  ['gelu', { approximate: true }, [-4.75, -4.5, -4.25, -3], [-7.4214913e-6, -3.129916e-5, -0.000103413244, -0.011583906]],
  ['softsign', {}, [-Infinity, -1, 0, 1, Infinity, NaN], [NaN, 0.25, 1, 0.25, NaN, NaN]],
  // Far out JAX's float32 g / d - g * d**-2 * |x| cancels to noise, which the rule's float32 steps keep.
  ['softsign', {}, [-1e9, 1e13, 1e20, 1e30], [-1.110223e-16, 0, 1e-20, 1e-30]],
  // XLA's float32 logistic is exactly 1 from 16.7 and flushed to 0 below -87.3.
  ['sigmoid', {}, [-Infinity, -88, -87, 0, 16, 17, Infinity, NaN], [0, 0, 1.6458116e-38, 0.25, 1.19209275e-7, 0, 0, NaN], 1],
  ['softplus', {}, [-Infinity, -100, -87, 0, 100, Infinity, NaN], [0, 0, 1.6458115e-38, 0.5, 1, 1, NaN]],
  ['log_sigmoid', {}, [-Infinity, -100, 0, 87, 100, Infinity, NaN], [1, 1, 0.5, 1.6458115e-38, 0, 0, NaN]],
  ['silu', {}, [-Infinity, -88, -87, 0, 20, 1e30, Infinity, NaN], [NaN, 0, -1.415398e-36, 0.5, 1, 1, NaN, NaN], 2],
  // Closed at +-1; NaN fails both tests and passes.
  ['hard_tanh', {}, [-Infinity, -1.0000001, -1, 0, 1, 1.0000001, Infinity, NaN], [0, 0, 1, 1, 1, 0, 0, 1]],
  ['hard_shrink', {}, [-0.50000006, -0.5, 0, 0.5, 0.50000006, Infinity, NaN], [1, 0, 0, 0, 1, 1, 0]],
  ['hard_shrink', { threshold: 0 }, [-1e-40, 0, 1e-40, 1e-30], [0, 0, 0, 1]],
  ['soft_shrink', {}, [-0.50000006, -0.5, 0, 0.5, 0.50000006, Infinity, NaN], [1, 0, 0, 0, 1, 1, 0]],
  ['soft_shrink', { threshold: -1 }, [-2, 0, 2, NaN], [1, 1, 1, 0]],
  ['threshold', { threshold: 0.5, default_value: -1 }, [-Infinity, 0.5, 0.50000006, Infinity, NaN], [0, 0, 1, 1, 0]],
  ['threshold', { threshold: 0, default_value: 0 }, [-1e-40, 0, 1e-40, 1e-30], [0, 0, 0, 1]],
  // 0 at -1, 1 at 1; at +-inf a 0 times inf.
  ['sparse_plus', {}, [-Infinity, -1, -0.99999994, 0, 0.99999994, 1, Infinity, NaN], [NaN, 0, 2.9802322e-8, 0.5, 1, 1, NaN, NaN]],
  // clip's max and min each halve the slope at their bound: 0.25 at +-1; 0.99999994 + 1 rounds to 2.
  ['sparse_sigmoid', {}, [-Infinity, -1, -0.99999994, 0, 0.99999994, 1, Infinity, NaN], [0, 0.25, 0.5, 0.5, 0.25, 0.25, 0, 0]],
  ['squareplus', {}, [-Infinity, -1e30, -1e9, 0, 1e20, Infinity, NaN], [NaN, 0.5, 1.4140966e-8, 0.5, 0.5, NaN, NaN]],
  ['squareplus', { b: 0 }, [-1e-20, -0, 0, 1e-40, 1e-20, 1e-8, 1], [-Infinity, NaN, NaN, NaN, Infinity, 1, 1]],
  ['tanh_shrink', {}, [-Infinity, 0, 1, Infinity, NaN], [1, 0, 0.5800257, 1, NaN]],
  // g + f + f * t, f = -g * (1 - t), in float32 near 0: -x where the exact g * t**2 underflows.
  ['tanh_shrink', {}, [-1e-30, 1e-30, -0.001, 0.001, -0.5], [1e-30, -1e-30, 9.528594e-7, 9.875512e-7, 0.21355224]],
  ['hard_silu', {}, [-2.5, 0.5, 2.75], [-0.33333334, 0.6666667, 1.4166667]],
];

// The same line with jnp.array(CT, 'float32') for jnp.ones_like(y): what a rule multiplies by what shows
// where an infinite cotangent meets a 0, and a select passes a subnormal cotangent that arithmetic flushes.
const WITH_COTANGENTS: [string, Kwargs, number[], number[], number[]][] = [
  ['leaky_relu', { negative_slope: 0 }, [-1, 1], [Infinity, Infinity], [NaN, Infinity]],
  ['sigmoid', {}, [17, 0], [Infinity, Infinity], [NaN, Infinity]],
  ['softsign', {}, [-2, 0], [Infinity, Infinity], [NaN, NaN]],
  // g * d**-2 comes first and is 0, so the x of 3e38 that g * x would overflow meets no inf.
  ['softsign', {}, [3e38, -3e38, 3e38, 1e20], [1.4711701, 2, -3, 1e20], [0, 0, 0, 1]],
  // The sigmoid's cotangent g * x overflows to inf and meets s (1 - s) = 0: NaN, but where g * x stays finite.
  ['silu', {}, [0, -3e38, 3e38, -3e38], [-0.5470981, 1.4638209, 2, 0.5], [-0.27354905, NaN, NaN, 0]],
  ['hard_silu', {}, [-2, 1], [Infinity, Infinity], [NaN, Infinity]],
  ['sparse_sigmoid', {}, [-2, 0.5], [Infinity, Infinity], [NaN, Infinity]],
  ['tanh_shrink', {}, [0, 20], [Infinity, Infinity], [NaN, NaN]],
  ['relu', {}, [1, 2], [1e-40, 1e-45], [1e-40, 1e-45]],
  ['hard_tanh', {}, [0], [1e-40], [1e-40]],
  ['sigmoid', {}, [0], [1e-40], [0]],
];

// Ops over an axis, the same line with nested X and CT.
const OVER_AXES: [string, Kwargs, number[][] | number[][][], number[][] | number[][][], number[][] | number[][][]][] = [
  // A row with +inf, NaN or nothing but -inf is NaN; a -inf entry gets 0 (softmax) or its cotangent (log_softmax).
  ['softmax', {}, [[-Infinity, 0, 1], [Infinity, 0, 1], [NaN, 0, 1], [-Infinity, -Infinity, -Infinity], [5, 5, 5]], [[1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3]], [[-0, -0.19661205, 0.19661164], [NaN, NaN, NaN], [NaN, NaN, NaN], [NaN, NaN, NaN], [-0.33333334, 0, 0.3333333]]],
  ['log_softmax', {}, [[-Infinity, 0, 1], [Infinity, 0, 1], [NaN, 0, 1], [-Infinity, -Infinity, -Infinity], [5, 5, 5]], [[1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3]], [[1, 0.38635138, -1.3863516], [NaN, NaN, NaN], [NaN, NaN, NaN], [NaN, NaN, NaN], [-1, 0, 1]]],
  ['softmax', { axis: [0, 2] }, [[[0, 1], [2, 3]], [[-1, 0.5], [1.5, -2]]], [[[1, -1], [2, 0.5]], [[0, 3], [-2, 1]]], [[[0.0762264, -0.74077684], [0.34575322, 0.0010330677]], [[-0.03610556, 0.70065606], [-0.34890187, 0.0021155374]]]],
  ['log_softmax', { axis: null }, [[0, 1], [2, 3]], [[1, -1], [2, 0.5]], [[0.9198535, -1.2178608], [1.4077929, -1.1097857]]],
  // The second half's slope is 0 where XLA's float32 sigmoid is exactly 1 (x >= 16.7) or flushed (x < -87.3).
  ['glu', {}, [[1e30, -5, 17, 20], [2, 3, -88, -87], [-Infinity, Infinity, 0, NaN]], [[1, 2], [1, 2], [1, 2]], [[1, 2, 0, -0], [0, 3.2916232e-38, 0, 9.87487e-38], [0.5, NaN, -Infinity, NaN]]],
  // Ties sort in position order and so get different gradients; x - tau = 0 takes half of max's slope.
  ['sparsemax', {}, [[1, 1, -1], [2, 2, -1], [0, -0, 0], [1, 0, 0]], [[1, 2, 4], [1, 2, 4], [1, 2, 4], [1, 2, 4]], [[-1, 0.25, 0], [0, 0, 0], [-6, -2.6666665, 1.6666667], [-3, 1, 2]]],
  ['sparsemax', {}, [[0.75, 0.25, 0.25], [NaN, 1, 0], [Infinity, 1, 0], [-Infinity, 1, 0]], [[1, 2, 4], [1, 2, 4], [1, 2, 4], [1, 2, 4]], [[0, -0.6666667, -0.33333334], [0, -2, 2], [1, 2, 4], [0, -2, 2]]],
];

const shapeOf = (v: unknown): number[] => (Array.isArray(v) ? [v.length, ...shapeOf(v[0])] : []);

/** Every element within `ulps` float32 steps of JAX's (NaN only for NaN, -0 and 0 alike), exactly by default. */
function expectJax(got: Float32Array, want: number[], ulps = 0) {
  got.forEach((g, i) => {
    expect(ulpDistance(g, f32(want[i])), `element ${i}: got ${g}, want ${want[i]}`).to.be.at.most(ulps);
  });
}

/** Within Keras's float32 test tolerance of JAX's (NaN only for NaN): its own float32 sums cancel. */
function expectJaxClose(got: Float32Array, want: number[]) {
  got.forEach((g, i) => {
    expect(isClose(g, want[i], DEFAULT_TOLERANCE.float32), `element ${i}: got ${g}, want ${want[i]}`).to.equal(true);
  });
}

describe('activation gradients on the reference backend', () => {
  before(() => setBackend('reference'));

  describe('against central differences of the float64 forward (check_grads)', () => {
    ELEMENTWISE.forEach(([op, kwargs, f, kinks], n) => {
      it(`${op} ${JSON.stringify(kwargs)}`, () => {
        checkGrads(op, kwargs, pointsAwayFrom(kinks, 48, 100 + n), [6, 8], elementwise(f), 7 * n, true);
      });
    });

    for (const [axes, shape, kwargs] of [
      [[1], [3, 5], {}],
      [[0, 2], [2, 3, 4], { axis: [0, 2] }],
      [[0, 1], [2, 3], { axis: null }],
    ] as [number[], number[], Kwargs][]) {
      for (const [op, log] of [['softmax', false], ['log_softmax', true]] as const) {
        it(`${op} ${JSON.stringify(kwargs)} on ${shape.join('x')}`, () => {
          const x = pointsAwayFrom([], shape.reduce((a, b) => a * b), axes.length);
          checkGrads(op, kwargs, x, shape, (v) => softmaxValues(v, shape, axes, log), 11);
        });
      }
    }

    for (const [axis, shape] of [[1, [3, 4]], [0, [4, 3]], [1, [2, 6, 2]]] as [number, number[]][]) {
      it(`glu {"axis":${axis}} on ${shape.join('x')}`, () => {
        checkGrads('glu', { axis }, pointsAwayFrom([], shape.reduce((a, b) => a * b), axis + 5), shape, glu64(shape, axis), 13);
      });
    }

    for (const [axis, shape, seed] of [[1, [4, 6], 3], [0, [5, 3], 4]] as [number, number[], number][]) {
      it(`sparsemax {"axis":${axis}} on ${shape.join('x')}`, () => {
        const x = pointsAwayFrom([], shape.reduce((a, b) => a * b), seed);
        checkGrads('sparsemax', { axis }, x, shape, sparsemax64(x, shape, axis), 17);
      });
    }
  });

  describe("at kinks, ties and special values: jax.vjp's values", () => {
    for (const [op, kwargs, x, want, ulps] of AT_KINKS) {
      it(`${op} ${JSON.stringify(kwargs)} at ${x.join(', ')}`, () => expectJax(gradient(op, kwargs, x, [x.length]), want, ulps));
    }
    for (const [op, kwargs, x, ct, want] of WITH_COTANGENTS) {
      it(`${op} ${JSON.stringify(kwargs)} at ${x.join(', ')} for the cotangent ${ct.join(', ')}`, () => {
        expectJax(gradient(op, kwargs, x, [x.length], ct), want);
      });
    }
    OVER_AXES.forEach(([op, kwargs, x, ct, want], n) => {
      it(`${op} ${JSON.stringify(kwargs)}, case ${n}`, () => {
        expectJaxClose(gradient(op, kwargs, x.flat(2), shapeOf(x), ct.flat(2)), want.flat(2));
      });
    });
  });

  describe('ops.vjp', () => {
    it('gives relu and its pullback, {x: dx}, as jax.vjp does', () => {
      const x = tensor([-1, 0, 2], [3], 'float32');
      const [y, pullback] = ops.vjp('relu', [x]);
      expect((y as Tensor).arraySync()).to.deep.equal([0, 0, 2]);
      const grads = pullback([3.5, 4.5, 5.5]);
      expect(Object.keys(grads)).to.deep.equal(['x']);
      expect(grads.x.dtype).to.equal('float32');
      expect(grads.x.arraySync()).to.deep.equal([0, 0, 5.5]);
      // A pullback runs again for other cotangents.
      expect(pullback(tensor([1, 1, 1], [3], 'float32')).x.arraySync()).to.deep.equal([0, 0, 1]);
    });

    it('differentiates through aliases and keyword arguments', () => {
      const x = [-2.5, 0.5, 3];
      expect(Array.from(gradient('swish', {}, x, [3]))).to.deep.equal(Array.from(gradient('silu', {}, x, [3])));
      expect(Array.from(gradient('hard_swish', {}, x, [3]))).to.deep.equal(Array.from(gradient('hard_silu', {}, x, [3])));
      expect(Array.from(gradient('leaky_relu', { negative_slope: 0.5 }, [-2, 2], [2]))).to.deep.equal([0.5, 1]);
    });

    it("follows each Keras version's names", () => {
      const [, pullback] = opsFor('3.6.0').vjp('elu', [[-1.5, 1.5]], { alpha: 2 });
      expect(pullback(tensor([1, 1], [2], 'float32')).x.arraySync()).to.deep.equal([f32(2 * Math.exp(-1.5)), 1]);
      expectKerasError(() => opsFor('3.6.0').vjp('celu', [[1.5]]), KerasTypeError, /^Unknown op: celu \(celu came in Keras 3\.7\)/);
    });

    it('refuses an integer input: nothing to differentiate', () => {
      expectKerasError(
        () => ops.vjp('relu', [[1, 2]]),
        KerasTypeError,
        'vjp requires real-valued inputs (input dtype that is a sub-dtype of np.inexact), as jax.grad does, but relu got x of dtype int32.',
      );
    });

    it("refuses a cotangent of another shape or dtype in JAX's words, which JAX 0.10 changed", () => {
      // jax.vjp(keras.ops.relu, jnp.array([-1., 0., 2.]))[1](jnp.ones(2)), on each version's JAX.
      const [, newer] = ops.vjp('relu', [[-1.5, 0, 2]]);
      expectKerasError(
        () => newer([1.5, 1.5]),
        KerasValueError,
        'unexpected JAX type (e.g. shape/dtype) for argument to VJP function: got float32[2], but expected float32[3] ' +
          'because the corresponding output of the differentiated function had JAX type float32[3]',
      );
      // JAX takes no integer cotangent for a float output; a plain [1, 1, 1] has no dtype and takes the output's.
      expectKerasError(() => newer(tensor([1, 1, 1], [3], 'int32')), KerasValueError, /got int32\[3\], but expected float32\[3\]/);
      expect(Array.from(newer([1, 1, 1]).x.dataSync())).to.deep.equal([0, 0, 1]);
      const [, older] = opsFor('3.6.0').vjp('relu', [[-1.5, 0, 2]]);
      expectKerasError(
        () => older([1.5, 1.5]),
        KerasValueError,
        'unexpected JAX type (e.g. shape/dtype) for argument to vjp function: got float32[2], but expected float32[3] ' +
          'because the corresponding output of the function relu had JAX type float32[3]',
      );
    });

    it('refuses one_hot, whose output has no gradient', () => {
      expectKerasError(
        () => ops.vjp('one_hot', [[0, 1], 3]),
        KerasTypeError,
        'one_hot has no gradient: its output depends on its inputs only through their integer class indices.',
      );
    });

    describe('pullback.dispose()', () => {
      const released: unknown[] = [];
      before(async () => {
        const counting = { ...referenceAdapter, name: 'reference-counting', dispose: (h: unknown) => released.push(h) };
        registerBackend('reference-counting', async () => counting as Adapter<unknown>);
        await setBackend('reference-counting');
      });
      beforeEach(() => released.splice(0));
      after(() => setBackend('reference'));

      it('releases the tensors the call made from plain values, and only those', () => {
        const [y, pullback] = ops.vjp('relu', [[1.5, -2]]);
        pullback([0.5, 0.5]);
        expect(released, 'the cotangent made from an array, once the pullback returns').to.have.length(1);
        pullback.dispose();
        expect(released, 'x, made from an array').to.have.length(2);
        expect((y as Tensor).arraySync()).to.deep.equal([1.5, 0]);
        pullback.dispose();
        expect(released, 'a second dispose releases nothing more').to.have.length(2);
      });

      it("leaves the caller's tensors alone", () => {
        const x = tensor([1.5, -2], [2], 'float32');
        const [, pullback] = ops.vjp('relu', [x]);
        pullback(tensor([1, 1], [2], 'float32'));
        pullback.dispose();
        expect(released).to.have.length(0);
        expect(x.arraySync()).to.deep.equal([1.5, -2]);
      });
    });
  });
});
