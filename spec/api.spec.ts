import { expect } from 'chai';
import { KerasTypeError, OP_TABLE, ops, opsFor, getBackend, convertToTensor, tensor, Tensor } from '../src/index.js';
import { ops as ops36 } from '../src/keras-3.6.js';
import { publicNamesAt } from '../src/ops/table.js';
import { expectClose, expectKerasError } from './helpers.js';

/** The 35 public names of keras.ops.nn at 3.6.0 (keras/api/ops/nn/__init__.py). */
const KERAS_3_6_NAMES = [
  'average_pool', 'batch_normalization', 'binary_crossentropy', 'categorical_crossentropy', 'conv',
  'conv_transpose', 'ctc_decode', 'ctc_loss', 'depthwise_conv', 'dot_product_attention', 'elu', 'gelu',
  'hard_sigmoid', 'hard_silu', 'hard_swish', 'leaky_relu', 'log_sigmoid', 'log_softmax', 'max_pool',
  'moments', 'multi_hot', 'normalize', 'one_hot', 'psnr', 'relu', 'relu6', 'selu', 'separable_conv',
  'sigmoid', 'silu', 'softmax', 'softplus', 'softsign', 'sparse_categorical_crossentropy', 'swish',
];

/** The 20 names keras.ops.nn gained from 3.7 to 3.15.1 (keras/api/ops/nn/__init__.py at v3.15.1). */
const KERAS_3_15_NEW_NAMES = [
  'adaptive_average_pool', 'adaptive_max_pool', 'celu', 'depth_to_space', 'fold', 'glu', 'hard_shrink', 'hard_tanh',
  'layer_normalization', 'polar', 'rms_normalization', 'soft_shrink', 'space_to_depth', 'sparse_plus', 'sparse_sigmoid',
  'sparsemax', 'squareplus', 'tanh_shrink', 'threshold', 'unfold',
];

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const camelKeys = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [camel(k), v]));
const toPlain = (r: Tensor | Tensor[]) => (Array.isArray(r) ? r.map((t) => [t.shape, t.dtype, t.arraySync()]) : [r.shape, r.dtype, r.arraySync()]);

/** Deterministic float32 values of a shape, for smoke calls. */
const filled = (shape: number[]) => tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i + 1)), shape);

/** A valid call of every public name: positional arguments, and keywords where one is needed. */
const MINIMAL_CALLS: Record<string, [unknown[], Record<string, unknown>?]> = {
  ...Object.fromEntries(
    ['elu', 'gelu', 'hard_sigmoid', 'hard_silu', 'hard_swish', 'leaky_relu', 'log_sigmoid', 'log_softmax', 'relu',
      'relu6', 'selu', 'sigmoid', 'silu', 'softmax', 'softplus', 'softsign', 'swish'].map((n) => [n, [[[-1.5, 0.5, 2]]]]),
  ),
  max_pool: [[filled([1, 4, 4, 1]), 2]],
  average_pool: [[filled([1, 4, 4, 1]), 2]],
  conv: [[filled([1, 4, 4, 2]), filled([3, 3, 2, 3])]],
  depthwise_conv: [[filled([1, 4, 4, 2]), filled([3, 3, 2, 2])]],
  separable_conv: [[filled([1, 4, 4, 2]), filled([3, 3, 2, 2]), filled([1, 1, 4, 3])]],
  // strides gained a default in Keras 3.11, so `ops` (the newest) takes it as an option.
  conv_transpose: [[filled([1, 4, 4, 2]), filled([3, 3, 3, 2])], { strides: 2 }],
  one_hot: [[[0, 2, 1], 3]],
  multi_hot: [[[[0, 2], [1, 1]]], { num_classes: 3 }],
  binary_crossentropy: [[[1, 0], [0.8, 0.3]]],
  categorical_crossentropy: [[[[0, 1]], [[0.3, 0.7]]]],
  sparse_categorical_crossentropy: [[[1], [[0.3, 0.7]]]],
  moments: [[[[1, 2], [3, 4]], [0]]],
  batch_normalization: [[[[1, 2], [3, 4]], [0.5, 1], [1, 2], -1]],
  ctc_loss: [[[[1, 2]], filled([1, 4, 3]), [2], [4]]],
  ctc_decode: [[filled([1, 4, 3]), [4]]],
  normalize: [[[[3, 4]]]],
  psnr: [[[[1, 2]], [[1, 3]], 4]],
  dot_product_attention: [[filled([1, 2, 1, 2]), filled([1, 3, 1, 2]), filled([1, 3, 1, 2])]],
  ...Object.fromEntries(
    ['celu', 'hard_shrink', 'hard_tanh', 'soft_shrink', 'squareplus', 'tanh_shrink', 'sparse_plus', 'sparse_sigmoid',
      'sparsemax', 'glu'].map((n) => [n, [[[-1.5, 0.5, 2, 3]]]]),
  ),
  threshold: [[[[-1.5, 0.5, 2]], 0.5, -1]],
  rms_normalization: [[filled([2, 3])]],
  layer_normalization: [[filled([2, 3])]],
  adaptive_average_pool: [[filled([1, 5, 5, 2]), 2]],
  adaptive_max_pool: [[filled([1, 5, 5, 2]), 2]],
  unfold: [[filled([1, 2, 4, 4]), 2]],
  fold: [[filled([1, 8, 9]), 4, 2]],
  depth_to_space: [[filled([1, 2, 2, 4]), 2]],
  space_to_depth: [[filled([1, 4, 4, 1]), 2]],
  polar: [[[1, 2], [0, 1.5]]],
};

describe('public API', () => {
  it('starts on the reference backend', () => {
    expect(getBackend()).to.equal('reference');
  });

  it("declares the 53 ops of Keras 3.15.1's keras.ops.nn in the op table, 33 of them in 3.6.0", () => {
    expect(Object.keys(OP_TABLE)).to.have.length(53);
    expect([...publicNamesAt('3.6.0')].sort()).to.deep.equal([...KERAS_3_6_NAMES].sort());
    expect([...publicNamesAt('3.15.1')].sort()).to.deep.equal([...KERAS_3_6_NAMES, ...KERAS_3_15_NEW_NAMES].sort());
  });

  for (const name of [...KERAS_3_6_NAMES, ...KERAS_3_15_NEW_NAMES]) {
    it(`runs ${name} as ops.${camel(name)} and through ops.call, with the same result`, () => {
      const fn = (ops as unknown as Record<string, (...a: unknown[]) => Tensor | Tensor[]>)[camel(name)];
      expect(fn).to.be.a('function');
      const [args, options] = MINIMAL_CALLS[name];
      const literal = ops.call(name, args, options ?? {});
      const idiomatic = fn(...args, ...(options ? [camelKeys(options)] : []));
      expect(toPlain(idiomatic)).to.deep.equal(toPlain(literal));
      expect(() => ops.call(name, [], {})).to.throw(KerasTypeError, /missing \d required positional arguments?:/);
      if (KERAS_3_15_NEW_NAMES.includes(name)) expect(ops36).not.to.have.property(camel(name));
      else expect(opsFor('3.6.0').call(name, args, name === 'conv_transpose' ? { strides: 2 } : (options ?? {}))).to.be.ok;
    });
  }

  it('maps the aliases to their ops', () => {
    expectClose(ops.swish([1]), [0.7310586]);
    expectClose(ops.call('hard_swish', [[1]]) as Tensor, [0.6666667]);
  });

  it('rejects an unknown op', () => {
    expectKerasError(() => ops.call('tanh', [[1]]), KerasTypeError, /^Unknown op: tanh\./);
  });

  it('rejects an unknown keyword with Python wording', () => {
    expectKerasError(
      () => ops.call('leaky_relu', [[1]], { slope: 0.1 }),
      KerasTypeError,
      "leaky_relu() got an unexpected keyword argument 'slope'",
    );
  });

  it('rejects an unknown option in the idiomatic form', () => {
    expectKerasError(
      () => ops.leakyRelu([1], { slope: 0.1 }),
      KerasTypeError,
      "leakyRelu() got an unexpected option 'slope'. Its options are: negativeSlope.",
    );
  });

  it('binds positional keyword parameters and keyword positional ones, as Python does', () => {
    expectClose(ops.call('leaky_relu', [[-1]], {}) as Tensor, [-0.2]);
    expectClose(ops.call('leaky_relu', [[-1], 0.5]) as Tensor, [-0.5]);
    expectClose(ops.call('leaky_relu', [], { x: [-1], negative_slope: 0.1 }) as Tensor, [-0.1]);
    expectKerasError(
      () => ops.call('leaky_relu', [[-1], 0.5], { negative_slope: 0.1 }),
      KerasTypeError,
      "leaky_relu() got multiple values for argument 'negative_slope'",
    );
    expectKerasError(
      () => ops.call('leaky_relu', [[-1], 0.5, 3]),
      KerasTypeError,
      'leaky_relu() takes 2 positional arguments but 3 were given',
    );
  });

  it('rejects a wrong argument count in the idiomatic form', () => {
    expectKerasError(() => (ops.relu as (...a: unknown[]) => unknown)(), KerasTypeError, /relu\(\) takes 1 positional arguments/);
  });

  it('rejects a value that is not a tensor', () => {
    expectKerasError(
      () => ops.relu('abc'),
      KerasTypeError,
      'Argument `x` must be a tensor, an array or a number. Received: x=abc',
    );
  });

  it('accepts nested arrays, TypedArrays, numbers and tensors', () => {
    expectClose(ops.relu([[-1, 2]]), [[0, 2]]);
    expectClose(ops.relu(new Float32Array([-1, 2])), [0, 2]);
    expectClose(ops.relu(-3), 0);
    expectClose(ops.relu(convertToTensor([-1.5, 2.5])), [0, 2.5]);
  });

  it('returns arrays from the multi-output ops', () => {
    const spec = ops.outputSpec('moments', [{ shape: [2, null], dtype: 'float32' }, [1]]);
    expect(spec).to.be.an('array').with.length(2);
    // Typed as a pair of tensors: destructuring type-checks (npm test runs tsc on the specs).
    const [mean, variance] = ops.moments([[1, 3]], [1]);
    expectClose(mean, [2]);
    expectClose(variance, [1]);
    const [decoded, scores] = ops.ctcDecode([[[0, 1], [1, 0]]], [2]);
    expect([decoded.dtype, scores.dtype]).to.deep.equal(['int32', 'float32']);
  });
});
