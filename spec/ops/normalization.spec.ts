import { expect } from 'chai';
import {
  convertToTensor, KerasIndexError, KerasZeroDivisionError, KerasNotImplementedError, KerasTypeError, KerasValueError, ops, tensor, type Tensor,
} from '../../src/index.js';
import { expectClose, expectKerasError } from '../helpers.js';

/** float32 tensors, as the np.float32 arrays of the live Keras calls (JS infers int32 for `[0, 1]`). */
const f32 = (v: Parameters<typeof convertToTensor>[0]) => convertToTensor(v, 'float32');
const spec = (shape: (number | null)[], dtype = 'float32') => ({ shape, dtype });
/** ops.call's result for moments: [mean, variance]. */
const pair = (r: unknown) => r as Tensor[];

describe('moments', () => {
  it("matches Keras's docstring example", () => {
    // Docstring: (array(21.2, dtype=float32), array(1553.3601, dtype=float32)).
    const [mean, variance] = pair(ops.moments(f32([0, 1, 2, 3, 100]), [0]));
    expectClose(mean, 21.2, { dtype: 'float32' });
    expectClose(variance, 1553.3601, { dtype: 'float32' });
  });

  it('matches nn_test (1-D, atol = rtol = 1e-5)', () => {
    // numpy: mean(x) = -90/7 = -12.857143, var(x) = 6981.8367.
    // Keras 3.6.0 JAX: ops.moments(f([0,1,2,3,4,100,-200]), axes=[0]) -> (-12.857143, 6981.837)
    const [mean, variance] = pair(ops.moments(f32([0, 1, 2, 3, 4, 100, -200]), [0]));
    expectClose(mean, -12.857143, { atol: 1e-5, rtol: 1e-5 });
    expectClose(variance, 6981.8367, { atol: 1e-5, rtol: 1e-5 });
  });

  it('reduces one axis, several axes, all axes (None) or none ([])', () => {
    const x = f32([[1, 2, 3], [4, 5, 7]]);
    // Columns: means (2.5, 3.5, 5), population variances (2.25, 2.25, 4).
    let [mean, variance] = pair(ops.moments(x, [0]));
    expectClose(mean, [2.5, 3.5, 5]);
    expectClose(variance, [2.25, 2.25, 4]);
    // Keras 3.6.0 JAX: ops.moments(x, axes=None) -> (3.6666667, 3.8888886)
    [mean, variance] = pair(ops.moments(x, null));
    expectClose(mean, 3.6666667);
    expectClose(variance, 3.8888886);
    // Keras 3.6.0 JAX: ops.moments(x, axes=[]) -> (x, zeros)
    [mean, variance] = pair(ops.call('moments', [x, []]));
    expectClose(mean, [[1, 2, 3], [4, 5, 7]]);
    expectClose(variance, [[0, 0, 0], [0, 0, 0]]);
    // Keras 3.6.0 JAX: ops.moments(f([[[1,2],[3,4]],[[5,6],[7,9]]]), axes=[0,2]) -> ([3.5, 5.75], [4.25, 5.6875])
    [mean, variance] = pair(ops.moments(f32([[[1, 2], [3, 4]], [[5, 6], [7, 9]]]), [0, 2]));
    expectClose(mean, [3.5, 5.75]);
    expectClose(variance, [4.25, 5.6875]);
  });

  it('keeps reduced dims with keepdims, and takes an int or negative axes', () => {
    const x = f32([[1, 2, 3], [4, 5, 7]]);
    // Rows: means (2, 16/3), variances (2/3, 14/9). Keras 3.6.0 JAX: ops.moments(x, axes=[-1], keepdims=True)
    let [mean, variance] = pair(ops.moments(x, [-1], { keepdims: true }));
    expectClose(mean, [[2], [5.3333335]]);
    expectClose(variance, [[0.6666667], [1.5555555]]);
    // Keras 3.6.0 JAX: ops.moments(x, axes=-1) (an int works eagerly)
    [mean, variance] = pair(ops.call('moments', [x], { axes: -1, keepdims: false }));
    expectClose(mean, [2, 5.3333335]);
    expectClose(variance, [0.6666667, 1.5555555]);
    // Keras 3.6.0 JAX: ops.moments(f([[[1,2],[3,4]],[[5,6],[7,9]]]), axes=[2,0], keepdims=True) -> shape (1, 2, 1)
    [mean, variance] = pair(ops.moments(f32([[[1, 2], [3, 4]], [[5, 6], [7, 9]]]), [2, 0], { keepdims: true }));
    expectClose(mean, [[[3.5], [5.75]]]);
    expectClose(variance, [[[4.25], [5.6875]]]);
  });

  it('is two-pass: no cancellation for a large mean', () => {
    // One pass, E[x^2] - E[x]^2, gives -0.0644 in float32 (numpy); two passes keep the variance.
    // Keras 3.6.0 JAX: ops.moments(f([1000.1,1000.2,1000.3]), axes=[0]) -> (1000.19995, 0.00666748)
    const [mean, variance] = pair(ops.moments(f32([1000.1, 1000.2, 1000.3]), [0]));
    expectClose(mean, 1000.19995);
    expectClose(variance, 0.00666748);
  });

  it('gives float32 for int32 and bool, NaN for an empty reduction, and takes 0-D x', () => {
    // Keras 3.6.0 JAX: ops.moments(i([[1,2],[3,5]]), axes=[0]) -> ([2., 3.5], [1., 2.25]) float32
    let [mean, variance] = pair(ops.moments([[1, 2], [3, 5]], [0]));
    expectClose(mean, [2, 3.5], { dtype: 'float32' });
    expectClose(variance, [1, 2.25], { dtype: 'float32' });
    // Keras 3.6.0 JAX: ops.moments(np.array([[True,False,True],[True,True,False]]), axes=[0])
    [mean, variance] = pair(ops.moments([[true, false, true], [true, true, false]], [0]));
    expectClose(mean, [1, 0.5, 0.5], { dtype: 'float32' });
    expectClose(variance, [0, 0.25, 0.25]);
    // Keras 3.6.0 JAX: ops.moments(np.zeros((0,3),'float32'), axes=[0]) -> nan x3 each
    [mean, variance] = pair(ops.moments(tensor([], [0, 3], 'float32'), [0]));
    expectClose(mean, [NaN, NaN, NaN]);
    expectClose(variance, [NaN, NaN, NaN]);
    // Keras 3.6.0 JAX: ops.moments(f(3.0), axes=[]) -> (3., 0.)
    [mean, variance] = pair(ops.moments(f32(3), []));
    expectClose(mean, 3);
    expectClose(variance, 0);
  });

  it('raises for synchronized=True with the JAX wording, and for bad axes and flags', () => {
    expectKerasError(() => ops.moments([1, 2], [0], { synchronized: true }), KerasNotImplementedError, 'Argument synchronized=True is not supported with JAX.');
    expectKerasError(() => ops.outputSpec('moments', [spec([2]), [0]], { synchronized: true }), KerasNotImplementedError, 'Argument synchronized=True is not supported with JAX.');
    expectKerasError(() => ops.moments([1, 2], [0, 0]), KerasValueError, "duplicate value in 'axis': (0, 0)");
    // Keras 3.6.0 JAX: ops.moments(np.zeros((2, 3, 4)), axes=3) -> IndexError('tuple index out of range').
    expectKerasError(() => ops.moments([1, 2], [1]), KerasIndexError, 'tuple index out of range');
    expectKerasError(() => ops.moments(3, [0]), KerasIndexError, 'tuple index out of range');
    expectKerasError(() => ops.moments([1, 2], [0.5]), KerasTypeError, 'Argument `axes` must be an integer. Received: axes=0.5');
    expectKerasError(() => ops.moments([1, 2], 'a'), KerasTypeError, 'Argument `axes` must be an int, a tuple of ints or None. Received: axes=a');
    expectKerasError(() => ops.moments([1, 2], [0], { keepdims: 1 }), KerasTypeError, 'Argument `keepdims` must be a boolean. Received: keepdims=1');
    expectKerasError(() => ops.moments([1, 2], [0], { synchronized: 'no' }), KerasTypeError, 'Argument `synchronized` must be a boolean. Received: synchronized=no');
  });

  it('infers both output specs, unknown dims included (nn_test shapes)', () => {
    const x = spec([null, 3, 4]);
    const shapes = (axes: unknown, keepdims = false) =>
      (ops.outputSpec('moments', [x, axes], { keepdims }) as { shape: (number | null)[] }[]).map((s) => s.shape);
    expect(shapes([0])).to.deep.equal([[3, 4], [3, 4]]);
    expect(shapes([0, 1])).to.deep.equal([[4], [4]]);
    expect(shapes([0, 1], true)).to.deep.equal([[1, 1, 4], [1, 1, 4]]);
    expect(shapes([1])).to.deep.equal([[null, 4], [null, 4]]);
    expect(shapes([1, 2])).to.deep.equal([[null], [null]]);
    expect(shapes([1, 2], true)).to.deep.equal([[null, 1, 1], [null, 1, 1]]);
    // Keras's symbolic spec says int32 here; eager JAX returns float32.
    expect(ops.outputSpec('moments', [spec([null, 3], 'int32'), [0]])).to.deep.equal([spec([3]), spec([3])]);
  });
});

describe('batch_normalization', () => {
  const x3 = () => f32([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]]);

  it("matches Keras's docstring example", () => {
    // Docstring: [[-3.6624e-01 x3], [-4.6445e-09, 0, -1.8578e-08], [3.6624e-01 x3]]; 0.3/sqrt(0.671) = 0.366235.
    const r = ops.batchNormalization(x3(), f32([0.4, 0.5, 0.6]), f32([0.67, 0.67, 0.67]), -1);
    expectClose(r, [[-0.36623514, -0.3662351, -0.36623514], [0, 0, 0], [0.36623508, 0.36623514, 0.36623502]], { dtype: 'float32' });
  });

  it('matches nn_test (offset, scale, epsilon)', () => {
    const x = f32([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]);
    const mean = f32([0.2, 0.3, 0.4]);
    const variance = f32([4, 16, 64]);
    // (x - mean) / sqrt(var) * scale + offset: (0.1 - 0.2)/2*10 + 5 = 4.5.
    const r = ops.batchNormalization(x, mean, variance, -1, { offset: f32([5, 10, 15]), scale: f32([10, 20, 30]), epsilon: 1e-7 });
    expectClose(r, [[4.5, 9.5, 14.625], [6.0, 11.0, 15.75]]);
    const plain = ops.call('batch_normalization', [x, mean, variance], { axis: 1, epsilon: 1e-7 }) as Tensor;
    expectClose(plain, [[-0.05, -0.025, -0.0125], [0.1, 0.05, 0.025]]);
  });

  it('normalises along any axis, negative included', () => {
    // Keras 3.6.0 JAX: ops.batch_normalization(X, f([0.4,0.5,0.6]), f([0.67]*3), 0, offset=f([1,2,3]), scale=f([2,0.5,1]))
    const r0 = ops.batchNormalization(x3(), f32([0.4, 0.5, 0.6]), f32([0.67, 0.67, 0.67]), 0, { offset: f32([1, 2, 3]), scale: f32([2, 0.5, 1]) });
    expectClose(r0, [[0.26752976, 0.5116865, 0.75584328], [1.93896079, 2, 2.06103921], [3.12207842, 3.24415684, 3.36623502]]);
    // Keras 3.6.0 JAX: the same, axis=-2, scale only, epsilon=0
    const r1 = ops.batchNormalization(x3(), f32([0.4, 0.5, 0.6]), f32([0.67, 0.67, 0.67]), -2, { scale: f32([2, 0.5, 1]), epsilon: 0 });
    expectClose(r1, [[-0.73301673, -0.4886778, -0.24433887], [-0.06108472, 0, 0.06108475], [0.12216938, 0.24433887, 0.36650825]]);
    // Keras 3.6.0 JAX: axis=1, offset only, epsilon=0.1
    const r2 = ops.batchNormalization(x3(), f32([0.4, 0.5, 0.6]), f32([0.67, 0.67, 0.67]), 1, { offset: f32([1, 2, 3]), epsilon: 0.1 });
    expectClose(r2, [[0.65811825, 1.65811825, 2.65811825], [1, 2, 3], [1.34188175, 2.34188175, 3.34188175]]);
    // Rank 3, axis 1. Keras 3.6.0 JAX: ops.batch_normalization(f([[[1,2],[3,4]],[[5,6],[7,8]]]), f([1,2]), f([1,4]), 1, offset=f([0.5,-0.5]))
    const r3 = ops.batchNormalization(f32([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]), f32([1, 2]), f32([1, 4]), 1, { offset: f32([0.5, -0.5]) });
    expectClose(r3, [[[0.5, 1.49950039], [-6.2465668e-5, 0.49987507]], [[4.49800158, 5.49750233], [1.99968767, 2.49962521]]]);
  });

  it('broadcasts length-1 vectors and a size-1 axis eagerly, as JAX does', () => {
    // Keras 3.6.0 JAX: ops.batch_normalization(X, f([0.4]), f([0.67]), 1)
    const r = ops.batchNormalization(x3(), f32([0.4]), f32([0.67]), 1);
    expectClose(r, [[-0.36623514, -0.24415675, -0.12207836], [0, 0.12207836, 0.24415678], [0.36623508, 0.4883135, 0.6103918]]);
    // Keras 3.6.0 JAX: the same with offset=f([1.0]), scale=f([3.0])
    const rs = ops.batchNormalization(x3(), f32([0.4]), f32([0.67]), 1, { offset: f32([1]), scale: f32([3]) });
    expectClose(rs, [[-0.09870532, 0.26752979, 0.63376498], [1, 1.36623514, 1.73247039], [2.09870529, 2.46494055, 2.83117533]]);
    // x of shape (2, 1) with 3-long vectors gives (2, 3).
    // Keras 3.6.0 JAX: ops.batch_normalization(f([[1.],[2.]]), f([0.,1.,2.]), f([1.,1.,4.]), 1)
    const up = ops.batchNormalization(f32([[1], [2]]), f32([0, 1, 2]), f32([1, 1, 4]), 1);
    expectClose(up, [[0.99950039, 0, -0.49993753], [1.99900079, 0.99950039, 0]]);
    // mean of shape (3, 1) holds 3 elements and is reshaped. Keras 3.6.0 JAX: ops.batch_normalization(f([[1,2,3]]), f([[1],[2],[3]]), f([1,1,1]), 1)
    expectClose(ops.batchNormalization(f32([[1, 2, 3]]), f32([[1], [2], [3]]), f32([1, 1, 1]), 1), [[0, 0, 0]]);
  });

  it('gives float32 for int32 and bool x, and NaN for a negative variance', () => {
    // Keras 3.6.0 JAX: ops.batch_normalization(i([[1,2,3],[4,5,6]]), i([1,2,3]), i([1,1,2]), -1, offset=i([1,1,1]), scale=i([2,2,2]))
    const r = ops.batchNormalization([[1, 2, 3], [4, 5, 6]], [1, 2, 3], [1, 1, 2], -1, { offset: [1, 1, 1], scale: [2, 2, 2] });
    expectClose(r, [[1, 1, 1], [6.9970026, 6.997002, 5.2415805]], { dtype: 'float32' });
    // Keras 3.6.0 JAX: ops.batch_normalization(np.array([[True,False]]), f([1.,0.]), f([1.,1.]), -1) -> [[0., 0.]]
    expectClose(ops.batchNormalization([[true, false]], f32([1, 0]), f32([1, 1]), -1), [[0, 0]], { dtype: 'float32' });
    // rsqrt(-2 + 1e-3) is NaN. Keras 3.6.0 JAX: ops.batch_normalization(f([1.,2.]), f([1.,1.]), f([-2.,0.]), 0) -> [nan, 31.622774]
    expectClose(ops.batchNormalization(f32([1, 2]), f32([1, 1]), f32([-2, 0]), 0), [NaN, 31.622774]);
  });

  it("raises Keras's symbolic message for wrong vector lengths (unbalanced backtick included)", () => {
    const x = spec([null, 3]);
    const call = (mean: number[], variance: number[], kw: Record<string, unknown> = {}) => () =>
      ops.outputSpec('batch_normalization', [x, spec(mean), spec(variance), 1], kw);
    const msg = (name: string, got: string) =>
      `Arguments \`${name}\` must be a vector of length \`x.shape[axis]\`. Expected: \`(3,)\`. Received: \`${got}.`;
    expectKerasError(call([2], [3]), KerasValueError, msg('mean', '(2,)'));
    expectKerasError(call([3], [2]), KerasValueError, msg('variance', '(2,)'));
    expectKerasError(call([3], [3], { offset: spec([1]) }), KerasValueError, msg('offset', '(1,)'));
    expectKerasError(call([3], [3], { scale: spec([1]) }), KerasValueError, msg('scale', '(1,)'));
    expectKerasError(call([3, 1], [3]), KerasValueError, msg('mean', '(3, 1)'));
    // nn_test: x (None, 3, 4, 5), mean/variance (5,), axis -1, offset (3,) -> "`offset` must be a vector of length".
    expectKerasError(
      () => ops.outputSpec('batch_normalization', [spec([null, 3, 4, 5]), spec([5]), spec([5]), -1], { offset: spec([3]), scale: spec([5]) }),
      KerasValueError,
      /`offset` must be a vector of length/,
    );
  });

  it('raises clear errors where eager JAX fails on lengths, axis and types', () => {
    const x = x3();
    // JAX: "mul got incompatible shapes for broadcasting: (3, 3), (1, 2)." -> Keras's message for mean.
    // JAX fails to broadcast (TypeError); the message is Keras's symbolic one.
    expectKerasError(() => ops.batchNormalization(x, f32([0.4, 0.5]), f32([1, 1]), 1), KerasTypeError, 'Arguments `mean` must be a vector of length `x.shape[axis]`. Expected: `(3,)`. Received: `(2,).');
    // JAX: ValueError "cannot reshape array of size 3 into shape (1,1)".
    expectKerasError(() => ops.batchNormalization(x, f32([0.4]), f32([1, 1, 1]), 1), KerasValueError, 'Argument `variance` must have as many elements as `mean` (1). Received: variance.shape=(3,)');
    expectKerasError(() => ops.batchNormalization(x, f32([0.4, 0.5, 0.6]), f32([1, 1, 1]), 1, { offset: f32([1]) }), KerasValueError, 'Argument `offset` must have as many elements as `mean` (3). Received: offset.shape=(1,)');
    expectKerasError(() => ops.batchNormalization(x, f32([[0.4, 0.5, 0.6]]), f32([1, 1, 1]), 1), KerasValueError, 'Argument `mean` must be a vector. Received: mean.shape=(1, 3)');
    // JAX: IndexError "tuple index out of range".
    expectKerasError(() => ops.batchNormalization(x, f32(0.4), f32(1), 1), KerasValueError, 'Argument `mean` must be a vector. Received: mean.shape=()');
    // JAX: IndexError "list assignment index out of range".
    // Keras 3.6.0 JAX: batch_normalization(np.zeros((2, 3, 4)), ..., axis=3) -> IndexError from `shape[axis] = ...`.
    expectKerasError(() => ops.batchNormalization(x, f32([1, 1, 1]), f32([1, 1, 1]), 2), KerasIndexError, 'list assignment index out of range');
    expectKerasError(() => ops.batchNormalization(x, f32([1, 1, 1]), f32([1, 1, 1]), null), KerasTypeError, 'Argument `axis` must be an integer. Received: axis=None');
    expectKerasError(() => ops.batchNormalization(x, f32([1, 1, 1]), f32([1, 1, 1]), 1, { epsilon: null }), KerasTypeError, 'Argument `epsilon` must be a number. Received: epsilon=None');
    // JAX: "neg does not accept dtype bool".
    expectKerasError(() => ops.batchNormalization(f32([[1, 0]]), [true, false], f32([1, 1]), -1), KerasTypeError, /^Argument `mean` must be numeric/);
  });

  it('infers the output spec, unknown dims included (nn_test shapes)', () => {
    const bn = (x: (number | null)[], n: number, axis: number) =>
      ops.outputSpec('batch_normalization', [spec(x), spec([n]), spec([n]), axis]);
    expect(bn([null, 3, 4], 4, -1)).to.deep.equal(spec([null, 3, 4]));
    expect(bn([null, 3, 4, 5], 4, 2)).to.deep.equal(spec([null, 3, 4, 5]));
    expect(bn([10, 3, 4, 5], 3, 1)).to.deep.equal(spec([10, 3, 4, 5]));
    // An unknown axis length or vector length is not checked; int32 x gives float32 (rsqrt).
    expect(ops.outputSpec('batch_normalization', [spec([null, 3], 'int32'), spec([null]), spec([null]), 0])).to.deep.equal(spec([null, 3]));
    expect(ops.outputSpec('batch_normalization', [spec([2, 3]), spec([null]), spec([3]), 1], { offset: spec([3]) })).to.deep.equal(spec([2, 3]));
  });
});

describe('normalize', () => {
  it("matches Keras's docstring example", () => {
    // Docstring: [[0.26726124 0.5345225 0.8017837] [0.45584232 0.5698029 0.68376344]]; its int input
    // makes Keras-JAX raise (rsqrt rejects int32), here it is promoted to float32.
    expectClose(ops.normalize([[1, 2, 3], [4, 5, 6]]), [[0.26726124, 0.5345225, 0.8017837], [0.45584232, 0.5698029, 0.68376344]], { dtype: 'float32' });
  });

  it('matches nn_test (axis None, 0, -1; order 3)', () => {
    const x = f32([[1, 2, 3], [1, 2, 3]]);
    expectClose(ops.normalize(x, { axis: null }), [[0.18898225, 0.3779645, 0.56694674], [0.18898225, 0.3779645, 0.56694674]]);
    expectClose(ops.normalize(x, { axis: 0 }), [[0.70710677, 0.70710677, 0.70710677], [0.70710677, 0.70710677, 0.70710677]]);
    expectClose(ops.normalize(x, { axis: -1 }), [[0.26726124, 0.53452247, 0.8017837], [0.26726124, 0.53452247, 0.8017837]]);
    expectClose(ops.call('normalize', [x], { order: 3 }) as Tensor, [[0.30285344, 0.6057069, 0.9085603], [0.30285344, 0.6057069, 0.9085603]]);
  });

  it('computes vector p-norms for other orders', () => {
    // order 1 on ints: rows / (6, 15). Keras 3.6.0 JAX: ops.normalize(i([[1,2,3],[4,5,6]]), order=1)
    expectClose(ops.normalize([[1, 2, 3], [4, 5, 6]], { order: 1 }), [[0.16666667, 0.33333334, 0.5], [0.26666668, 0.33333334, 0.4]], { dtype: 'float32' });
    // (1 + 16)^(1/4) = 2.0305, (81 + 256)^(1/4) = 4.2846. Keras 3.6.0 JAX: ops.normalize(f([[1,-2],[3,4]]), axis=-1, order=4)
    expectClose(ops.normalize(f32([[1, -2], [3, 4]]), { axis: -1, order: 4 }), [[0.49247909, -0.98495817], [0.70018661, 0.93358213]]);
    // A rank-1 x with axis=None is a vector norm. Keras 3.6.0 JAX: ops.normalize(f([1,-2,3]), axis=None, order=3)
    expectClose(ops.normalize(f32([1, -2, 3]), { axis: null, order: 3 }), [0.30285344, -0.60570687, 0.90856028]);
    // order=True is order 1 (a bool is an int in Python). Keras 3.6.0 JAX: ops.normalize(f([3.,4.]), order=True)
    expectClose(ops.normalize(f32([3, 4]), { order: true }), [0.42857143, 0.5714286]);
  });

  it('uses the matrix 1-norm for two axes (and axis=None on rank 2) with order 1', () => {
    // max column sum of |x|: columns (4, 6) -> 6. Keras 3.6.0 JAX: ops.normalize(f([[1,-2],[3,4]]), axis=(0,1), order=1)
    expectClose(ops.normalize(f32([[1, -2], [3, 4]]), { axis: [0, 1], order: 1 }), [[0.16666667, -0.33333334], [0.5, 0.66666669]]);
    // The axis order matters: max row sum (3, 7) -> 7. Keras 3.6.0 JAX: ops.normalize(f([[1,-2],[3,4]]), axis=(1,0), order=1)
    expectClose(ops.normalize(f32([[1, -2], [3, 4]]), { axis: [1, 0], order: 1 }), [[0.14285715, -0.2857143], [0.42857143, 0.5714286]]);
    // Keras 3.6.0 JAX: ops.normalize(f([[[1,-2],[3,4]]]), axis=(-1,-2), order=1)
    expectClose(ops.normalize(f32([[[1, -2], [3, 4]]]), { axis: [-1, -2], order: 1 }), [[[0.14285715, -0.2857143], [0.42857143, 0.5714286]]]);
    // Column sums (5, 7, 9) -> 9. Keras 3.6.0 JAX: ops.normalize(f([[1,2,3],[4,5,6]]), axis=None, order=1)
    expectClose(ops.normalize(f32([[1, 2, 3], [4, 5, 6]]), { axis: null, order: 1 }), [[0.11111111, 0.22222222, 0.33333334], [0.44444445, 0.5555556, 0.6666667]]);
  });

  it('takes any axes with order 2 (the x * rsqrt path)', () => {
    // Frobenius: sqrt(30). Keras 3.6.0 JAX: ops.normalize(f([[1,-2],[3,4]]), axis=(0,1), order=2)
    expectClose(ops.normalize(f32([[1, -2], [3, 4]]), { axis: [0, 1] }), [[0.18257418, -0.36514837], [0.5477226, 0.73029673]]);
    // axis=(): each element by its own |x|. Keras 3.6.0 JAX: ops.normalize(f([[[1,-2],[3,4]]]), axis=(), order=2)
    expectClose(ops.normalize(f32([[[1, -2], [3, 4]]]), { axis: [] }), [[[1, -1], [1, 1]]]);
  });

  it('bounds the norm below by epsilon (default 1e-7)', () => {
    // |x| = 1e-9 < 1e-7: x / 1e-7 = 0.01 on both paths. Keras 3.6.0 JAX: ops.normalize(f([1e-9,0.]), order=1|2)
    expectClose(ops.normalize(f32([1e-9, 0]), { order: 1 }), [0.01, 0]);
    expectClose(ops.normalize(f32([1e-9, 0])), [0.01, 0]);
    // Keras 3.6.0 JAX: ops.normalize(f([1e-9,0.]), order=2, epsilon=1e-12) -> [1., 0.]
    expectClose(ops.normalize(f32([1e-9, 0]), { epsilon: 1e-12 }), [1, 0]);
    // ||(3, 4)|| = 5 < 10. Keras 3.6.0 JAX: ops.normalize(f([3.,4.]), epsilon=10) and order=1 -> [0.3, 0.4]
    expectClose(ops.normalize(f32([3, 4]), { epsilon: 10 }), [0.3, 0.4]);
    expectClose(ops.normalize(f32([3, 4]), { order: 1, epsilon: 10 }), [0.3, 0.4]);
    // min(rsqrt(25), 1/-1) = -1. Keras 3.6.0 JAX: ops.normalize(f([3.,4.]), epsilon=-1) -> [-3., -4.]
    expectClose(ops.normalize(f32([3, 4]), { epsilon: -1 }), [-3, -4]);
    // Zero vectors stay zero. Keras 3.6.0 JAX: ops.normalize(f([0.,0.])) -> [0., 0.]
    expectClose(ops.normalize(f32([0, 0])), [0, 0]);
  });

  it('overflows like float32 Keras', () => {
    // 4^100 and (2e20)^2 overflow float32 to inf, so those rows become 0.
    // Keras 3.6.0 JAX: ops.normalize(f([[1,-2],[3,4]]), order=100) -> [[0.5, -1.], [0., 0.]]
    expectClose(ops.normalize(f32([[1, -2], [3, 4]]), { order: 100 }), [[0.5, -1], [0, 0]]);
    // Keras 3.6.0 JAX: ops.normalize(f([[1e20,-2e20],[3,4]]), order=2) -> [[0., -0.], [0.6, 0.8]]
    expectClose(ops.normalize(f32([[1e20, -2e20], [3, 4]])), [[0, 0], [0.6, 0.8]]);
    // Keras 3.6.0 JAX: ops.normalize(f([[1e20,-2e20],[3,4]]), order=3) -> [[0., -0.], [0.66697174, 0.8892957]]
    expectClose(ops.normalize(f32([[1e20, -2e20], [3, 4]]), { order: 3 }), [[0, 0], [0.66697174, 0.8892957]]);
    // Keras 3.6.0 JAX: ops.normalize(f([[1,-2],[3,np.inf]])) -> [[0.4472136, -0.8944272], [0., nan]]
    expectClose(ops.normalize(f32([[1, -2], [3, Infinity]])), [[0.4472136, -0.8944272], [0, NaN]]);
  });

  it('expands a 0-D x to (1,) and promotes bool', () => {
    // Keras 3.6.0 JAX: ops.normalize(f(3.0)) -> [1.]; ops.normalize(f(-3.0), order=1) -> [-1.]
    expectClose(ops.normalize(f32(3)), [1]);
    expectClose(ops.normalize(f32(-3), { order: 1 }), [-1]);
    // Keras 3.6.0 JAX: ops.normalize(np.array([[True,False],[True,True]]), order=1) -> [[1., 0.], [0.5, 0.5]]
    expectClose(ops.normalize([[true, false], [true, true]], { order: 1 }), [[1, 0], [0.5, 0.5]], { dtype: 'float32' });
  });

  it('rejects an order that is not an int >= 1 (eager and symbolic)', () => {
    const msg = (o: string) => `Argument \`order\` must be an int >= 1. Received: order=${o}`;
    for (const [order, shown] of [['a', 'a'], [-1, '-1'], [0, '0'], [2.5, '2.5'], [false, 'False'], [null, 'None']] as const) {
      expectKerasError(() => ops.normalize([1, 2, 3], { order }), KerasValueError, msg(shown));
    }
    expectKerasError(() => ops.outputSpec('normalize', [spec([null, 3])], { order: 0 }), KerasValueError, msg('0'));
  });

  it('raises what jnp.linalg.norm raises for other axes and orders', () => {
    const x = f32([[1, 2, 3], [4, 5, 6]]);
    expectKerasError(() => ops.normalize(x, { axis: null, order: 3 }), KerasValueError, "Invalid order '3' for matrix norm.");
    expectKerasError(() => ops.normalize(x, { axis: [0, 1], order: 4 }), KerasValueError, "Invalid order '4' for matrix norm.");
    expectKerasError(() => ops.normalize(f32([[[1, -2, 3]]]), { axis: null, order: 1 }), KerasValueError, 'Invalid axis values ((0, 1, 2)) for jnp.linalg.norm.');
    expectKerasError(() => ops.normalize(f32([[[1, -2, 3]]]), { axis: [-1, 0, 1], order: 3 }), KerasValueError, 'Invalid axis values ((2, 0, 1)) for jnp.linalg.norm.');
    expectKerasError(() => ops.normalize(x, { axis: [], order: 1 }), KerasValueError, 'Invalid axis values (()) for jnp.linalg.norm.');
    expectKerasError(() => ops.normalize(tensor([], [2, 0], 'float32'), { axis: null, order: 1 }), KerasValueError, 'zero-size array to reduction operation max which has no identity');
    expectKerasError(() => ops.normalize(x, { axis: [0, -2] }), KerasValueError, "duplicate value in 'axis': (0, -2)");
    expectKerasError(() => ops.normalize(x, { axis: 2 }), KerasValueError, 'axis 2 is out of bounds for array of dimension 2');
  });

  it('rejects a bad epsilon', () => {
    // Keras: TypeError "unsupported operand type(s) for /: 'float' and 'str'"; ZeroDivisionError for 0.
    expectKerasError(() => ops.normalize([1, 2], { epsilon: 'a' }), KerasTypeError, 'Argument `epsilon` must be a number. Received: epsilon=a');
    // Keras 3.6.0: normalize(x, epsilon=0.0) computes 1.0 / epsilon in Python -> ZeroDivisionError.
    expectKerasError(() => ops.normalize([1, 2], { epsilon: 0 }), KerasZeroDivisionError, 'float division by zero');
    // order 1 divides by max(norm, 0): 0/0 for a zero vector, as Keras. Keras 3.6.0 JAX: ops.normalize(f([0,0]), epsilon=0, order=1) -> [nan, nan]
    expectClose(ops.normalize(f32([0, 0]), { epsilon: 0, order: 1 }), [NaN, NaN]);
  });

  it('infers the output spec: float32, x.shape, (1,) for 0-D', () => {
    // nn_test: (None, 2, 3) -> (None, 2, 3); (1, 2, 3) -> (1, 2, 3).
    expect(ops.outputSpec('normalize', [spec([null, 2, 3])])).to.deep.equal(spec([null, 2, 3]));
    expect(ops.outputSpec('normalize', [spec([1, 2, 3], 'int32')])).to.deep.equal(spec([1, 2, 3]));
    // Keras's symbolic spec says () here; eager returns (1,).
    expect(ops.outputSpec('normalize', [spec([])])).to.deep.equal(spec([1]));
  });
});

describe('normalization: several faults in one call raise the one Keras reports first', () => {
  it('batch_normalization reshapes the variance before it negates a bool mean', () => {
    const x = f32([[1, 2, 3], [4, 5, 6]]);
    const mean = tensor([true, true, true], [3], 'bool');
    // Keras 3.6.0: ValueError "cannot reshape array of size 4 into shape (1,3)" (JAX's text).
    expectKerasError(() => ops.call('batch_normalization', [x, mean, f32([1, 1, 1, 1]), 1], {}), KerasValueError, /variance/);
  });
});
