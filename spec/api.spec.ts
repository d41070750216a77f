import { expect } from 'chai';
import { KerasTypeError, OP_TABLE, ops, getBackend, convertToTensor, Tensor } from '../src/index.js';
import { expectClose, expectKerasError } from './helpers.js';

/** The 35 public names of keras.ops.nn at 3.6.0 (keras/api/ops/nn/__init__.py). */
const KERAS_NN_NAMES = [
  'average_pool', 'batch_normalization', 'binary_crossentropy', 'categorical_crossentropy', 'conv',
  'conv_transpose', 'ctc_decode', 'ctc_loss', 'depthwise_conv', 'dot_product_attention', 'elu', 'gelu',
  'hard_sigmoid', 'hard_silu', 'hard_swish', 'leaky_relu', 'log_sigmoid', 'log_softmax', 'max_pool',
  'moments', 'multi_hot', 'normalize', 'one_hot', 'psnr', 'relu', 'relu6', 'selu', 'separable_conv',
  'sigmoid', 'silu', 'softmax', 'softplus', 'softsign', 'sparse_categorical_crossentropy', 'swish',
];

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

describe('public API', () => {
  it('starts on the reference backend', () => {
    expect(getBackend()).to.equal('reference');
  });

  it('declares the 33 ops of keras.ops.nn in the op table', () => {
    expect(Object.keys(OP_TABLE)).to.have.length(33);
  });

  for (const name of KERAS_NN_NAMES) {
    it(`has ${name} as ops.${camel(name)} and through ops.call`, () => {
      expect((ops as unknown as Record<string, unknown>)[camel(name)]).to.be.a('function');
      expect(() => ops.call(name, [], {})).to.throw(KerasTypeError, /missing \d required positional argument/);
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
  });
});
