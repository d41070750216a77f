/**
 * The backward rules of moments, batch_normalization, normalize, rms_normalization and layer_normalization
 * through ops.vjp, checked two ways: on the reference against central differences of each op's float64
 * form (JAX's check_grads, a witness that knows nothing of the rules), and at the special points (a row
 * of inf or NaN, epsilon 0, a zero vector, the caps' ties, float32 overflow, broadcast gamma, beta and
 * scale) against jax.vjp of Keras on JAX, run live, on the reference and on each Node TF.js backend, every
 * vjp leaving tf.memory() as it was.
 */
import { reductionPlan, broadcastTo } from '../../adapters/reference/ndarray.js';
import { batchNormalization, moments } from '../../adapters/reference/normalization.js';
import { KerasNotImplementedError, setBackend } from '../../src/index.js';
import { expectKerasError } from '../helpers.js';
import { checkGrads, expectRow, f32, i32, normals, pullback, ref, rowTitle, TFJS, uniforms, type Input, type Row } from './grad-check.js';

const inf = Infinity;

// jax.vjp of Keras 3.15.1 on JAX 0.10.2 (Keras 3.6.0 on JAX 0.4.34 gives the same to a rounding for the
// ops it has), each row [op, args, kwargs, cotangents, gradients] printed by
//   def vjp(op, args, kwargs, cts):
//       names = [k for k, v in args.items() if isinstance(v, np.ndarray) and v.dtype == np.float32]
//       f = lambda *fl: getattr(keras.ops, op)(**{**args, **dict(zip(names, fl)), **kwargs})
//       y, pb = jax.vjp(f, *[jnp.asarray(args[k]) for k in names])
//       ct = tuple(jnp.asarray(c, "float32") for c in cts) if isinstance(y, tuple) else jnp.asarray(cts[0], "float32")
//       return dict(zip(names, pb(ct)))
// under KERAS_BACKEND=jax .venv/keras-3.15.1/bin/python, with f32(v) = np.array(v, "float32"),
// i32(v) = np.array(v, "int32") and a list axis passed as a tuple.
const AT_SPECIAL_POINTS: Row[] = [
  // moments: a row with inf or NaN is NaN; over no axes the variance is 0 and x gets gm alone; a mean of
  // 1e4 loses nothing (jnp.var's own mean takes the float32 mean's rounding back out).
  ['moments', { x: f32([[1, 2, inf, 4], [1, 2, NaN, 4], [0.5, -1, 2, 3]]), axes: [1] }, {}, [[1, 2, 3], [1, 1, -1]], { x: [[NaN, NaN, NaN, NaN], [NaN, NaN, NaN, NaN], [1.0625, 1.8125, 0.3125, -0.1875]] }],
  ['moments', { x: f32([[1.5, -2], [0.25, 4]]), axes: [0, 1] }, { keepdims: true }, [[[2]], [[-1]]], { x: [[0.21875, 1.96875], [0.84375, -1.03125]] }],
  ['moments', { x: f32([[3.5, -1]]), axes: [] }, {}, [[[1, 2]], [[5, 6]]], { x: [[1, 2]] }],
  ['moments', { x: f32([10000.5, 9999, 10000.25, 10001]), axes: [0] }, {}, [1.5, 2], { x: [0.6875, -0.8125, 0.4375, 1.1875] }],
  // batch_normalization: a gradient for every float input (mean, variance, offset, scale); rsqrt(0) = inf
  // with epsilon 0; length-1 vectors broadcast and sum back; an int32 x takes none.
  ['batch_normalization', { x: f32([[1, 2, 3], [4, 5, 6]]), mean: f32([0.5, -1]), variance: f32([1, 4]), axis: 0, offset: f32([0.1, 0.2]), scale: f32([2, -1]) }, { epsilon: 0.001 }, [[[1, -2, 0.5], [3, 1, -1]]], { x: [[1.9990007, -3.9980013, 0.99950033], [-1.4998126, -0.49993753, 0.49993753]], mean: [0.99950033, 1.4998126], variance: [1.2481272, 0.87467206], offset: [-0.5, 3], scale: [-1.2493755, 6.9991255] }],
  ['batch_normalization', { x: f32([[1, 2], [3, 4]]), mean: f32([1, 2]), variance: f32([0, 1]), axis: -1 }, { epsilon: 0 }, [[[1, 1], [1, 2]]], { x: [[inf, 1], [inf, 2]], mean: [-inf, -3], variance: [-inf, -2] }],
  ['batch_normalization', { x: f32([[1, 2, 3], [4, 5, 6]]), mean: f32([0.5]), variance: f32([2]), axis: -1 }, {}, [[[1, -2, 0.5], [3, 1, -1]]], { x: [[0.70693004, -1.4138601, 0.35346502], [2.12079, 0.70693004, -0.70693004]], mean: [-1.7673252], variance: [-1.4573146] }],
  ['batch_normalization', { x: i32([[1, 2], [3, 4]]), mean: f32([0.5, -1]), variance: f32([1, 4]), axis: 1, scale: f32([2, 3]) }, {}, [[[1, 1], [2, -1]]], { mean: [-5.997002, -0], variance: [-5.49176, 0.37485945], scale: [5.497252, -0.99987507] }],
  // normalize: a zero vector is g / epsilon under order 1 (NaN with epsilon 0), NaN under 2 and 3: the
  // capped side still goes through rsqrt's or pow's slope, 0 * inf.
  ['normalize', { x: f32([[0, 0, 0], [3, -4, 0]]) }, { order: 1 }, [[[1, 2, 3], [1, -1, 2]]], { x: [[1e+07, 2e+07, 3e+07], [1.4901161e-08, -1.4901161e-08, 0.14285716]] }],
  ['normalize', { x: f32([[0, 0, 0], [3, -4, 0]]) }, { order: 1, epsilon: 0 }, [[[1, 2, 3], [1, -1, 2]]], { x: [[NaN, NaN, NaN], [1.4901161e-08, -1.4901161e-08, 0.14285716]] }],
  ['normalize', { x: f32([[0, 0, 0], [3, -4, 0]]) }, { order: 2, epsilon: 0.001 }, [[[1, 2, 3], [1, -1, 2]]], { x: [[NaN, NaN, NaN], [0.03199999, 0.024000004, 0.4]] }],
  ['normalize', { x: f32([[0, 0, 0], [3, -4, 0]]) }, { order: 3 }, [[[1, 2, 3], [1, -1, 2]]], { x: [[NaN, NaN, NaN], [0.06840734, 0.051305562, 0.44464785]] }],
  // Ties at the cap: sum|x| = epsilon, and rsqrt(sum(x**2)) = 1 / epsilon, pass half the norm's cotangent.
  ['normalize', { x: f32([[0.5, -0.5]]) }, { order: 1, epsilon: 1 }, [[[1, 3]]], { x: [[1.5, 2.5]] }],
  ['normalize', { x: f32([[2, 0]]) }, { order: 2, epsilon: 2 }, [[[1, 3]]], { x: [[0.25, 1.5]] }],
  // float32 overflow: |1e30|**2 and **3 are inf.
  ['normalize', { x: f32([[1e+30, 1, -1, 0]]) }, { order: 1 }, [[[1, 1, 1, 1]]], { x: [[1e-30, 1e-30, 1e-30, 1e-30]] }],
  ['normalize', { x: f32([[1e+30, 1, -1, 0]]) }, { order: 2 }, [[[1, 1, 1, 1]]], { x: [[0, 0, 0, 0]] }],
  ['normalize', { x: f32([[1e+30, 1, -1, 0]]) }, { order: 3 }, [[[1, 1, 1, 1]]], { x: [[NaN, 0, 0, 0]] }],
  // The matrix 1-norm's two columns tie: each gets half of the norm's cotangent. A 0-D x is (1,).
  ['normalize', { x: f32([[1, 2], [-2, 1]]) }, { order: 1, axis: [0, 1] }, [[[1, -1], [2, 0.5]]], { x: [[0.5833334, -0.08333334], [0.4166667, 0.4166667]] }],
  ['normalize', { x: f32(-2.5) }, { order: 1 }, [[1.5]], { x: 5.9604645e-08 }],
  // rms_normalization: a zero row with epsilon 0 is 0 * rsqrt(0), NaN; a scale that broadcasts x sums back.
  ['rms_normalization', { x: f32([[0, 0], [1, -2]]) }, { epsilon: 0 }, [[[1, 2], [3, 4]]], { x: [[NaN, NaN], [2.5298219, 1.2649112]] }],
  ['rms_normalization', { x: f32([[1, 2, 3]]), scale: f32([[[1, 2, 3]], [[-1, 0.5, 2]]]) }, {}, [[[[1, 0, -1]], [[2, 1, 0.5]]]], { x: [[-0.26452005, 0.628235, -0.3306501]], scale: [[[0.46291003, 0, -1.38873]], [[0.92582005, 0.92582005, 0.694365]]] }],
  ['rms_normalization', { x: f32(-2.5) }, {}, [[3]], { x: 0 }],
  // layer_normalization: a constant row with epsilon 0 is NaN, a size-1 axis 0; gamma and beta broadcast
  // as given (axis -1), beyond x, or reshaped to x's rank (axis (0, 1)).
  ['layer_normalization', { x: f32([[2, 2, 2], [1, 2, 4]]) }, { epsilon: 0 }, [[[1, 2, 3], [1, -1, 2]]], { x: [[NaN, NaN, NaN], [0.80178356, -1.2026757, 0.40089184]] }],
  ['layer_normalization', { x: f32([[1.5], [-2]]), axis: 1 }, {}, [[[3], [-1]]], { x: [[0], [0]] }],
  ['layer_normalization', { x: f32([[1, 2, 4], [-1, 0.5, 3]]), gamma: f32([[2], [-1]]), beta: f32([0.1, 0.2, 0.3]) }, {}, [[[1, -2, 0.5], [3, 1, -1]]], { x: [[1.9471891, -2.9207835, 0.97359455], [-0.123692036, 0.1979075, -0.07421535]], gamma: [[0.1336307], [-4.8487325]], beta: [4, -1, -0.5] }],
  ['layer_normalization', { x: f32([[1, 2, 4]]), gamma: f32([[2, 1, -1], [0.5, 3, 1]]) }, {}, [[[1, -2, 0.5], [3, 1, -1]]], { x: [[0.28635114, -0.42952704, 0.14317566]], gamma: [[-1.0690451, 0.5345228, 0.66815305], [-3.2071354, -0.2672614, -1.3363061]] }],
  ['layer_normalization', { x: f32([[1, 2], [4, -3]]), gamma: f32([2, 1, -1, 0.5]), beta: f32([1, 2, 3, 4]), axis: [0, 1] }, {}, [[[1, -2], [3, 1]]], { x: [[1.0296097, -0.34320325], [-0.34320325, -0.34320325]], gamma: [0, -0.78446454, 3.5300903, -1.5689291], beta: [1, -2, 3, 1] }],
];

// ------------------------------------------------------------------------------ float64 forms

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
const mean = (v: number[]) => sum(v) / v.length;

/** f of each group of x's values over `axes`, written back in place. */
function perGroup(x: Float64Array, shape: number[], axes: number[], f: (group: number[]) => number[]): Float64Array {
  const out = new Float64Array(x.length);
  const { outer, inner } = reductionPlan(shape, axes);
  for (const base of outer) {
    const ys = f(inner.map((off) => x[base + off]));
    inner.forEach((off, k) => {
      out[base + off] = ys[k];
    });
  }
  return out;
}

/** a * b, b (of `shape`) broadcast to a's `outShape` as numpy does; a read as broadcast from `aShape`. */
function times(a: Float64Array, aShape: number[], b: Float64Array | undefined, bShape: number[], outShape: number[], add = false): Float64Array {
  const x = broadcastTo(a, aShape, outShape);
  if (!b) return x;
  const y = broadcastTo(b, bShape, outShape);
  return x.map((v, i) => (add ? v + y[i] : v * y[i]));
}

const standardized = (eps: number) => (g: number[]) => {
  const m = mean(g);
  const s = Math.sqrt(mean(g.map((v) => (v - m) ** 2)) + eps);
  return g.map((v) => (v - m) / s);
};

/** x / the p-norm over `axes`; for order 1 over two axes jnp's matrix 1-norm, the largest column sum. */
function normalized(x: Float64Array, shape: number[], axes: number[], order: number): Float64Array {
  if (order === 1 && axes.length === 2) {
    const [rows, cols] = shape;
    const column = (j: number) => sum(Array.from({ length: rows }, (_, i) => Math.abs(x[i * cols + j])));
    const norm = Math.max(...Array.from({ length: cols }, (_, j) => column(j)));
    return x.map((v) => v / norm);
  }
  return perGroup(x, shape, axes, (g) => {
    const norm = sum(g.map((v) => Math.abs(v) ** order)) ** (1 / order);
    return g.map((v) => v / norm);
  });
}

const draw = (shape: number[], seed: number, scale = 1, shift = 0): Input => [normals(sizeOf(shape), seed).map((v) => v * scale + shift), shape];

describe('normalization gradients', () => {
  describe('on the reference, against central differences of float64 forms (check_grads)', () => {
    before(() => setBackend('reference'));

    for (const [shape, axes, keepdims] of [[[3, 4], [1], false], [[2, 3, 4], [0, 2], true], [[5], [0], false]] as [number[], number[], boolean][]) {
      it(`moments over ${JSON.stringify(axes)} of ${shape.join('x')}`, () => {
        const f64 = ({ x }: Record<string, Float64Array>) => moments(ref(x, shape), axes);
        checkGrads('moments', { axes, keepdims }, { x: draw(shape, axes.length, 2, 0.5) }, f64, 3, sizeOf(shape));
      });
    }

    for (const axis of [1, 2]) {
      it(`batch_normalization of every input along axis ${axis} of 2x3x4`, () => {
        const shape = [2, 3, 4];
        const n = shape[axis];
        const inputs = {
          x: draw(shape, 5, 3, 1),
          mean: draw([n], 6),
          variance: [uniforms(n, 7, 0.5, 2), [n]] as Input,
          offset: draw([n], 8),
          scale: [uniforms(n, 9, 0.5, 2), [n]] as Input,
        };
        const f64 = (v: Record<string, Float64Array>) => {
          const vec = (name: string) => ref(v[name], [n]);
          const vectors = { mean: vec('mean'), variance: vec('variance'), offset: vec('offset'), scale: vec('scale') };
          return [batchNormalization({ x: ref(v.x, shape), ...vectors }, axis, 1e-3, shape)];
        };
        checkGrads('batch_normalization', { axis, epsilon: 1e-3 }, inputs, f64, 11, sizeOf(shape) / n);
      });
    }

    for (const [shape, axes, order] of [
      [[3, 4], [1], 1], [[3, 4], [1], 2], [[3, 4], [1], 3], [[2, 3, 4], [0, 1], 2], [[2, 3, 4], [0], 4], [[3, 4], [0, 1], 1],
    ] as [number[], number[], number][]) {
      it(`normalize order ${order} over ${JSON.stringify(axes)} of ${shape.join('x')}`, () => {
        const f64 = ({ x }: Record<string, Float64Array>) => [normalized(x, shape, axes, order)];
        checkGrads('normalize', { axis: axes, order }, { x: draw(shape, 13 + order) }, f64, 17, sizeOf(shape));
      });
    }

    for (const [shape, axes, scaleShape] of [[[3, 4], [1], [4]], [[2, 3, 4], [0, 2], null], [[3, 4], [1], [2, 1, 4]]] as [number[], number[], number[] | null][]) {
      it(`rms_normalization over ${JSON.stringify(axes)} of ${shape.join('x')}, scale ${JSON.stringify(scaleShape)}`, () => {
        const out = scaleShape ? [...(scaleShape.length > shape.length ? [scaleShape[0]] : []), ...shape] : shape;
        const f64 = ({ x, scale }: Record<string, Float64Array>) => [
          times(perGroup(x, shape, axes, (g) => g.map((v) => v / Math.sqrt(mean(g.map((u) => u * u)) + 1e-7))), shape, scale, scaleShape ?? [], out),
        ];
        const inputs = { x: draw(shape, 19), ...(scaleShape && { scale: draw(scaleShape, 20) }) };
        checkGrads('rms_normalization', { axis: axes }, inputs, f64, 23, sizeOf(shape));
      });
    }

    for (const [shape, axes, paramShape] of [[[3, 4], [1], [4]], [[2, 3, 4], [1, 2], [1, 3, 4]], [[2, 3, 4], [0], null]] as [number[], number[], number[] | null][]) {
      it(`layer_normalization over ${JSON.stringify(axes)} of ${shape.join('x')}, gamma and beta ${JSON.stringify(paramShape)}`, () => {
        const f64 = ({ x, gamma, beta }: Record<string, Float64Array>) => {
          const scaled = times(perGroup(x, shape, axes, standardized(1e-7)), shape, gamma, paramShape ?? [], shape);
          return [times(scaled, shape, beta, paramShape ?? [], shape, true)];
        };
        const params = paramShape && { gamma: draw(paramShape, 29), beta: draw(paramShape, 31) };
        checkGrads('layer_normalization', { axis: axes }, { x: draw(shape, 37, 2, 0.5), ...params }, f64, 41, sizeOf(shape));
      });
    }
  });

  for (const backend of ['reference', ...TFJS]) {
    describe(`at the special points, on ${backend}: jax.vjp's values`, () => {
      before(() => setBackend(backend));
      after(() => setBackend('reference'));
      for (const row of AT_SPECIAL_POINTS) it(rowTitle(row), () => expectRow(row));

      it('moments(synchronized=True) raises as Keras-JAX does, before any gradient', () => {
        const call = () => pullback('moments', { x: f32([1, 2]), axes: [0], synchronized: true }, [[1], [1]]);
        expectKerasError(call, KerasNotImplementedError, 'Argument synchronized=True is not supported with JAX.');
      });
    });
  }
});
