/**
 * The backward rules of binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy and
 * psnr through ops.vjp, checked two ways: on the reference against central differences of each op's
 * float64 form (JAX's check_grads, away from the clip's bounds), and at the special points (probabilities
 * on, beyond and between the clip's bounds, from_logits at +-inf and NaN, labels out of range, a float
 * target, identical psnr inputs) against jax.vjp of Keras on JAX, run live, on the reference and on each
 * Node TF.js backend, every vjp leaving tf.memory() as it was.
 */
import { binaryCrossentropy, categoricalCrossentropy, psnr, sparseCrossentropy } from '../../adapters/reference/losses.js';
import { setBackend } from '../../src/index.js';
import { checkGrads, expectRow, f32, i32, normals, ref, rowTitle, TFJS, uniforms, type Input, type Row } from './grad-check.js';

const inf = Infinity;

// jax.vjp of Keras 3.15.1 on JAX 0.10.2 (Keras 3.6.0 on JAX 0.4.34 gives the same to a rounding), each
// row [op, args, kwargs, cotangents, gradients] printed by
//   def vjp(op, args, kwargs, cts):
//       names = [k for k, v in args.items() if isinstance(v, np.ndarray) and v.dtype == np.float32]
//       f = lambda *fl: getattr(keras.ops, op)(**{**args, **dict(zip(names, fl)), **kwargs})
//       y, pb = jax.vjp(f, *[jnp.asarray(args[k]) for k in names])
//       return dict(zip(names, pb(jnp.asarray(cts[0], "float32"))))
// under KERAS_BACKEND=jax .venv/keras-3.15.1/bin/python, with f32(v) = np.array(v, "float32") and
// i32(v) = np.array(v, "int32"); 1e-07 and 0.9999999 are float32(1e-7) and float32(1 - 1e-7), the clip's
// bounds, and 1.0000001e-07 the float32 above the lower one.
const AT_SPECIAL_POINTS: Row[] = [
  // binary_crossentropy: jnp.clip is maximum, then minimum: at a bound half the slope (lax's balanced
  // tie), outside none, NaN through; the target's -log(p) + log(1 - p) reads the clipped p.
  ['binary_crossentropy', { target: f32([0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]), output: f32([0, 1e-07, 1.0000001e-07, 0.5, 0.9999999, 1, inf, -inf, NaN]) }, {}, [[1, 1, 1, 1, 1, 1, 1, 1, 1]], { target: [16.118095, 16.118095, 16.118095, 0, -15.942385, -15.942385, -15.942385, 16.118095, NaN], output: [-0, -1.4999996e+06, -2.999999e+06, 0.79999995, 2.9360125e+06, 0, 0, -0, NaN] }],
  ['binary_crossentropy', { target: f32([0, 1, 0, 1]), output: f32([0.25, 0.25, 1e-07, 0.9999999]) }, {}, [[1, 2, 3, 4]], { target: [1.0986123, 2.1972246, 48.354286, -63.76954], output: [1.3333334, -8, 1.5000002, -2.0000002] }],
  // from_logits: log_sigmoid's slopes, the sigmoid, with softplus's custom jvp at +-inf.
  ['binary_crossentropy', { target: f32([0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]), output: f32([-inf, -100, -1, 0, 100, inf, NaN]) }, { from_logits: true }, [[1, 1, 1, 1, 1, 1, 1]], { target: [inf, 100, 1, 0, -100, -inf, NaN], output: [-0.3, -0.3, -0.031058595, 0.19999999, 0.7, 0.7, NaN] }],
  // An int32 target has no gradient; it still weighs the output's.
  ['binary_crossentropy', { target: i32([0, 1, 1]), output: f32([0.2, 0.7, 0]) }, {}, [[1, 1, 1]], { output: [1.25, -1.4285715, -0] }],
  // categorical_crossentropy clips o / sum(o): a row whose ratios sit on both bounds, a row of 0 and 1.
  ['categorical_crossentropy', { target: f32([[0.25, 0.75], [0.5, 0.5]]), output: f32([[1e-07, 0.9999999], [0, 2]]) }, {}, [[1, 2]], { target: [[16.118095, 1.1920929e-07], [32.23619, 2.3841858e-07]], output: [[-1.2499995e+06, 0.12499994], [-0, -0]] }],
  ['categorical_crossentropy', { target: f32([[0.2, 0.3, 0.5], [1, 0, 0]]), output: f32([[0.1, 0.6, 0.3], [2, 1, 1]]) }, { axis: -1 }, [[1.5, -1]], { target: [[3.4538777, 0.76623833, 1.8059592], [-0.6931472, -1.3862944, -1.3862944]], output: [[-1.5, 0.75, -1], [0.25, -0.25, -0.25]] }],
  ['categorical_crossentropy', { target: f32([[0.2, 0.3], [0.8, 0.7]]), output: f32([[1, 3], [2, 1]]) }, { axis: 0 }, [[1, -2]], { target: [[1.0986123, -0.5753642], [0.4054651, -2.7725887]], output: [[0.13333333, -0.3], [-0.06666666, 0.9]] }],
  // from_logits: -inf is a zero probability (its target gradient inf), +inf or NaN makes the row NaN.
  ['categorical_crossentropy', { target: f32([[0, 0.5, 0.5], [0.2, 0.3, 0.5], [0.2, 0.3, 0.5]]), output: f32([[-inf, 0, 1], [inf, 0, 1], [NaN, 0, 1]]) }, { from_logits: true }, [[1, 2, 3]], { target: [[inf, 1.3132616, 0.31326163], [NaN, NaN, NaN], [NaN, NaN, NaN]], output: [[0, -0.23105857, 0.2310586], [NaN, NaN, NaN], [NaN, NaN, NaN]] }],
  // sparse_categorical_crossentropy: a label outside [0, classes) has an all-zero one-hot row: no gradient.
  ['sparse_categorical_crossentropy', { target: i32([0, 2, -1, 3]), output: f32([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4], [0.5, 0.25, 0.25]]) }, {}, [[1, 2, 3, 4]], { output: [[-4, 1, 1], [2, 2, -0.5], [-0, -0, -0], [-0, -0, -0]] }],
  ['sparse_categorical_crossentropy', { target: i32([[1], [0]]), output: f32([[0.5, 2, -1], [-inf, 1, 0]]) }, { from_logits: true }, [[1, -1]], { output: [[0.17529039, -0.21440297, 0.03911257], [1, -0.7310586, -0.26894143]] }],
  // A float target goes through JAX's cast to int32 (1.7 is class 1): its gradient is 0.
  ['sparse_categorical_crossentropy', { target: f32([1.7, 0]), output: f32([[0.5, 2, -1], [3, 1, 0]]) }, { from_logits: true }, [[1, 2]], { target: [0, 0], output: [[0.17529039, -0.21440297, 0.03911257], [-0.3124106, 0.22839038, 0.08402013]] }],
  ['sparse_categorical_crossentropy', { target: i32([1, 0, 2]), output: f32([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8], [0.7, 0.4, 0.4]]) }, { axis: 0 }, [[1, 2, 3]], { output: [[1, -2, 1.9999999], [-9, 2, 1.9999999], [1, 2, -5.4999995]] }],
  // psnr: -10 / (log(10) mse) * 2 (x1 - x2) / N; identical inputs give -inf * 0, NaN; an int32 x2 none.
  ['psnr', { x1: f32([[0.5, 0.25], [1, 0]]), x2: f32([[0.25, 0.5], [0.75, 0.125]]), max_val: 1 }, {}, [1.5], { x1: [[-16.035488, 16.035488], [-16.035488, 8.017744]], x2: [[16.035488, -16.035488], [16.035488, -8.017744]] }],
  ['psnr', { x1: f32([1, 2, 3]), x2: f32([1, 2, 3]), max_val: 255 }, {}, [1], { x1: [NaN, NaN, NaN], x2: [NaN, NaN, NaN] }],
  ['psnr', { x1: f32([3, 1.5]), x2: i32([1, 2]), max_val: 2 }, {}, [-1], { x1: [4.0874777, -1.0218694] }],
];

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const draw = (shape: number[], seed: number): Input => [normals(sizeOf(shape), seed), shape];
const between = (shape: number[], seed: number, lo: number, hi: number): Input => [uniforms(sizeOf(shape), seed, lo, hi), shape];

describe('loss gradients', () => {
  describe('on the reference, against central differences of float64 forms (check_grads)', () => {
    before(() => setBackend('reference'));

    it('binary_crossentropy of probabilities, target and output', () => {
      const shape = [3, 4];
      const f64 = ({ target, output }: Record<string, Float64Array>) => [binaryCrossentropy(ref(target, shape), ref(output, shape), false)];
      checkGrads('binary_crossentropy', {}, { target: between(shape, 1, 0, 1), output: between(shape, 2, 0.05, 0.95) }, f64, 3, 1);
    });

    it('binary_crossentropy of logits, target and output', () => {
      const shape = [3, 4];
      const f64 = ({ target, output }: Record<string, Float64Array>) => [binaryCrossentropy(ref(target, shape), ref(output, shape), true)];
      checkGrads('binary_crossentropy', { from_logits: true }, { target: between(shape, 4, 0, 1), output: draw(shape, 5) }, f64, 6, 1);
    });

    for (const [fromLogits, axis] of [[false, -1], [false, 0], [true, -1], [true, [0, 2]]] as [boolean, number | number[]][]) {
      it(`categorical_crossentropy ${fromLogits ? 'of logits' : 'of probabilities'} over axis ${JSON.stringify(axis)}, target and output`, () => {
        const shape = [2, 3, 4];
        const axes = [axis].flat().map((a) => (a + 3) % 3);
        const output = fromLogits ? draw(shape, 7) : between(shape, 7, 0.1, 1);
        const f64 = ({ target, output: o }: Record<string, Float64Array>) => [categoricalCrossentropy(ref(target, shape), ref(o, shape), fromLogits, axes)];
        checkGrads('categorical_crossentropy', { from_logits: fromLogits, axis }, { target: between(shape, 8, 0, 1), output }, f64, 9, sizeOf(axes.map((a) => shape[a])));
      });
    }

    for (const [fromLogits, axis] of [[false, -1], [true, -1], [true, 0]] as [boolean, number][]) {
      it(`sparse_categorical_crossentropy ${fromLogits ? 'of logits' : 'of probabilities'} over axis ${axis}, the output`, () => {
        const shape = [4, 4];
        const labels = [0, 3, 1, 2];
        const output = fromLogits ? draw(shape, 10) : between(shape, 10, 0.1, 1);
        const f64 = ({ output: o }: Record<string, Float64Array>) => [
          sparseCrossentropy(ref(Float64Array.from(labels), [4]), ref(o, shape), fromLogits, (axis + 2) % 2, [4]),
        ];
        checkGrads('sparse_categorical_crossentropy', { target: i32(labels), from_logits: fromLogits, axis }, { output }, f64, 11, 4);
      });
    }

    it('psnr of both inputs', () => {
      const shape = [2, 3, 4];
      const f64 = ({ x1, x2 }: Record<string, Float64Array>) => [Float64Array.of(psnr(ref(x1, shape), ref(x2, shape), 1, false))];
      checkGrads('psnr', { max_val: 1 }, { x1: draw(shape, 12), x2: draw(shape, 13) }, f64, 14, sizeOf(shape));
    });
  });

  for (const backend of ['reference', ...TFJS]) {
    describe(`at the special points, on ${backend}: jax.vjp's values`, () => {
      before(() => setBackend(backend));
      after(() => setBackend('reference'));
      for (const row of AT_SPECIAL_POINTS) it(rowTitle(row), () => expectRow(row));
    });
  }
});
