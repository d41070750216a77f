/**
 * The activations Keras added after 3.6: celu, glu, hard_shrink, hard_tanh, soft_shrink, squareplus and
 * tanh_shrink (3.7), sparse_plus, sparsemax and threshold (3.8), sparse_sigmoid (3.10). Values are Keras
 * 3.15.1's on JAX; the golden cases cover the rest.
 */
import { expect } from 'chai';
import { convertToTensor, KerasIndexError, KerasTypeError, KerasValueError, type Tensor } from '../../src/index.js';
import { opsFor } from '../../src/ops/api.js';
import { expectClose, expectKerasError } from '../helpers.js';

const ops = opsFor('3.15.1');
const call = (op: string, args: unknown[], kwargs: Record<string, unknown> = {}) => ops.call(op, args, kwargs) as Tensor;
const f32 = (values: number[]) => new Float32Array(values);

const LATER = {
  '3.7': ['celu', 'glu', 'hard_shrink', 'hard_tanh', 'soft_shrink', 'squareplus', 'tanh_shrink'],
  '3.8': ['sparse_plus', 'sparsemax', 'threshold'],
  '3.10': ['sparse_sigmoid'],
};

// Keras 3.15.1 JAX: x = np.array(SPECIAL_X, dtype="float32"); ops.<op>(x, **kwargs).tolist()
const SPECIAL_X = [-Infinity, -100.0, -20.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 20.0, 100.0, Infinity, NaN];
const SPECIAL_CASES: [string, Record<string, unknown>, number[]][] = [
  ['celu', {}, [-1.0, -1.0, -1.0, -0.9502129554748535, -0.6321205496788025, -0.39346933364868164, 0.0, 0.5, 1.0, 3.0, 20.0, 100.0, Infinity, NaN]],
  ['celu', { alpha: 2.0 }, [-2.0, -2.0, -1.9999091625213623, -1.5537396669387817, -0.7869386672973633, -0.44239839911460876, 0.0, 0.5, 1.0, 3.0, 20.0, 100.0, Infinity, NaN]],
  // min(x, 0) / 0 is -inf below 0 (expm1 gives -1, times 0) and 0 / 0 = NaN from 0 up.
  ['celu', { alpha: 0.0 }, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN]],
  // abs(NaN) > threshold is false: NaN becomes 0.
  ['hard_shrink', {}, [-Infinity, -100.0, -20.0, -3.0, -1.0, 0.0, 0.0, 0.0, 1.0, 3.0, 20.0, 100.0, Infinity, 0.0]],
  ['hard_shrink', { threshold: -1.0 }, [-Infinity, -100.0, -20.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 20.0, 100.0, Infinity, 0.0]],
  ['hard_tanh', {}, [-1.0, -1.0, -1.0, -1.0, -1.0, -0.5, 0.0, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, NaN]],
  ['soft_shrink', {}, [-Infinity, -99.5, -19.5, -2.5, -0.5, 0.0, 0.0, 0.0, 0.5, 2.5, 19.5, 99.5, Infinity, 0.0]],
  ['soft_shrink', { threshold: 2.0 }, [-Infinity, -98.0, -18.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 18.0, 98.0, Infinity, 0.0]],
  // In float32 x + sqrt(x**2 + 4) cancels: squareplus(-100) is 0.0099983 where the exact value is 0.0099990.
  ['squareplus', {}, [NaN, 0.009998321533203125, 0.04987525939941406, 0.30277562141418457, 0.6180340051651001, 0.7807763814926147, 1.0, 1.2807763814926147, 1.6180340051651, 3.3027756214141846, 20.049875259399414, 100.00999450683594, Infinity, NaN]],
  ['squareplus', { b: 0 }, [NaN, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 3.0, 20.0, 100.0, Infinity, NaN]],
  ['tanh_shrink', {}, [-Infinity, -99.0, -19.0, -2.0049452781677246, -0.23840582370758057, -0.037882834672927856, 0.0, 0.037882834672927856, 0.23840582370758057, 2.0049452781677246, 19.0, 99.0, Infinity, NaN]],
  ['sparse_plus', {}, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0625, 0.25, 0.5625, 1.0, 3.0, 20.0, 100.0, Infinity, NaN]],
  ['sparse_sigmoid', {}, [0.0, 0.0, 0.0, 0.0, 0.0, 0.25, 0.5, 0.75, 1.0, 1.0, 1.0, 1.0, 1.0, NaN]],
  ['threshold', { threshold: 0.5, default_value: -1.0 }, [-1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, 1.0, 3.0, 20.0, 100.0, Infinity, -1.0]],
];

describe('activations of Keras 3.7 to 3.10', () => {
  describe('versions', () => {
    for (const [since, names] of Object.entries(LATER)) {
      it(`Keras 3.15.1 has ${names.join(', ')} (since ${since}); Keras 3.6.0 has none of them`, () => {
        const old = opsFor('3.6.0');
        for (const name of names) {
          const camel = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
          expect((ops as unknown as Record<string, unknown>)[camel], camel).to.be.a('function');
          expect((old as unknown as Record<string, unknown>)[camel], `3.6.0 ${camel}`).to.equal(undefined);
          expectKerasError(() => old.call(name, [[1, 2]]), KerasTypeError, new RegExp(`^Unknown op: ${name} \\(${name} came in Keras ${since}\\)`));
        }
      });
    }
  });

  describe("Keras's docstring examples", () => {
    it('celu', () => expectClose(ops.celu(f32([-1, 0, 1])), [-0.63212056, 0, 1]));
    it('glu', () => expectClose(ops.glu(f32([-1, 0, 1, 1])), [-0.7310585975646973, 0]));
    it('hard_shrink', () => expectClose(ops.hardShrink(f32([-0.5, 0, 1])), [0, 0, 1]));
    it('hard_tanh', () => expectClose(ops.hardTanh(f32([-2, -1, 0, 1, 2])), [-1, -1, 0, 1, 1]));
    it('soft_shrink', () => expectClose(ops.softShrink(f32([-1, 0, 1])), [-0.5, 0, 0.5]));
    it('squareplus', () => expectClose(ops.squareplus(f32([-1, 0, 1])), [0.6180340051651001, 1, 1.6180340051651]));
    it('tanh_shrink', () => expectClose(ops.tanhShrink(f32([-1, 0, 1])), [-0.23840582370758057, 0, 0.23840582370758057]));
    it('sparse_plus', () => expectClose(ops.sparsePlus(f32([-1, 0, 1])), [0, 0.25, 1]));
    it('sparsemax', () => expectClose(ops.sparsemax(f32([-1, 0, 1])), [0, 0, 1]));
    it('threshold', () => expectClose(ops.threshold(f32([-1, 0, 1, 2]), 1, 0), [0, 0, 0, 2], { dtype: 'float32' }));
    it('sparse_sigmoid', () => expectClose(ops.sparseSigmoid(f32([-6, 1, 0, 1, 6])), [0, 1, 0.5, 1, 1]));
  });

  describe('special values (±inf, NaN, huge magnitudes), from Keras 3.15.1 JAX', () => {
    for (const [op, kwargs, want] of SPECIAL_CASES) {
      it(`${op} ${JSON.stringify(kwargs)}`, () => expectClose(call(op, [f32(SPECIAL_X)], kwargs), want, { dtype: 'float32' }));
    }
    // x**2 overflows float32 past 1.8e19, so the large negative side is inf, as in Keras.
    // Keras 3.15.1 JAX: ops.celu(np.float32([-1.077701e-39, 1e-40]), alpha=0) gives [nan, nan]: XLA flushes
    // the subnormals to 0 before min(x, 0) / 0, which is then 0 / 0 (found by the fuzzer, seed 20241003).
    it('celu flushes a subnormal x before dividing by alpha=0', () =>
      expectClose(call('celu', [f32([-1.077701e-39, 1e-40])], { alpha: 0 }), [NaN, NaN], { dtype: 'float32' }));
    it('squareplus squares in float32', () =>
      expectClose(ops.squareplus(f32([-1e30, -1e19, 1e19, 1e30, -1e4])), [Infinity, 0, 9.999999980506448e18, Infinity, 0]));
    // ops.glu(np.array([[-inf, 1], [nan, 0], [2, -inf], [inf, inf], [3, nan], [-1, inf]], 'float32'))
    it('glu: each half of a row against the other', () =>
      expectClose(
        ops.glu(convertToTensor([[-Infinity, 1], [NaN, 0], [2, -Infinity], [Infinity, Infinity], [3, NaN], [-1, Infinity]], 'float32')),
        [[-Infinity], [NaN], [0], [Infinity], [NaN], [-1]],
      ));
    it('glu splits the axis given', () =>
      expectClose(ops.glu(convertToTensor([[1, 2], [3, 4], [0, -1], [5, 6]], 'float32'), { axis: 0 }), [[0.5, 0.5378828644752502], [2.979921579360962, 3.99010968208313]]));
  });

  describe('sparsemax as Keras 3.15.1 computes it', () => {
    // Keras's tau sums the cumulative sums of the whole support: [1, 0.5, 0, -1] has support {1, 0.5} and
    // tau = (1 + 1.5 - 1) / 2 = 0.75, so the row gives [0.25, 0, 0, 0], not the paper's [0.75, 0.25, 0, 0].
    // A float32 1e9 - (1e9 - 1) is 0: no support, tau = -1 / 0 = -inf and the row is inf. NaN sorts last
    // and stays NaN; -inf and +inf as jnp.sort places them.
    it('rows with ties, huge values, NaN, -inf and inf', () => {
      const x = convertToTensor([[1, 0.5, 0, -1], [1e9, 0, 0, 0], [NaN, 1, 0, 2], [-Infinity, 1, 0, 2], [Infinity, 1, 0, 2]], 'float32');
      expectClose(ops.sparsemax(x), [[0.25, 0, 0, 0], [Infinity, Infinity, Infinity, Infinity], [NaN, 0, 0, 1], [0, 0, 0, 1], [Infinity, Infinity, Infinity, Infinity]]);
    });
    it('int32 and bool give float32', () => {
      expectClose(ops.sparsemax([-3, -1, 0, 1, 2, 5]), [0, 0, 0, 0, 0, 1], { dtype: 'float32' });
      expectClose(ops.sparsemax(convertToTensor([true, false, true, false])), [0, 0, 0, 0], { dtype: 'float32' });
    });
  });

  describe('dtypes, from Keras 3.15.1 JAX', () => {
    const ints = [-3, -1, 0, 1, 2, 5];
    const bools = () => convertToTensor([true, false, true, false]);
    it('hard_tanh keeps int32 and turns bool into int32', () => {
      expectClose(ops.hardTanh(ints), [-1, -1, 0, 1, 1, 1], { dtype: 'int32' });
      expectClose(ops.hardTanh(bools()), [1, 0, 1, 0], { dtype: 'int32' });
    });
    it('the others promote int32 and bool to float32', () => {
      expectClose(ops.celu(ints), [-0.9502129554748535, -0.6321205496788025, 0, 1, 2, 5], { dtype: 'float32' });
      expectClose(ops.hardShrink(ints, { threshold: 1 }), [-3, 0, 0, 0, 2, 5], { dtype: 'float32' });
      expectClose(ops.softShrink(ints), [-2.5, -0.5, 0, 0.5, 1.5, 4.5], { dtype: 'float32' });
      expectClose(ops.squareplus(bools()), [1.6180340051651, 1, 1.6180340051651, 1], { dtype: 'float32' });
      expectClose(ops.tanhShrink(bools()), [0.23840582370758057, 0, 0.23840582370758057, 0], { dtype: 'float32' });
      expectClose(ops.sparsePlus(ints), [0, 0, 0.25, 1, 2, 5], { dtype: 'float32' });
      expectClose(ops.sparseSigmoid(bools()), [1, 0.5, 1, 0.5], { dtype: 'float32' });
    });
    // ops.threshold(np.array([-3, -1, 0, 1, 3], 'int32'), 0, 7) -> int32 [7 7 7 1 3]; with 0.5, 7.5 -> float32;
    // ops.threshold(np.array([True, False]), 0, -1) -> int32 [1 -1].
    it('threshold keeps ints with an integer default_value, gives float32 with a fractional one', () => {
      expectClose(ops.threshold([-3, -1, 0, 1, 3], 0, 7), [7, 7, 7, 1, 3], { dtype: 'int32' });
      expectClose(ops.threshold([-3, -1, 0, 1, 3], 0.5, 7.5), [7.5, 7.5, 7.5, 1, 3], { dtype: 'float32' });
      expectClose(ops.threshold(convertToTensor([true, false]), 0, -1), [1, -1], { dtype: 'int32' });
      expectClose(ops.threshold(f32([-1, 2]), 0, 7), [7, 2], { dtype: 'float32' });
    });
    // ops.threshold(np.array([0.1, 0.2], 'float32'), 0.1, 0.0) -> [0, 0.2]: 0.1 is rounded to float32 first.
    it('thresholds are rounded to float32 before float32 x meets them', () => {
      expectClose(ops.threshold(f32([0.1, 0.2]), 0.1, 0), [0, 0.2]);
      expectClose(ops.hardShrink(f32([0.1, -0.1, 0.2]), { threshold: 0.1 }), [0, 0, 0.2]);
    });
    it('glu of int32 is computed in float32 (JavaScript has no int literal)', () =>
      expectClose(ops.glu([1, 0]), [0.5], { dtype: 'float32' }));
  });

  describe('validation, as eager Keras-JAX raises', () => {
    const x23 = () => convertToTensor([[0, 1, 2], [3, 4, 5]], 'float32');
    // jax.nn.glu reads x.shape[axis] of a tuple: IndexError('tuple index out of range').
    it('glu: an axis out of range or a 0-D x is an IndexError', () => {
      expectKerasError(() => ops.glu(x23(), { axis: 2 }), KerasIndexError, 'tuple index out of range');
      expectKerasError(() => ops.glu(x23(), { axis: -3 }), KerasIndexError, 'tuple index out of range');
      expectKerasError(() => ops.glu(convertToTensor(1.5)), KerasIndexError, 'tuple index out of range');
    });
    // Keras's symbolic message, eagerly too (JAX asserts; docs/deviations.md).
    it('glu: an odd axis size is a ValueError, before a bool x is rejected', () => {
      expectKerasError(() => ops.glu(x23()), KerasValueError, 'axis size must be divisible by 2. Received: x.shape=(2, 3) with axis=-1');
      const x32 = convertToTensor([[0, 1], [2, 3], [4, 5]], 'float32');
      expectKerasError(() => ops.glu(x32, { axis: 0 }), KerasValueError, 'axis size must be divisible by 2. Received: x.shape=(3, 2) with axis=0');
      expectKerasError(() => ops.glu(convertToTensor([[true, false, true]])), KerasValueError, /^axis size must be divisible by 2/);
      expectKerasError(() => ops.glu(convertToTensor([[true, false]])), KerasTypeError, /^logistic does not accept dtype bool/);
    });
    it('sparsemax: an axis out of range is numpy\'s AxisError (a ValueError)', () => {
      expectKerasError(() => ops.sparsemax(x23(), { axis: 2 }), KerasValueError, 'axis 2 is out of bounds for array of dimension 2');
      expectKerasError(() => ops.sparsemax(x23(), { axis: -3 }), KerasValueError, 'axis -3 is out of bounds for array of dimension 2');
      expectKerasError(() => ops.sparsemax(convertToTensor(2)), KerasValueError, 'axis -1 is out of bounds for array of dimension 0');
    });
    it('axes that are not ints are TypeErrors', () => {
      expectKerasError(() => ops.glu(x23(), { axis: 1.5 }), KerasTypeError, /axis=1\.5/);
      expectKerasError(() => call('sparsemax', [x23()], { axis: null }), KerasTypeError, /axis=None/);
    });
    it('threshold takes two numbers, both required', () => {
      expectKerasError(() => call('threshold', [x23(), 0.5]), KerasTypeError, "threshold() missing 1 required positional argument: 'default_value'");
      expectKerasError(() => ops.threshold(x23(), 'a', 0), KerasTypeError, 'Argument `threshold` must be a number. Received: threshold=a');
      expectKerasError(() => ops.threshold(x23(), 0, null), KerasTypeError, 'Argument `default_value` must be a number. Received: default_value=None');
    });
    it('the keywords are numbers', () => {
      expectKerasError(() => ops.celu(x23(), { alpha: null }), KerasTypeError, 'Argument `alpha` must be a number. Received: alpha=None');
      expectKerasError(() => ops.hardShrink(x23(), { threshold: 'a' }), KerasTypeError, /^Argument `threshold` must be a number/);
      expectKerasError(() => ops.softShrink(x23(), { threshold: [1] }), KerasTypeError, /^Argument `threshold` must be a number/);
      expectKerasError(() => ops.squareplus(x23(), { b: 'a' }), KerasTypeError, 'Argument `b` must be a number. Received: b=a');
    });
  });

  describe('outputSpec, as Keras 3.15.1 compute_output_spec', () => {
    const spec = (shape: (number | null)[], dtype = 'float32') => ({ shape, dtype });
    it('glu halves the axis, and leaves an unknown one unknown', () => {
      expect(ops.outputSpec('glu', [spec([null, 4])])).to.deep.equal(spec([null, 2]));
      expect(ops.outputSpec('glu', [spec([4, null])])).to.deep.equal(spec([4, null]));
      expect(ops.outputSpec('glu', [spec([6, 3, null])], { axis: 0 })).to.deep.equal(spec([3, 3, null]));
    });
    it("glu's symbolic errors: a list's IndexError, the ValueError of an odd size", () => {
      expectKerasError(() => ops.outputSpec('glu', [spec([2, 4])], { axis: 2 }), KerasIndexError, 'list index out of range');
      expectKerasError(() => ops.outputSpec('glu', [spec([])]), KerasIndexError, 'list index out of range');
      expectKerasError(() => ops.outputSpec('glu', [spec([null, 3])]), KerasValueError, 'axis size must be divisible by 2. Received: x.shape=(None, 3) with axis=-1');
    });
    it("sparsemax's symbolic axis check is canonicalize_axis's", () => {
      expect(ops.outputSpec('sparsemax', [spec([null, 3], 'int32')])).to.deep.equal(spec([null, 3]));
      expectKerasError(() => ops.outputSpec('sparsemax', [spec([2, 3])], { axis: 2 }), KerasValueError, 'axis 2 is out of bounds for an array with dimension 2.');
      expectKerasError(() => ops.outputSpec('sparsemax', [spec([])]), KerasValueError, 'axis -1 is out of bounds for an array with dimension 0.');
    });
    it('the elementwise ones keep the shape; dtypes follow the eager call', () => {
      expect(ops.outputSpec('hard_tanh', [spec([null, 3], 'bool')])).to.deep.equal(spec([null, 3], 'int32'));
      expect(ops.outputSpec('celu', [spec([null], 'int32')])).to.deep.equal(spec([null]));
      expect(ops.outputSpec('threshold', [spec([null, 2], 'int32'), 1, 0])).to.deep.equal(spec([null, 2], 'int32'));
      expect(ops.outputSpec('threshold', [spec([null, 2], 'int32'), 1, 0.5])).to.deep.equal(spec([null, 2]));
    });
  });
});
