/**
 * The normalisations Keras added after 3.6: rms_normalization (3.9) and layer_normalization (3.11).
 * Hand-derived values and edge cases, each checked against Keras 3.15.1 on JAX (the values quoted), on
 * the reference and on TF.js's cpu backend; every validation error. The golden cases cover the rest.
 */
import { expect } from 'chai';
import { opsFor } from '../../src/ops/api.js';
import {
  convertToTensor,
  getBackend,
  KerasIndexError,
  KerasTypeError,
  KerasValueError,
  setBackend,
  type Tensor,
} from '../../src/index.js';
import { expectClose, expectKerasError } from '../helpers.js';

const ops = opsFor('3.15.1');
const f32 = (v: Parameters<typeof convertToTensor>[0]) => convertToTensor(v, 'float32');
const i32 = (v: Parameters<typeof convertToTensor>[0]) => convertToTensor(v, 'int32');
const spec = (shape: (number | null)[], dtype = 'float32') => ({ shape, dtype });
const rms = (args: unknown[], kwargs: Record<string, unknown> = {}) => ops.call('rms_normalization', args, kwargs) as Tensor;
const ln = (args: unknown[], kwargs: Record<string, unknown> = {}) => ops.call('layer_normalization', args, kwargs) as Tensor;

describe('normalisations of Keras 3.9 to 3.11', () => {
  let previous: string;
  before(() => {
    previous = getBackend();
  });
  after(async () => {
    await setBackend(previous);
  });

  describe('Keras versions', () => {
    for (const [name, camel, since] of [
      ['rms_normalization', 'rmsNormalization', '3.9'],
      ['layer_normalization', 'layerNormalization', '3.11'],
    ]) {
      it(`${name} is in Keras 3.15.1 (since ${since}) and not in 3.6.0`, () => {
        const old = opsFor('3.6.0');
        expect((ops as unknown as Record<string, unknown>)[camel]).to.be.a('function');
        expect((old as unknown as Record<string, unknown>)[camel]).to.equal(undefined);
        const unknown = new RegExp(`^Unknown op: ${name} \\(${name} came in Keras ${since.replace('.', '\\.')}\\)`);
        expectKerasError(() => old.call(name, [[1, 2]]), KerasTypeError, unknown);
      });
    }
  });

  for (const backend of ['reference', 'tfjs-cpu']) {
    describe(`rms_normalization [${backend}]`, () => {
      before(() => setBackend(backend));

      it('divides by the root mean square over the last axis by default, then scales', () => {
        // [3, 4]: mean of squares 12.5, rms 3.5355339. Keras: [0.8485281, 1.1313709].
        expectClose(ops.rmsNormalization(f32([3, 4])), [0.8485281, 1.1313709], { dtype: 'float32' });
        expectClose(ops.rmsNormalization(f32([3, 4]), { scale: f32([2, -1]) }), [1.6970563, -1.1313709]);
        // epsilon=1 joins the mean of squares: 3 / sqrt(13.5), 4 / sqrt(13.5).
        expectClose(ops.rmsNormalization(f32([3, 4]), { epsilon: 1 }), [0.8164966, 1.0886621]);
      });

      it('takes an axis, a tuple of axes in any order, None for all, and () for none', () => {
        // Columns [3, 1] and [4, -1]: rms sqrt(5) and sqrt(8.5).
        expectClose(rms([f32([[3, 4], [1, -1]])], { axis: 0 }), [[1.3416407, 1.3719887], [0.4472136, -0.3429972]]);
        expectClose(rms([f32([[3, 4], [0, 0]])], { axis: null }), [[1.2, 1.6], [0, 0]]);
        expectClose(rms([f32([[3, 4], [0, 0]])], { axis: [1, 0] }), [[1.2, 1.6], [0, 0]]);
        // Over no axes each value is its own row: x * rsqrt(x^2 + 1e-7). Keras: [-1, 0.9999998, 0].
        expectClose(rms([f32([-2, 0.5, 0])], { axis: [] }), [-1, 0.9999998, 0]);
      });

      it('broadcasts scale as numpy does, past x shape too, and casts an int32 or bool scale', () => {
        expectClose(rms([f32([3, 4])], { scale: f32([[1], [2]]) }), [[0.8485281, 1.1313709], [1.6970563, 2.2627418]]);
        expectClose(rms([f32([3, 4]), [true, false]]), [0.8485281, 0]);
        expectClose(rms([f32([3, 4]), 2]), [1.6970563, 2.2627418]);
      });

      it('sees a 0-D x as (1,)', () => {
        expectClose(ops.rmsNormalization(f32(-2.5)), [-1]);
        expectClose(rms([f32(0.75)], { axis: 0 }), [1]);
      });

      it('overflows and underflows in float32 as Keras does', () => {
        // 1e20^2 is inf: rsqrt gives 0. 4 * 1e38 overflows the sum. 1e-30^2 is 0: x / sqrt(1e-7).
        expectClose(ops.rmsNormalization(f32([1e20, 1, 2])), [0, 0, 0]);
        expectClose(ops.rmsNormalization(f32([1e19, 1e19, 1e19, 1e19])), [0, 0, 0, 0]);
        expectClose(ops.rmsNormalization(f32([1e-30, -1e-30])), [3.1622776e-27, -3.1622776e-27]);
        expectClose(ops.rmsNormalization(f32([Infinity, 1, 2])), [NaN, 0, 0]);
        // epsilon 0: a zero row is 0 * inf = NaN; an epsilon past float32 is inf, and the result 0.
        expectClose(rms([f32([[0, 0], [3, 4]])], { epsilon: 0 }), [[NaN, NaN], [0.8485281, 1.1313709]]);
        expectClose(rms([f32([3, 4])], { epsilon: 1e39 }), [0, 0]);
        expectClose(rms([f32([3, 4])], { epsilon: true }), [0.8164966, 1.0886621]);
      });

      it('keeps int32 (truncated, NaN to 0, saturated) and bool (NaN is true)', () => {
        expectClose(ops.rmsNormalization(i32([[1, 2, 3], [0, 0, 5]])), [[0, 0, 1], [0, 0, 1]], { dtype: 'int32' });
        expectClose(rms([i32([[1, 2, 3], [0, 0, 5]]), f32([10, 10, 10])]), [[4, 9, 13], [0, 0, 17]], { dtype: 'int32' });
        expectClose(rms([i32([[0, 0, 0], [1, 2, -3]])], { epsilon: 0 }), [[0, 0, 0], [0, 0, -1]], { dtype: 'int32' });
        expectClose(rms([i32([[0, 0, 0], [1, 2, -3]]), f32(1e10)]), [[0, 0, 0], [2147483647, 2147483647, -2147483648]], { dtype: 'int32' });
        expectClose(rms([[[true, false], [false, false]]], { epsilon: 0 }), [[true, false], [true, true]], { dtype: 'bool' });
      });
    });

    describe(`layer_normalization [${backend}]`, () => {
      before(() => setBackend(backend));

      it("matches Keras's docstring example", () => {
        expectClose(ops.layerNormalization(f32([0, 1, 2, 3, 4])), [-1.4142135, -0.70710677, 0, 0.7071067, 1.4142135]);
      });

      it('scales by gamma and shifts by beta per position of the axis', () => {
        // Row [1, 2, 3]: mean 2, variance 2/3, so (x - 2) * 1.2247449 * gamma + beta. A constant row gives beta.
        const x = f32([[1, 2, 3], [2, 2, 2]]);
        expectClose(ops.layerNormalization(x, { gamma: f32([1, 2, 3]), beta: f32([0, 1, 0]) }), [[-1.2247447, 1, 3.6742334], [0, 1, 0]]);
        expectClose(ln([f32([[1, 2], [3, 6]])], { axis: 0 }), [[-1, -1], [1, 1]]);
        expectClose(ln([f32([[1, 2], [3, 6]])], { axis: [1, 0] }), [[-1.0690448, -0.5345224], [0, 1.6035674]]);
        expectClose(ln([f32([1, 3])], { epsilon: 1 }), [-0.7071068, 0.7071067]);
      });

      it('reshapes gamma and beta to the axes unless axis is exactly [rank - 1] or they have x rank', () => {
        // axis 1 of (1, 3, 2): gamma (3,) becomes (1, 3, 1).
        expectClose(ln([f32([[[1, 2], [3, 4], [5, 6]]]), f32([1, 2, 3])], { axis: 1 }), [[[-1.2247448, -1.2247448], [0, 0], [3.6742344, 3.6742344]]]);
        // axis 1 of a rank-2 x is [rank - 1]: a (1,) gamma broadcasts; axis -1 reshapes it and fails.
        expectClose(ln([f32([[1, 3], [2, 6]]), f32([2])], { axis: 1 }), [[-2, 2], [-2, 2]]);
        expectKerasError(
          () => ln([f32([[1, 3], [2, 6]]), f32([2])]),
          KerasTypeError,
          "Argument `gamma` must hold 2 elements: Keras reshapes it to [1, 2] unless it has x's rank or axis is [1]. Received: gamma.shape=(1,)",
        );
        // A gamma of x's rank broadcasts, and may widen the result.
        expectClose(ln([f32([[1, 3]]), f32([[1, 1], [2, 2]])]), [[-1, 1], [-2, 2]]);
      });

      it('gives zeros over no axes, for a constant row, and NaN there with epsilon 0', () => {
        expectClose(ln([f32([1, -2, Infinity])], { axis: [] }), [0, 0, NaN]);
        expectClose(ln([f32(3.5)], { axis: [] }), 0);
        expectClose(ln([f32([[2, 2], [1, 3]])]), [[0, 0], [-1, 1]]);
        expectClose(ln([f32([[2, 2], [1, 3]])], { epsilon: 0 }), [[NaN, NaN], [-1, 1]]);
        // A variance past float32 makes inv 0; an inf makes the row NaN.
        expectClose(ops.layerNormalization(f32([1e20, 1, -1, 0])), [0, 0, 0, 0]);
        expectClose(ops.layerNormalization(f32([Infinity, 1, -1, 0])), [NaN, NaN, NaN, NaN]);
      });

      it('keeps int32 (truncated) and bool', () => {
        // [1, 2, 3, 10]: mean 4, sd 3.5355: -0.85, -0.57, -0.28, 1.70.
        expectClose(ops.layerNormalization(i32([[1, 2, 3, 10]])), [[0, 0, 0, 1]], { dtype: 'int32' });
        expectClose(ln([i32([[1, 2, 3, 10]]), f32([10, 10, 10, 10])]), [[-8, -5, -2, 16]], { dtype: 'int32' });
        expectClose(ops.layerNormalization([[true, false], [true, true]]), [[true, true], [false, false]], { dtype: 'bool' });
      });
    });
  }

  describe('rms_normalization errors', () => {
    const x = () => f32([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]);

    it('raises for axes past the rank (IndexError) and repeated axes, printed sorted (ValueError)', () => {
      expectKerasError(() => rms([x()], { axis: 2 }), KerasIndexError, 'tuple index out of range');
      expectKerasError(() => rms([x()], { axis: -3 }), KerasIndexError, 'tuple index out of range');
      expectKerasError(() => rms([f32(1)], { axis: 1 }), KerasIndexError, 'tuple index out of range');
      expectKerasError(() => rms([x()], { axis: [5, 5] }), KerasIndexError, 'tuple index out of range');
      expectKerasError(() => rms([x()], { axis: [0, 0] }), KerasValueError, "duplicate value in 'axis': (0, 0)");
      // Keras sorts a tuple before jnp sees it (keras-team/keras#22296).
      expectKerasError(() => rms([x()], { axis: [1, -1] }), KerasValueError, "duplicate value in 'axis': (-1, 1)");
      expectKerasError(() => rms([x()], { axis: 1.5 }), KerasTypeError, 'Argument `axis` must be an int, a tuple of ints or None. Received: axis=1.5');
      expectKerasError(() => rms([x()], { axis: [1.5] }), KerasTypeError, 'Argument `axis` must be an integer. Received: axis=1.5');
    });

    it('raises for a scale that does not broadcast: ValueError across ranks, TypeError within one', () => {
      expectKerasError(
        () => rms([x(), f32([1, 2, 3])]),
        KerasValueError,
        'Argument `scale` does not broadcast: mul got incompatible shapes (3, 4) and (3,). Received: scale.shape=(3,)',
      );
      expectKerasError(() => rms([x(), f32([[1, 2, 3]])]), KerasTypeError, /^Argument `scale` does not broadcast: mul got incompatible shapes \(3, 4\) and \(1, 3\)/);
    });

    it('raises for an epsilon that is not a number, before looking at scale', () => {
      expectKerasError(() => rms([x(), f32([1, 2, 3])], { epsilon: 'a' }), KerasTypeError, 'Argument `epsilon` must be a number. Received: epsilon=a');
      expectKerasError(() => rms([x()], { axis: [0, 0], epsilon: 'a' }), KerasValueError, "duplicate value in 'axis': (0, 0)");
    });
  });

  describe('layer_normalization errors', () => {
    const x = () => f32([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]);

    it('raises for None, float, out-of-range and repeated axes', () => {
      expectKerasError(() => ln([x()], { axis: null }), KerasTypeError, 'Argument `axis` must be an int or a tuple of ints. Received: axis=None');
      expectKerasError(() => ln([x()], { axis: 1.5 }), KerasTypeError, 'Argument `axis` must be an int or a tuple of ints. Received: axis=1.5');
      expectKerasError(() => ln([x()], { axis: 2 }), KerasIndexError, 'tuple index out of range');
      expectKerasError(() => ln([f32(1.5)]), KerasIndexError, 'tuple index out of range');
      expectKerasError(() => ln([x()], { axis: [1, -1] }), KerasValueError, "duplicate value in 'axis': (-1, 1)");
      expectKerasError(() => ln([x(), f32([1, 2, 3, 4, 5])], { axis: [0, 0] }), KerasValueError, "duplicate value in 'axis': (0, 0)");
    });

    it('raises for a gamma or beta of the wrong size, then for epsilon, then for broadcasting', () => {
      expectKerasError(() => ln([x(), f32([1, 2, 3])]), KerasTypeError, /^Argument `gamma` must hold 4 elements: Keras reshapes it to \[1, 4\]/);
      expectKerasError(() => ln([x(), null, f32([1, 2, 3, 4, 5])], { epsilon: 'a' }), KerasTypeError, /^Argument `beta` must hold 4 elements/);
      expectKerasError(() => ln([x(), f32([[1, 2, 3]])], { axis: 1, epsilon: 'a' }), KerasTypeError, 'Argument `epsilon` must be a number. Received: epsilon=a');
      // (3, 1) * (2, 2) within one rank: TypeError; x * inv across ranks: ValueError.
      expectKerasError(() => ln([x(), f32([[1, 2], [3, 4]])]), KerasTypeError, /^Argument `gamma` does not broadcast: mul got incompatible shapes \(3, 1\) and \(2, 2\)/);
      expectKerasError(() => ln([x(), f32([[[1, 2, 3]], [[4, 5, 6]]])], { axis: 1 }), KerasValueError, /^Argument `gamma` does not broadcast: mul got incompatible shapes \(3, 4\) and \(2, 3, 3\)/);
      expectKerasError(() => ln([x(), null, f32([1, 2, 3])], { axis: 1 }), KerasTypeError, /^Argument `beta` does not broadcast: add got incompatible shapes \(3, 4\) and \(3, 3\)/);
    });

    it('does not take the deprecated rms_scaling keyword (docs/deviations.md)', () => {
      expectKerasError(() => ln([x()], { rms_scaling: true }), KerasTypeError, "layer_normalization() got an unexpected keyword argument 'rms_scaling'");
    });
  });

  describe('output specs, unknown dims included', () => {
    it('rms_normalization: x shape (a 0-D x as (1,)) broadcast with scale, x dtype', () => {
      expect(ops.outputSpec('rms_normalization', [spec([null, 3, 4])])).to.deep.equal(spec([null, 3, 4]));
      expect(ops.outputSpec('rms_normalization', [spec([], 'int32')])).to.deep.equal(spec([1], 'int32'));
      expect(ops.outputSpec('rms_normalization', [spec([null, 4], 'bool'), spec([2, 1, null])])).to.deep.equal(spec([2, null, 4], 'bool'));
      expectKerasError(() => ops.outputSpec('rms_normalization', [spec([null, 4]), spec([3])]), KerasValueError, /^Argument `scale` does not broadcast/);
    });

    it('layer_normalization: x shape broadcast with gamma and beta as Keras shapes them, x dtype', () => {
      expect(ops.outputSpec('layer_normalization', [spec([null, 3, 4], 'int32'), spec([4]), spec([4])])).to.deep.equal(spec([null, 3, 4], 'int32'));
      expect(ops.outputSpec('layer_normalization', [spec([1, null]), spec([3, 1])])).to.deep.equal(spec([3, null]));
      expect(ops.outputSpec('layer_normalization', [spec([null, 3, 4]), spec([3])], { axis: 1 })).to.deep.equal(spec([null, 3, 4]));
      // The reshape target (1, 1, None) has an unknown size: no size check.
      expect(ops.outputSpec('layer_normalization', [spec([2, 3, null]), spec([5])])).to.deep.equal(spec([2, 3, null]));
      expectKerasError(() => ops.outputSpec('layer_normalization', [spec([null, 4]), spec([3])]), KerasTypeError, /^Argument `gamma` must hold 4 elements/);
    });
  });
});
