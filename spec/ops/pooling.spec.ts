import { expect } from 'chai';
import { KerasTypeError, KerasValueError, ops, tensor, type NestedArray, type Tensor } from '../../src/index.js';
import { expectClose, expectKerasError } from '../helpers.js';
import { opsFor } from '../../src/ops/api.js';

const call = (op: string, args: unknown[], kwargs: Record<string, unknown> = {}) => ops.call(op, args, kwargs) as Tensor;
/** 3.6.0's symbolic checks: Keras 3.15 raises at a 'valid' output size of 0 too (spec/adaptive-pool.spec.ts). */
const v36 = opsFor('3.6.0');

/** np.arange(size).reshape(shape) as float32. */
function arange(shape: number[]): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: size }, (_, i) => i), shape);
}

/** A nested array of `shape` whose element at index `idx` is f(idx). */
function build(shape: number[], f: (idx: number[]) => number, prefix: number[] = []): NestedArray {
  if (prefix.length === shape.length) return f(prefix);
  return Array.from({ length: shape[prefix.length] }, (_, i) => build(shape, f, [...prefix, i]));
}

/** Rank-3 (batch 1, channels 1) input from a list of values. */
const seq = (vals: number[], dtype = 'float32') => tensor(vals, [1, vals.length, 1], dtype);
const col = (vals: (number | boolean)[]) => [vals.map((v) => [v])];

describe('pooling', () => {
  // keras/src/ops/nn_test.py NNOpsCorrectnessTest feeds np.arange data. On arange the max of a window
  // is its last cell and the mean is the mean of its first and last cells, so the expected values
  // follow from the index formula of the input. (Also checked against Keras 3.6.0 JAX.)
  describe("nn_test.py's correctness cases (channels_last)", () => {
    // x[b, i, c] = 60b + 3i + c
    const x1 = () => arange([2, 20, 3]);
    // x[b, h, w, c] = 270b + 27h + 3w + c
    const x2 = () => arange([2, 10, 9, 3]);

    it('max_pool 1-D, pool 2, stride 1, valid: x[b, i+1, c]', () =>
      expectClose(ops.maxPool(x1(), 2, { strides: 1 }), build([2, 19, 3], ([b, i, c]) => 60 * b + 3 * (i + 1) + c)));
    it('max_pool 1-D, pool 2, stride 2, same (n=20: no pad): x[b, 2i+1, c]', () =>
      expectClose(
        ops.maxPool(x1(), 2, { strides: 2, padding: 'same' }),
        build([2, 10, 3], ([b, i, c]) => 60 * b + 3 * (2 * i + 1) + c),
      ));
    it('max_pool 2-D, pool 2, stride 1, valid: x[b, h+1, w+1, c]', () =>
      expectClose(
        ops.maxPool(x2(), 2, { strides: 1 }),
        build([2, 9, 8, 3], ([b, h, w, c]) => 270 * b + 27 * (h + 1) + 3 * (w + 1) + c),
      ));
    // H: n=10, s=2 -> 5 windows, no pad. W: n=9, s=1 -> 9 windows, total pad 1, at the end.
    it('max_pool 2-D, pool 2, strides (2, 1), same: the last column sees only itself', () =>
      expectClose(
        ops.maxPool(x2(), 2, { strides: [2, 1], padding: 'same' }),
        build([2, 5, 9, 3], ([b, i, j, c]) => 270 * b + 27 * (2 * i + 1) + 3 * Math.min(j + 1, 8) + c),
      ));
    it('average_pool 1-D, pool 2, stride 1, valid: x[b, i, c] + 1.5', () =>
      expectClose(ops.averagePool(x1(), 2, { strides: 1 }), build([2, 19, 3], ([b, i, c]) => 60 * b + 3 * i + 1.5 + c)));
    it('average_pool 2-D, pool 2, stride 1, valid: x[b, h, w, c] + (27 + 3) / 2', () =>
      expectClose(
        ops.averagePool(x2(), 2, { strides: 1 }),
        build([2, 9, 8, 3], ([b, h, w, c]) => 270 * b + 27 * h + 3 * w + c + 15),
      ));
    it('average_pool 1-D, pool 2, stride 2, same: x[b, 2i, c] + 1.5', () =>
      expectClose(
        ops.averagePool(x1(), 2, { strides: 2, padding: 'same' }),
        build([2, 10, 3], ([b, i, c]) => 60 * b + 6 * i + 1.5 + c),
      ));
    // The padded last column is not counted: its windows average rows 2i, 2i+1 of column 8 only.
    it('average_pool 2-D, pool 2, strides (2, 1), same: divides by the real cells', () =>
      expectClose(
        ops.averagePool(x2(), 2, { strides: [2, 1], padding: 'same' }),
        build([2, 5, 9, 3], ([b, i, j, c]) => 270 * b + 54 * i + 13.5 + c + (j < 8 ? 3 * j + 1.5 : 24)),
      ));
  });

  describe("'same' padding: the odd pad at the end, pads never counted", () => {
    // n=9, k=2, s=2: 5 windows, pads (0, 1). The last window holds x[8] alone.
    it('max_pool n=9, pool 2, stride 2', () =>
      expectClose(ops.maxPool(seq([0, 1, 2, 3, 4, 5, 6, 7, 8]), 2, { strides: 2, padding: 'same' }), col([1, 3, 5, 7, 8])));
    it('average_pool n=9, pool 2, stride 2', () =>
      expectClose(
        ops.averagePool(seq([0, 1, 2, 3, 4, 5, 6, 7, 8]), 2, { strides: 2, padding: 'same' }),
        col([0.5, 2.5, 4.5, 6.5, 8]),
      ));
    // n=10, k=4, s=1: pads (1, 2). Keras 3.6.0 JAX: ops.average_pool(np.arange(10.).reshape(1, 10, 1), 4, 1, padding="same")
    it('average_pool n=10, pool 4, stride 1 (pads 1 before, 2 after)', () =>
      expectClose(
        ops.averagePool(seq([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), 4, { strides: 1, padding: 'same' }),
        col([1.0, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.0, 8.5]),
      ));
    // Keras 3.6.0 JAX: ops.max_pool(-np.arange(10.).reshape(1, 10, 1), 4, 1, padding="same"): pads act as -inf
    it('max_pool of negative values, n=10, pool 4, stride 1', () =>
      expectClose(
        ops.maxPool(seq([0, -1, -2, -3, -4, -5, -6, -7, -8, -9]), 4, { strides: 1, padding: 'same' }),
        col([0, 0, -1, -2, -3, -4, -5, -6, -7, -8]),
      ));
    // Keras 3.6.0 JAX: ops.average_pool(np.array([1., 2, 4, 8, 16]).reshape(1, 5, 1), 3, 1, padding="same")
    it('average_pool n=5, pool 3, stride 1', () =>
      expectClose(
        ops.averagePool(seq([1, 2, 4, 8, 16]), 3, { strides: 1, padding: 'same' }),
        col([1.5, 2.3333332538604736, 4.666666507720947, 9.333333015441895, 12.0]),
      ));
    // 3x3 image, pool 2, stride 2: pads (0, 1) on both dims; windows of 4, 2, 2 and 1 real cells.
    it('average_pool 2-D 3x3, pool 2, stride 2', () =>
      expectClose(ops.averagePool(arange([1, 3, 3, 1]), 2, { strides: 2, padding: 'same' }), [[[[2], [3.5]], [[6.5], [8]]]]));
    // [-5, -3, -7], pool 2, stride 2: windows [-5, -3] and [-7, pad]; the pad must not win as 0.
    it('max_pool never takes a pad cell', () =>
      expectClose(ops.maxPool(seq([-5, -3, -7]), 2, { strides: 2, padding: 'same' }), col([-3, -7])));
  });

  describe('channels_first and 3-D', () => {
    // Keras 3.6.0 JAX: x = np.arange(24.).reshape(1, 2, 3, 4)
    // ops.max_pool(x, (2, 3), (1, 2), padding="same", data_format="channels_first")
    it('max_pool 2-D channels_first, pool (2, 3), strides (1, 2), same', () =>
      expectClose(
        ops.maxPool(arange([1, 2, 3, 4]), [2, 3], { strides: [1, 2], padding: 'same', dataFormat: 'channels_first' }),
        [[[[6, 7], [10, 11], [10, 11]], [[18, 19], [22, 23], [22, 23]]]],
      ));
    // Keras 3.6.0 JAX: the same call with ops.average_pool and data_format="CHANNELS_FIRST"
    it('average_pool 2-D channels_first (case-folded), pool (2, 3), strides (1, 2), same', () =>
      expectClose(
        call('average_pool', [arange([1, 2, 3, 4]), [2, 3], [1, 2]], { padding: 'same', data_format: 'CHANNELS_FIRST' }),
        [[[[3, 4.5], [7, 8.5], [9, 10.5]], [[15, 16.5], [19, 20.5], [21, 22.5]]]],
      ));
    // Keras 3.6.0 JAX: x = np.arange(120.).reshape(1, 3, 4, 5, 2); ops.average_pool(x, (2, 2, 3), (1, 2, 2), padding="same")
    it('average_pool 3-D, pool (2, 2, 3), strides (1, 2, 2), same', () =>
      expectClose(ops.averagePool(arange([1, 3, 4, 5, 2]), [2, 2, 3], { strides: [1, 2, 2], padding: 'same' }), [
        [
          [[[26, 27], [29, 30], [32, 33]], [[46, 47], [49, 50], [52, 53]]],
          [[[66, 67], [69, 70], [72, 73]], [[86, 87], [89, 90], [92, 93]]],
          [[[86, 87], [89, 90], [92, 93]], [[106, 107], [109, 110], [112, 113]]],
        ],
      ]));
    // Keras 3.6.0 JAX: ops.max_pool(x, (2, 3, 2), (1, 1, 2)) with the same x
    it('max_pool 3-D, pool (2, 3, 2), strides (1, 1, 2), valid', () =>
      expectClose(ops.maxPool(arange([1, 3, 4, 5, 2]), [2, 3, 2], { strides: [1, 1, 2] }), [
        [
          [[[62, 63], [66, 67]], [[72, 73], [76, 77]]],
          [[[102, 103], [106, 107]], [[112, 113], [116, 117]]],
        ],
      ]));
    // Keras 3.6.0 JAX: x = np.arange(72.).reshape(1, 2, 3, 4, 3)
    // ops.max_pool(x, 2, 2, padding="same", data_format="channels_first")
    it('max_pool 3-D channels_first, pool 2, stride 2, same', () =>
      expectClose(ops.maxPool(arange([1, 2, 3, 4, 3]), 2, { strides: 2, padding: 'same', dataFormat: 'channels_first' }), [
        [
          [[[16, 17], [22, 23]], [[28, 29], [34, 35]]],
          [[[52, 53], [58, 59]], [[64, 65], [70, 71]]],
        ],
      ]));
    // Keras 3.6.0 JAX: ops.average_pool(x, (3, 2, 2), 1, data_format="channels_first") with the same x
    it('average_pool 3-D channels_first, pool (3, 2, 2), stride 1, valid', () =>
      expectClose(ops.averagePool(arange([1, 2, 3, 4, 3]), [3, 2, 2], { strides: 1, dataFormat: 'channels_first' }), [
        [[[[14, 15], [17, 18], [20, 21]]], [[[50, 51], [53, 54], [56, 57]]]],
      ]));
  });

  describe('arguments', () => {
    // Keras's documented rule. Keras 3.6.0's JAX backend breaks on strides=None (it expands pool_size
    // twice and raises "reduce_window got inconsistent window_strides"); we follow the documented rule.
    it('strides=None means strides=pool_size', () => {
      const x = arange([2, 7, 6, 3]);
      for (const op of ['max_pool', 'average_pool']) {
        for (const padding of ['valid', 'same']) {
          const want = call(op, [x, [3, 2], [3, 2]], { padding }).arraySync();
          expectClose(call(op, [x, [3, 2]], { padding }), want);
          expectClose(call(op, [x, [3, 2], null], { padding }), want);
        }
      }
    });
    it('an int pool_size and strides stand for every spatial dim', () => {
      const x = arange([1, 5, 6, 4, 2]);
      expectClose(ops.maxPool(x, 2, { strides: 1 }), ops.maxPool(x, [2, 2, 2], { strides: [1, 1, 1] }).arraySync());
    });
    it('padding is case-folded', () => {
      // Keras 3.6.0 JAX: ops.max_pool(np.arange(9.).reshape(1, 9, 1), 3, 3, padding="VALID")
      expectClose(ops.maxPool(seq([0, 1, 2, 3, 4, 5, 6, 7, 8]), 3, { strides: 3, padding: 'VALID' }), col([2, 5, 8]));
      expectClose(ops.averagePool(seq([0, 1, 2]), 2, { strides: 2, padding: 'Same' }), col([0.5, 2]));
    });
    it('data_format=None is channels_last', () => {
      const x = arange([1, 4, 4, 2]);
      expectClose(call('max_pool', [x, 2], { data_format: null }), ops.maxPool(x, 2, { dataFormat: 'channels_last' }).arraySync());
    });
    it('binds every parameter positionally in the Keras-literal form', () =>
      expectClose(call('average_pool', [seq([0, 1, 2, 3, 4, 5, 6, 7, 8]), 2, 2, 'same', 'channels_last']), col([0.5, 2.5, 4.5, 6.5, 8])));
  });

  describe('dtypes, NaN and infinities', () => {
    // Keras 3.6.0 JAX: x = np.array([3, -1, 4, -1, 5, -9, 2], "int32").reshape(1, 7, 1)
    it('max_pool keeps int32', () =>
      expectClose(ops.maxPool(seq([3, -1, 4, -1, 5, -9, 2], 'int32'), 3, { strides: 2, padding: 'same' }), col([3, 4, 5, 2]), {
        dtype: 'int32',
      }));
    it('average_pool of int32 gives float32 (same, then valid)', () => {
      const x = seq([3, -1, 4, -1, 5, -9, 2], 'int32');
      expectClose(
        ops.averagePool(x, 3, { strides: 2, padding: 'same' }),
        col([1.0, 0.6666666865348816, -1.6666666269302368, -3.5]),
        { dtype: 'float32' },
      );
      expectClose(ops.averagePool(x, 3, { strides: 2 }), col([2.0, 2.6666667461395264, -0.6666666865348816]), { dtype: 'float32' });
    });
    // Keras 3.6.0 JAX: ops.max_pool(np.array([True, False, False, False, True]).reshape(1, 5, 1), 2, 2, padding="same")
    it('max_pool of bool is a logical or, and stays bool', () =>
      expectClose(ops.maxPool(tensor([true, false, false, false, true], [1, 5, 1]), 2, { strides: 2, padding: 'same' }), col([true, false, true]), {
        dtype: 'bool',
      }));
    // Keras 3.6.0 JAX: ops.max_pool(np.array([1, nan, 3, 2, nan, nan, -inf, -inf], "float32").reshape(1, 8, 1), 2, 2)
    it('max_pool: a NaN in the window gives NaN (lax.max)', () =>
      expectClose(ops.maxPool(seq([1, NaN, 3, 2, NaN, NaN, -Infinity, -Infinity]), 2, { strides: 2 }), col([NaN, 3, NaN, -Infinity])));
    // Keras 3.6.0 JAX: ops.average_pool(np.array([1, nan, 3, 2, inf, -inf, -inf, -inf], "float32").reshape(1, 8, 1), 2, 2)
    it('average_pool: NaN and inf - inf give NaN', () =>
      expectClose(ops.averagePool(seq([1, NaN, 3, 2, Infinity, -Infinity, -Infinity, -Infinity]), 2, { strides: 2 }), col([NaN, 2.5, NaN, -Infinity])));
  });

  describe('empty results', () => {
    // Keras 3.6.0 JAX: ops.max_pool(np.zeros((1, 2, 1), "float32"), 3, 3) has shape (1, 0, 1); so has a
    // window of 5 over 1 cell. (Symbolically Keras raises below zero, see the output spec tests.)
    it("a 'valid' window larger than the input gives an empty dim", () => {
      expect(ops.maxPool(seq([0, 0]), 3, { strides: 3 }).shape).to.deep.equal([1, 0, 1]);
      expect(ops.averagePool(seq([0]), 5, { strides: 1 }).shape).to.deep.equal([1, 0, 1]);
    });
    it('an empty spatial dim or batch stays empty', () => {
      expect(ops.averagePool(tensor([], [1, 0, 1]), 2, { strides: 2, padding: 'same' }).shape).to.deep.equal([1, 0, 1]);
      expect(ops.maxPool(tensor([], [0, 4, 1]), 2, { strides: 2, padding: 'same' }).shape).to.deep.equal([0, 2, 1]);
    });
  });

  describe('validation', () => {
    const x = () => arange([1, 4, 4, 1]);
    it('bad padding, eager: the JAX backend message', () => {
      expectKerasError(() => ops.maxPool(x(), 2, { padding: 'full' }), KerasValueError, "Invalid padding 'full', must be 'same' or 'valid'.");
      expectKerasError(
        () => call('average_pool', [x(), 2], { padding: 'FULL' }),
        KerasValueError,
        "Invalid padding 'full', must be 'same' or 'valid'.",
      );
    });
    it('bad padding, symbolic: the operation_utils message', () =>
      expectKerasError(
        () => ops.outputSpec('max_pool', [{ shape: [2, 2, 3], dtype: 'float32' }, 3], { padding: 'Full' }),
        KerasValueError,
        "Argument `padding` must be either 'valid' or 'same'. Received: padding=full",
      ));
    it('padding that is not a string', () =>
      expectKerasError(() => ops.maxPool(x(), 2, { padding: 1 }), KerasTypeError, 'Argument `padding` must be a string. Received: padding=1'));
    it('bad data_format', () =>
      expectKerasError(
        () => ops.averagePool(x(), 2, { dataFormat: 'NCHW' }),
        KerasValueError,
        "The `data_format` argument must be one of {'channels_first', 'channels_last'}. Received: data_format=nchw",
      ));
    // Keras 3.6.0 JAX: a rank-1 input or a pool_size tuple of the wrong length is a TypeError from
    // lax.reduce_window ("reduce_window got the wrong number of window_dimensions for operand").
    it('rank other than 3, 4 or 5', () => {
      expectKerasError(
        () => ops.maxPool(tensor([1, 2, 3, 4, 5, 6], [2, 3]), 2),
        KerasTypeError,
        'Argument `inputs` must have rank 3, 4 or 5. Received: inputs.shape=(2, 3)',
      );
      expectKerasError(
        () => ops.outputSpec('average_pool', [{ shape: [1, 4, 4, 4, 4, 1], dtype: 'float32' }, 2]),
        KerasTypeError,
        'Argument `inputs` must have rank 3, 4 or 5. Received: inputs.shape=(1, 4, 4, 4, 4, 1)',
      );
    });
    // Keras 3.6.0 JAX: ops.max_pool(x, 0) raises TypeError "reduce_window window_dimensions must have every
    // element be strictly positive, got (1, 0, 0, 1)."; a wrong length is a TypeError from reduce_window too.
    it('pool_size of the wrong length, or not positive', () => {
      expectKerasError(
        () => ops.maxPool(x(), [2, 2, 2]),
        KerasTypeError,
        'Argument `pool_size` must be an int or a tuple of 2 ints (one per spatial dimension). Received: pool_size=(2, 2, 2)',
      );
      expectKerasError(() => ops.maxPool(x(), 0), KerasTypeError, 'Argument `pool_size` must be positive. Received: pool_size=0');
      expectKerasError(
        () => ops.averagePool(x(), 2.5),
        KerasTypeError,
        'Argument `pool_size` must be an int or a tuple of 2 ints. Received: pool_size=2.5',
      );
    });
    // Keras 3.6.0 JAX: ops.max_pool(x, (1,), strides=(1, 1), padding="same") raises ValueError "operands could
    // not be broadcast together with shapes (4,) (3,)", from numpy computing the 'same' pads.
    it("a tuple of the wrong length with 'same' padding is a ValueError", () => {
      expectKerasError(
        () => ops.maxPool(x(), [1], { strides: [1, 1], padding: 'same' }),
        KerasValueError,
        'Argument `pool_size` must be an int or a tuple of 2 ints (one per spatial dimension). Received: pool_size=(1,)',
      );
      expectKerasError(
        () => ops.averagePool(x(), 2, { strides: [1, 1, 1], padding: 'SAME' }),
        KerasValueError,
        'Argument `strides` must be an int or a tuple of 2 ints (one per spatial dimension). Received: strides=(1, 1, 1)',
      );
    });
    it('strides of the wrong length, or not positive', () => {
      expectKerasError(
        () => ops.averagePool(x(), 2, { strides: [1] }),
        KerasTypeError,
        'Argument `strides` must be an int or a tuple of 2 ints (one per spatial dimension). Received: strides=(1,)',
      );
      expectKerasError(
        () => ops.maxPool(x(), 2, { strides: [1, -1] }),
        KerasTypeError,
        'Argument `strides` must be positive. Received: strides=(1, -1)',
      );
    });
    // JAX: "operand to reduce_window_sum must have a number dtype, got bool".
    it('average_pool rejects bool inputs', () =>
      expectKerasError(
        () => ops.averagePool(tensor([true, false], [1, 2, 1]), 2),
        KerasTypeError,
        'Argument `inputs` must have dtype float32 or int32. Received: inputs.dtype=bool',
      ));
    it("symbolic 'valid' size below zero: operation_utils's message, numpy-printed", () => {
      // Keras 3.6.0 JAX: ops.max_pool(KerasTensor((2, 1, 3)), 3, 1)
      expectKerasError(
        () => v36.outputSpec('max_pool', [{ shape: [2, 1, 3], dtype: 'float32' }, 3, 1]),
        KerasValueError,
        'Computed output size would be negative. Received: `inputs.shape=[2 1 3]` and `pool_size=3`.',
      );
      // Keras 3.6.0 JAX: ops.average_pool(KerasTensor((10, 1, 12, 3)), (12, 2), 1)
      expectKerasError(
        () => v36.outputSpec('average_pool', [{ shape: [10, 1, 12, 3], dtype: 'float32' }, [12, 2], 1]),
        KerasValueError,
        'Computed output size would be negative. Received: `inputs.shape=[10  1 12  3]` and `pool_size=[12  2]`.',
      );
      // Keras 3.6.0 JAX: ops.max_pool(KerasTensor((None, 3, 1, None)), (3, 2), 1, data_format="channels_first")
      // (Keras overwrites the unknown spatial dim with -1 before printing.)
      expectKerasError(
        () =>
          v36.outputSpec('max_pool', [{ shape: [null, 3, 1, null], dtype: 'float32' }, [3, 2], 1], { data_format: 'channels_first' }),
        KerasValueError,
        'Computed output size would be negative. Received: `inputs.shape=[None 3 1 -1]` and `pool_size=[3 2]`.',
      );
    });
  });

  describe('output spec', () => {
    const spec = (op: string, shape: (number | null)[], args: unknown[], kwargs: Record<string, unknown> = {}, dtype = 'float32') =>
      ops.outputSpec(op, [{ shape, dtype }, ...args], kwargs);

    // keras/src/ops/nn_test.py NNOpsDynamicShapeTest.test_max_pool / test_average_pool
    for (const op of ['max_pool', 'average_pool']) {
      it(`${op}: nn_test.py's dynamic shapes`, () => {
        expect(spec(op, [null, 8, 3], [2, 1])).to.deep.equal({ shape: [null, 7, 3], dtype: 'float32' });
        expect(spec(op, [null, 8, 3], [2, 2], { padding: 'same' })).to.deep.equal({ shape: [null, 4, 3], dtype: 'float32' });
        expect(spec(op, [null, 8, null, 3], [2, 1])).to.deep.equal({ shape: [null, 7, null, 3], dtype: 'float32' });
        expect(spec(op, [null, 8, null, 3], [2, 2], { padding: 'same' })).to.deep.equal({ shape: [null, 4, null, 3], dtype: 'float32' });
        expect(spec(op, [null, 8, null, 3], [[2, 2], [2, 2]], { padding: 'same' })).to.deep.equal({
          shape: [null, 4, null, 3],
          dtype: 'float32',
        });
        expect(spec(op, [null, 3, 8, null], [2, 1], { data_format: 'channels_first' })).to.deep.equal({
          shape: [null, 3, 7, null],
          dtype: 'float32',
        });
      });
    }
    // Keras 3.6.0 JAX: max_pool(KerasTensor((None, 4, 4, 4, 2)), 2, padding="same");
    // average_pool(KerasTensor((None, 2, None, 5, 7)), (2, 2, 3), (1, 2, 2), data_format="channels_first")
    it('3-D, strides=None, channels_first', () => {
      expect(spec('max_pool', [null, 4, 4, 4, 2], [2], { padding: 'same' })).to.deep.equal({ shape: [null, 2, 2, 2, 2], dtype: 'float32' });
      expect(spec('average_pool', [null, 2, null, 5, 7], [[2, 2, 3], [1, 2, 2]], { data_format: 'channels_first' })).to.deep.equal({
        shape: [null, 2, null, 2, 3],
        dtype: 'float32',
      });
    });
    // Keras 3.6.0 JAX: max_pool(KerasTensor((None, None, 2, 3)), (2, 3), 1) -> (None, None, 0, 3)
    it('a size of exactly zero is no error until Keras 3.14', () =>
      expect(v36.outputSpec('max_pool', [{ shape: [null, null, 2, 3], dtype: 'float32' }, [2, 3], 1])).to.deep.equal({
        shape: [null, null, 0, 3],
        dtype: 'float32',
      }));
    // Keras's symbolic spec says int32 for average_pool too; the eager JAX result is float32 and the
    // spec here describes what a call returns.
    it('dtypes: max_pool keeps int32 and bool, average_pool of int32 is float32', () => {
      expect(spec('max_pool', [null, 8, 3], [2, 1], {}, 'int32')).to.deep.equal({ shape: [null, 7, 3], dtype: 'int32' });
      expect(spec('max_pool', [null, 8, 3], [2, 1], {}, 'bool')).to.deep.equal({ shape: [null, 7, 3], dtype: 'bool' });
      expect(spec('average_pool', [null, 8, 3], [2, 1], {}, 'int32')).to.deep.equal({ shape: [null, 7, 3], dtype: 'float32' });
    });
    it('agrees with the eager result', () => {
      const x = arange([2, 5, 7, 3]);
      const out = ops.averagePool(x, [2, 3], { strides: [2, 2], padding: 'same' });
      expect(ops.outputSpec('average_pool', [x, [2, 3], [2, 2]], { padding: 'same' })).to.deep.equal({ shape: out.shape, dtype: out.dtype });
    });
  });
});

describe('pooling: several faults in one call raise the one Keras reports first', () => {
  const ones = (shape: number[], dtype: 'float32' | 'bool' = 'float32') =>
    tensor(new Array(shape.reduce((a, b) => a * b, 1)).fill(dtype === 'bool' ? true : 1), shape, dtype);

  it('checks the padding name before the window, the strides and the dtype (Keras 3.6.0 text)', () => {
    expectKerasError(() => ops.call('max_pool', [ones([1, 4, 4, 1]), [1]], { padding: 'causal' }), KerasValueError,
      "Invalid padding 'causal', must be 'same' or 'valid'.");
    expectKerasError(() => ops.call('max_pool', [ones([1, 4, 4, 1]), 2], { strides: 0, padding: 'full' }), KerasValueError,
      "Invalid padding 'full', must be 'same' or 'valid'.");
    expectKerasError(() => ops.call('average_pool', [ones([1, 4, 4, 1], 'bool'), 2], { padding: 'same_lower' }), KerasValueError,
      "Invalid padding 'same_lower', must be 'same' or 'valid'.");
  });

  it("average_pool checks the window's length before the bool input", () => {
    // Keras: ValueError "operands could not be broadcast together with shapes (4,) (7,) " (numpy's).
    expectKerasError(() => ops.call('average_pool', [ones([1, 4, 4, 1], 'bool'), [1, 1, 1]], { padding: 'same' }), KerasValueError, /pool_size/);
  });
});
