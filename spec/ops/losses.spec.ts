import { expect } from 'chai';
// Keras 3.6.0's rules; spec/keras-versions-changes.spec.ts shows what later releases changed.
import { convertToTensor, KerasIndexError, KerasTypeError, KerasValueError, ops, type Tensor } from '../../src/keras-3.6.js';
import { expectClose, expectKerasError } from '../helpers.js';

/** float32 tensors, as the np.float32 arrays of the live Keras calls (JS infers int32 for `[0, 1]`). */
const f32 = (v: Parameters<typeof convertToTensor>[0]) => convertToTensor(v, 'float32');
const i32 = (v: Parameters<typeof convertToTensor>[0]) => convertToTensor(v, 'int32');
const spec = (shape: (number | null)[], dtype = 'float32') => ({ shape, dtype });

describe('binary_crossentropy', () => {
  it("matches Keras's docstring example", () => {
    // Docstring: array([0.10536054 0.10536054 0.22314355 0.22314355]); int32 target, float32 output.
    expectClose(ops.binaryCrossentropy([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.2]), [0.10536054, 0.10536054, 0.22314355, 0.22314355], { dtype: 'float32' });
  });

  it('matches nn_test (probabilities, logits, logits beyond [0, 1])', () => {
    const target = f32([[0.1], [0.9], [0.2], [1.0]]);
    // Keras 3.6.0 JAX: ops.binary_crossentropy(f([[0.1],[0.9],[0.2],[1.0]]), f([[0.1],[0.2],[0.3],[0.4]]))
    expectClose(ops.binaryCrossentropy(target, f32([[0.1], [0.2], [0.3], [0.4]])), [[0.32508299], [1.47080839], [0.52613455], [0.9162907]]);
    // Keras 3.6.0 JAX: the same with from_logits=True
    expectClose(
      ops.binaryCrossentropy(target, f32([[0.1], [0.2], [0.3], [0.4]]), { fromLogits: true }),
      [[0.73439664], [0.61813891], [0.79435533], [0.51301527]],
    );
    // Keras 3.6.0 JAX: ops.binary_crossentropy(target, f([[0.99],[-0.2],[0.9],[-0.4]]), from_logits=True)
    expectClose(
      ops.binaryCrossentropy(target, f32([[0.99], [-0.2], [0.9], [-0.4]]), { fromLogits: true }),
      [[1.2069608], [0.77813894], [1.06115389], [0.91301525]],
    );
  });

  it('clips probabilities to [1e-7, 1 - 1e-7] in float32', () => {
    // t=1, o=0: -log(fround(1e-7)) = 16.118095; t=0, o=1: -log(1 - fround(1 - 1e-7)) = -log(2^-23)
    // = 15.942385; exact hits: -log(fround(1 - 1e-7)) = 1.1920929e-7.
    // Keras 3.6.0 JAX: ops.binary_crossentropy(f([1.,0.,1.,0.]), f([0.,1.,1.,0.]))
    const want = [16.118095, 15.942385, 1.1920929e-7, 1.1920929e-7];
    expectClose(ops.binaryCrossentropy(f32([1, 0, 1, 0]), f32([0, 1, 1, 0])), want);
    // Outside [0, 1] clips the same way. Keras 3.6.0 JAX: ops.binary_crossentropy(f([1.,0.]), f([-100.,100.]))
    expectClose(ops.binaryCrossentropy(f32([1, 0]), f32([-100, 100])), [16.118095, 15.942385]);
  });

  it('uses an unclipped log_sigmoid for logits', () => {
    // -t*log_sigmoid(z) - (1-t)*log_sigmoid(-z): t=1, z=-100 gives softplus(100) = 100 (no 16.1 cap);
    // t=0.5, z=3: 0.5*softplus(-3) + 0.5*softplus(3) = 0.5*(0.04858735 + 3.04858735) = 1.54858735.
    // Keras 3.6.0 JAX: ops.binary_crossentropy(f([1.,0.,0.5]), f([-100.,100.,3.]), from_logits=True)
    expectClose(ops.binaryCrossentropy(f32([1, 0, 0.5]), f32([-100, 100, 3]), { fromLogits: true }), [100, 100, 1.5485873]);
    // softplus(-30) = log1p(e^-30) = 9.3576e-14, kept (no 1e-7 floor); t=0.25, z=-2: 0.25*softplus(2) + 0.75*softplus(-2).
    // Keras 3.6.0 JAX: ops.binary_crossentropy(f([[1.,0.],[0.5,0.25]]), f([[30.,-30.],[0.,-2.]]), from_logits=True)
    expectClose(
      ops.call('binary_crossentropy', [f32([[1, 0], [0.5, 0.25]]), f32([[30, -30], [0, -2]])], { from_logits: true }) as Tensor,
      [[9.357623e-14, 9.357623e-14], [0.69314718, 0.62692803]],
    );
  });

  it('gives float32 for int32 and bool inputs', () => {
    // Keras 3.6.0 JAX: ops.binary_crossentropy(i([0,1,1,0]), i([0,1,1,0])) -> 1.1920929e-07 each, float32
    expectClose(ops.binaryCrossentropy(i32([0, 1, 1, 0]), i32([0, 1, 1, 0])), [1.1920929e-7, 1.1920929e-7, 1.1920929e-7, 1.1920929e-7], { dtype: 'float32' });
    // Keras 3.6.0 JAX: ops.binary_crossentropy(i([0,1,1,0]), i([0,1,1,0]), from_logits=True)
    expectClose(ops.binaryCrossentropy(i32([0, 1, 1, 0]), i32([0, 1, 1, 0]), { fromLogits: true }), [0.6931472, 0.3132617, 0.3132617, 0.6931472]);
    // Keras 3.6.0 JAX: ops.binary_crossentropy(np.array([True,False]), f([0.3,0.4]))
    expectClose(ops.binaryCrossentropy([true, false], f32([0.3, 0.4])), [1.2039728, 0.5108256], { dtype: 'float32' });
    // Keras 3.6.0 JAX: ops.binary_crossentropy(np.float32(1.0), np.float32(0.3)) -> 1.2039728, shape ()
    expectClose(ops.binaryCrossentropy(f32(1), f32(0.3)), 1.2039728);
  });

  it('requires equal shapes, without broadcasting', () => {
    const msg = 'Arguments `target` and `output` must have the same shape. Received: target.shape=(1, 2), output.shape=(2,)';
    expectKerasError(() => ops.binaryCrossentropy(f32([[0, 1]]), f32([0, 1])), KerasValueError, msg);
    expectKerasError(() => ops.outputSpec('binary_crossentropy', [spec([3, 4]), spec([3, 5])]), KerasValueError, /target.shape=\(3, 4\), output.shape=\(3, 5\)$/);
  });

  it('rejects a non-boolean from_logits and bool logits', () => {
    expectKerasError(() => ops.binaryCrossentropy([1], [0.5], { fromLogits: 'yes' }), KerasTypeError, 'Argument `from_logits` must be a boolean. Received: from_logits=yes');
    // JAX: 'neg does not accept dtype bool'.
    expectKerasError(() => ops.binaryCrossentropy([true], [true], { fromLogits: true }), KerasTypeError, /^Argument `output` must be numeric with from_logits=True/);
  });

  it('infers the output spec, unknown dims included', () => {
    // nn_test: KerasTensor([2, 3, 1]) twice -> (2, 3, 1).
    expect(ops.outputSpec('binary_crossentropy', [spec([2, 3, 1]), spec([2, 3, 1])])).to.deep.equal(spec([2, 3, 1]));
    expect(ops.outputSpec('binary_crossentropy', [spec([null, 3]), spec([null, 3], 'int32')])).to.deep.equal(spec([null, 3]));
    expect(ops.outputSpec('binary_crossentropy', [spec([2, null]), spec([null, 3])])).to.deep.equal(spec([2, 3]));
  });
});

describe('categorical_crossentropy', () => {
  const target = () => f32([[0.33008796, 0.0391289, 0.9503603], [0.80376694, 0.92363342, 0.19147756]]);
  const output = () => f32([[0.23446431, 0.35822914, 0.06683268], [0.3413979, 0.05420256, 0.81619654]]);

  it("matches Keras's docstring example", () => {
    // Docstring: array([0.10536054 0.22314355 0.6931472 ]).
    const t = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
    const o = [[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.2, 0.3, 0.5]];
    expectClose(ops.categoricalCrossentropy(t, o), [0.10536054, 0.22314355, 0.6931472], { dtype: 'float32' });
  });

  it('matches nn_test (axis -1 and 0, probabilities and logits)', () => {
    // Keras 3.6.0 JAX: ops.categorical_crossentropy(T, O, from_logits=False, axis=-1), T and O as above
    expectClose(ops.categoricalCrossentropy(target(), output(), { fromLogits: false, axis: -1 }), [2.54095316, 3.96374416]);
    // Keras 3.6.0 JAX: ops.categorical_crossentropy(T, O, from_logits=False, axis=0)
    expectClose(ops.categoricalCrossentropy(target(), output(), { axis: 0 }), [0.71683079, 1.87988162, 2.46810794]);
    // Keras 3.6.0 JAX: ops.categorical_crossentropy(T, O, from_logits=True, axis=-1)
    expectClose(ops.categoricalCrossentropy(target(), output(), { fromLogits: true }), [1.59419954, 2.498806]);
    // Keras 3.6.0 JAX: ops.categorical_crossentropy(T, f([[1.23446431, -0.35822914, 1.06683268], [0.3413979, -0.05420256, 0.81619654]]), from_logits=True)
    const logits = f32([[1.23446431, -0.35822914, 1.06683268], [0.3413979, -0.05420256, 0.81619654]]);
    expectClose(ops.categoricalCrossentropy(target(), logits, { fromLogits: true }), [1.16825902, 2.55436802]);
  });

  it('takes axis 0 with logits, a tuple of axes, None and ()', () => {
    // Keras 3.6.0 JAX: ops.categorical_crossentropy(T, O, from_logits=True, axis=0)
    expectClose(ops.call('categorical_crossentropy', [target(), output()], { from_logits: true, axis: 0 }) as Tensor, [0.76222217, 0.8128736, 1.15414274]);
    // Keras 3.6.0 JAX: ops.categorical_crossentropy(T, O, axis=None) -> 8.714689 (one joint distribution)
    expectClose(ops.categoricalCrossentropy(target(), output(), { axis: null }), 8.714689);
    // Keras 3.6.0 JAX: ops.categorical_crossentropy(T, O, axis=(-1, 0)) -> 8.714688
    expectClose(ops.categoricalCrossentropy(target(), output(), { axis: [-1, 0] }), 8.714688);
    // Keras 3.6.0 JAX: ops.categorical_crossentropy(T, O, axis=(0, 1), from_logits=True) -> 6.2904973
    expectClose(ops.categoricalCrossentropy(target(), output(), { axis: [0, 1], fromLogits: true }), 6.2904973);
    // axis=(): each element is its own distribution, o/o = 1 clips to 1 - 1e-7: t * 1.1920929e-7.
    // Keras 3.6.0 JAX: ops.categorical_crossentropy(T, O, axis=())
    expectClose(ops.categoricalCrossentropy(target(), output(), { axis: [] }), [[3.934955e-8, 4.664528e-9, 1.1329178e-7], [9.581649e-8, 1.10105681e-7, 2.2825905e-8]]);
  });

  it('drops the class axis from the middle of a rank-3 input', () => {
    // Keras 3.6.0 JAX: ops.categorical_crossentropy(f([[[1,0],[0,1]],[[0.5,0.5],[1,0]]]), f([[[0.2,0.6],[0.3,0.3]],[[1,3],[2,2]]]), axis=1)
    // e.g. [0][0]: column (0.2, 0.3) renormalised to (0.4, 0.6), target (1, 0): -log(0.4) = 0.9162907.
    const r = ops.categoricalCrossentropy(f32([[[1, 0], [0, 1]], [[0.5, 0.5], [1, 0]]]), f32([[[0.2, 0.6], [0.3, 0.3]], [[1, 3], [2, 2]]]), { axis: 1 });
    expectClose(r, [[0.9162907, 1.09861231], [0.95477128, 0.25541279]]);
  });

  it('renormalises, then clips, then logs', () => {
    // o = (-1, 2) sums to 1, so it stays (-1, 2), clips to (1e-7, 1 - 1e-7): -log(fround(1e-7)) = 16.118095.
    // Keras 3.6.0 JAX: ops.categorical_crossentropy(f([1.,0]), f([-1.,2])) -> 16.118095
    expectClose(ops.categoricalCrossentropy(f32([1, 0]), f32([-1, 2])), 16.118095);
    // An all-zero row is 0/0: NaN, as in Keras. Keras 3.6.0 JAX: ops.categorical_crossentropy(f([1.,0]), f([0.,0])) -> nan
    expectClose(ops.categoricalCrossentropy(f32([1, 0]), f32([0, 0])), NaN);
  });

  it('gives float32 for int32 and bool inputs', () => {
    // Keras 3.6.0 JAX: ops.categorical_crossentropy(np.array([1,0]), np.array([3,1]), from_logits=True) -> 0.12692805
    expectClose(ops.categoricalCrossentropy([1, 0], [3, 1], { fromLogits: true }), 0.12692805, { dtype: 'float32' });
    // Keras 3.6.0 JAX: ops.categorical_crossentropy(np.array([True,False]), np.array([True,False])) -> 1.1920929e-07
    expectClose(ops.categoricalCrossentropy([true, false], [true, false]), 1.1920929e-7, { dtype: 'float32' });
  });

  it('raises for mismatched shapes, rank 0, a bad axis and bool logits', () => {
    expectKerasError(() => ops.categoricalCrossentropy(f32([1, 0]), f32([1, 0, 0])), KerasValueError, 'Arguments `target` and `output` must have the same shape. Received: target.shape=(2,), output.shape=(3,)');
    expectKerasError(() => ops.categoricalCrossentropy(f32(1), f32(1)), KerasValueError, 'Arguments `target` and `output` must be at least rank 1. Received: target.shape=(), output.shape=()');
    expectKerasError(() => ops.categoricalCrossentropy(f32([[1, 0]]), f32([[1, 0]]), { axis: 2 }), KerasValueError, 'axis 2 is out of bounds for array of dimension 2');
    expectKerasError(() => ops.categoricalCrossentropy(f32([[1, 0]]), f32([[1, 0]]), { axis: [0, -2] }), KerasValueError, "duplicate value in 'axis': (0, -2)");
    expectKerasError(() => ops.categoricalCrossentropy(f32([[1, 0]]), f32([[1, 0]]), { axis: 1.5 }), KerasTypeError, 'Argument `axis` must be an int, a tuple of ints or None. Received: axis=1.5');
    expectKerasError(() => ops.categoricalCrossentropy([true], [true], { fromLogits: true }), KerasTypeError, /^Argument `output` must be numeric with from_logits=True/);
    expectKerasError(() => ops.categoricalCrossentropy([1], [1], { fromLogits: 1 }), KerasTypeError, 'Argument `from_logits` must be a boolean. Received: from_logits=1');
  });

  it('infers the output spec: the class axis removed', () => {
    // nn_test: KerasTensor([2, 3, 4]) twice -> (2, 3).
    expect(ops.outputSpec('categorical_crossentropy', [spec([2, 3, 4]), spec([2, 3, 4])])).to.deep.equal(spec([2, 3]));
    // Keras's symbolic spec would say (None, 3) here (it always drops the last dim); eager drops axis 1.
    expect(ops.outputSpec('categorical_crossentropy', [spec([null, 3, 4]), spec([null, 3, 4])], { axis: 1 })).to.deep.equal(spec([null, 4]));
    expect(ops.outputSpec('categorical_crossentropy', [spec([null, 3], 'int32'), spec([null, 3], 'int32')])).to.deep.equal(spec([null]));
    expectKerasError(() => ops.outputSpec('categorical_crossentropy', [spec([]), spec([])]), KerasValueError, /must be at least rank 1/);
  });
});

describe('sparse_categorical_crossentropy', () => {
  const probs = () => f32([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.2, 0.3, 0.5]]);

  // Keras 3.6.0 JAX: ops.sparse_categorical_crossentropy(np.int32(1), np.float32(0.5)) -> IndexError.
  it('a scalar target and output fail where Keras reads target.shape[-1]', () =>
    expectKerasError(() => ops.sparseCategoricalCrossentropy(1, 0.5), KerasIndexError, 'tuple index out of range'));

  it("matches Keras's docstring example", () => {
    // Docstring: array([0.10536056 0.22314355 0.6931472 ]).
    expectClose(ops.sparseCategoricalCrossentropy(i32([0, 1, 2]), probs()), [0.10536056, 0.22314355, 0.6931472], { dtype: 'float32' });
  });

  it('matches nn_test', () => {
    // Keras 3.6.0 JAX: ops.sparse_categorical_crossentropy(i([0,1,2]), f([[0.9,0.05,0.05],[0.05,0.89,0.06],[0.05,0.01,0.94]]))
    expectClose(ops.sparseCategoricalCrossentropy([0, 1, 2], [[0.9, 0.05, 0.05], [0.05, 0.89, 0.06], [0.05, 0.01, 0.94]]), [0.10536055, 0.11653383, 0.06187541]);
    // Keras 3.6.0 JAX: ops.sparse_categorical_crossentropy(i([0,1,2]), f([[8,1,1],[0,9,1],[2,3,5]]), from_logits=True)
    const logits = f32([[8, 1, 1], [0, 9, 1], [2, 3, 5]]);
    expectClose(ops.call('sparse_categorical_crossentropy', [[0, 1, 2], logits], { from_logits: true }) as Tensor, [0.001822, 0.00045873, 0.16984604]);
  });

  it('squeezes a trailing 1 off a target of the same rank', () => {
    // Keras 3.6.0 JAX: ops.sparse_categorical_crossentropy(i([[0],[1],[2]]), O) -> [0.10536055, 0.22314353, 0.6931472]
    expectClose(ops.sparseCategoricalCrossentropy([[0], [1], [2]], probs()), [0.10536055, 0.22314353, 0.6931472]);
    // A rank-0 target with a rank-1 output. Keras 3.6.0 JAX: ops.sparse_categorical_crossentropy(i(1), f([0.9,0.05,0.05])) -> 2.9957323
    expectClose(ops.sparseCategoricalCrossentropy(1, f32([0.9, 0.05, 0.05])), 2.9957323);
  });

  it('takes rank-3 outputs and axis=1', () => {
    // Keras 3.6.0 JAX: ops.sparse_categorical_crossentropy(i([[0,1],[2,0]]), f([[[0.5,0.2,0.3],[0.1,0.1,0.8]],[[0.2,0.2,0.6],[0.7,0.2,0.1]]]))
    const o3 = f32([[[0.5, 0.2, 0.3], [0.1, 0.1, 0.8]], [[0.2, 0.2, 0.6], [0.7, 0.2, 0.1]]]);
    expectClose(ops.sparseCategoricalCrossentropy([[0, 1], [2, 0]], o3), [[0.69314718, 2.30258512], [0.51082557, 0.35667497]]);
    // The target must still be output.shape[:-1]; one_hot(target, C, axis=1) puts classes on axis 1.
    // Keras 3.6.0 JAX: ops.sparse_categorical_crossentropy(i([[0,1],[1,0]]), f([[[3,1],[1,1]],[[1,2],[0.5,0.5]]]), axis=1)
    const o = f32([[[3, 1], [1, 1]], [[1, 2], [0.5, 0.5]]]);
    expectClose(ops.sparseCategoricalCrossentropy([[0, 1], [1, 0]], o, { axis: 1 }), [[0.28768209, 0.69314718], [1.09861231, 0.22314353]]);
    // Keras 3.6.0 JAX: the same with from_logits=True
    expectClose(ops.sparseCategoricalCrossentropy([[0, 1], [1, 0]], o, { axis: 1, fromLogits: true }), [[0.12692805, 0.69314718], [0.97407699, 0.20141333]]);
  });

  it('takes axis=0 and axis=-2 on a square output', () => {
    // Column j is the distribution of label j: -log(p[t_j][j] / sum_i p[i][j]); j=0: -log(0.9/1.2) = 0.2876821.
    // Keras 3.6.0 JAX: ops.sparse_categorical_crossentropy(i([0,1,2]), O, axis=0)
    expectClose(ops.sparseCategoricalCrossentropy([0, 1, 2], probs(), { axis: 0 }), [0.28768215, 0.36290556, 0.26236433]);
    // Keras 3.6.0 JAX: ops.sparse_categorical_crossentropy(i([[1],[1],[2]]), f([[1,2,3],[1,1,1],[3,3,3]]), axis=-2)
    const o = f32([[1, 2, 3], [1, 1, 1], [3, 3, 3]]);
    expectClose(ops.sparseCategoricalCrossentropy([[1], [1], [2]], o, { axis: -2 }), [1.609438, 1.7917595, 0.84729785]);
    // Keras 3.6.0 JAX: ops.sparse_categorical_crossentropy(i([1,1,2]), that output, axis=-2, from_logits=True)
    expectClose(ops.sparseCategoricalCrossentropy([1, 1, 2], o, { axis: -2, fromLogits: true }), [2.2395449, 2.407606, 0.75862366]);
  });

  it('broadcasts one_hot(target) against an output with a size-1 dim, as JAX does', () => {
    // output (3, 1), axis 0: one_hot([0, 1, 2], 3, axis=0) is (3, 3) and broadcasts with (3, 1); the
    // column (0.5, 0.2, 0.3) sums to 1, so loss_j = -log(p[t_j]).
    // Keras 3.6.0 JAX: ops.sparse_categorical_crossentropy(i([0,1,2]), f([[0.5],[0.2],[0.3]]), axis=0)
    expectClose(ops.sparseCategoricalCrossentropy([0, 1, 2], f32([[0.5], [0.2], [0.3]]), { axis: 0 }), [0.69314718, 1.60943794, 1.20397282]);
    expect(ops.outputSpec('sparse_categorical_crossentropy', [spec([3], 'int32'), spec([3, 1])], { axis: 0 })).to.deep.equal(spec([3]));
  });

  it('gives 0 for out-of-range or negative labels, truncates float labels, and reads bools as 0/1', () => {
    // JAX's one-hot row of label 3 or -1 is all zero.
    // Keras 3.6.0 JAX: ops.sparse_categorical_crossentropy(i([3,-1,2]), O) -> [-0., -0., 0.6931472]
    expectClose(ops.sparseCategoricalCrossentropy([3, -1, 2], probs()), [0, 0, 0.6931472]);
    // int32 cast truncates: 0.7 -> 0, 1.9 -> 1, -0.5 -> 0 (-log(0.2) = 1.609438).
    // Keras 3.6.0 JAX: ops.sparse_categorical_crossentropy(f([0.7,1.9,-0.5]), O)
    expectClose(ops.sparseCategoricalCrossentropy(f32([0.7, 1.9, -0.5]), probs()), [0.10536055, 0.22314353, 1.609438]);
    // NaN and 3e9 cast to INT32_MIN: no class. Keras 3.6.0 JAX: ops.sparse_categorical_crossentropy(f([np.nan, 3e9]), f([[0.9,0.1],[0.3,0.7]]))
    expectClose(ops.sparseCategoricalCrossentropy(f32([NaN, 3e9]), f32([[0.9, 0.1], [0.3, 0.7]])), [0, 0]);
    // Keras 3.6.0 JAX: ops.sparse_categorical_crossentropy(np.array([True,False,True]), O)
    expectClose(ops.sparseCategoricalCrossentropy([true, false, true], probs()), [2.9957323, 2.3025851, 1.2039728]);
  });

  it('keeps NaN and inf where JAX produces them', () => {
    // Keras 3.6.0 JAX: ops.sparse_categorical_crossentropy(i([0]), f([[0.0, 0.0]])) -> [nan] (0/0)
    expectClose(ops.sparseCategoricalCrossentropy([0], f32([[0, 0]])), [NaN]);
    // log_softmax(-inf, 1) = (-inf, 0): label 0 gives inf, label 1 gives 0 * -inf = NaN.
    // Keras 3.6.0 JAX: ops.sparse_categorical_crossentropy(i([0,1]), f([[-np.inf,1.],[0.,1.]]), from_logits=True) -> [inf, 0.31326163]
    expectClose(ops.sparseCategoricalCrossentropy([0, 1], f32([[-Infinity, 1], [0, 1]]), { fromLogits: true }), [Infinity, 0.31326163]);
    // Keras 3.6.0 JAX: ops.sparse_categorical_crossentropy(i([1]), f([[-np.inf, 1.]]), from_logits=True) -> [nan]
    expectClose(ops.sparseCategoricalCrossentropy([1], f32([[-Infinity, 1]]), { fromLogits: true }), [NaN]);
  });

  it('gives float32 for an int32 output', () => {
    // Keras 3.6.0 JAX: ops.sparse_categorical_crossentropy(i([0,1]), i([[3,1],[1,1]]), from_logits=True)
    expectClose(ops.sparseCategoricalCrossentropy([0, 1], [[3, 1], [1, 1]], { fromLogits: true }), [0.12692805, 0.69314718], { dtype: 'float32' });
  });

  it('raises what Keras raises, with the squeezed shape in eager messages', () => {
    const msg = (t: string, o: string) =>
      `Arguments \`target\` and \`output\` must have the same shape up until the last dimension: target.shape=${t}, output.shape=${o}`;
    expectKerasError(() => ops.sparseCategoricalCrossentropy([2, 1], f32([0.9, 0.05, 0.05])), KerasValueError, msg('(2,)', '(3,)'));
    expectKerasError(() => ops.sparseCategoricalCrossentropy([[0, 1], [1, 1]], f32([[0.9, 0.1], [0.3, 0.7]])), KerasValueError, msg('(2, 2)', '(2, 2)'));
    // Eager shows the squeezed target, symbolic the original (Keras 3.6.0 JAX, both forms).
    expectKerasError(() => ops.sparseCategoricalCrossentropy([[1], [1]], f32([[1, 2, 3], [1, 1, 1], [3, 3, 3]])), KerasValueError, msg('(2,)', '(3, 3)'));
    expectKerasError(() => ops.outputSpec('sparse_categorical_crossentropy', [spec([2, 1]), spec([3, 5])]), KerasValueError, msg('(2, 1)', '(3, 5)'));
    // Keras's symbolic message; eager JAX raises an IndexError before it.
    expectKerasError(() => ops.outputSpec('sparse_categorical_crossentropy', [spec([]), spec([])]), KerasValueError, 'Argument `output` must be at least rank 1. Received: output.shape=()');
    expectKerasError(() => ops.sparseCategoricalCrossentropy([1], f32(0.9)), KerasValueError, 'Argument `output` must be at least rank 1. Received: output.shape=()');
    expectKerasError(() => ops.sparseCategoricalCrossentropy([0, 1], f32([[1, 2], [3, 4]]), { axis: 2 }), KerasValueError, 'axis 2 is out of bounds for array of dimension 2');
    // JAX: TypeError "mul got incompatible shapes for broadcasting: (2, 2), (2, 3)."
    expectKerasError(
      () => ops.sparseCategoricalCrossentropy([0, 1], f32([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1]]), { axis: 0 }),
      KerasTypeError,
      'Arguments `target` and `output` do not fit axis=0: one_hot(target) has shape (2, 2), which does not broadcast with output.shape=(2, 3).',
    );
    // Keras: TypeError "tuple indices must be integers or slices, not tuple".
    expectKerasError(() => ops.sparseCategoricalCrossentropy([0], f32([[1, 2]]), { axis: [0, 1] }), KerasTypeError, 'Argument `axis` must be an integer. Received: axis=(0, 1)');
    expectKerasError(() => ops.sparseCategoricalCrossentropy([0], [[true, false]], { fromLogits: true }), KerasTypeError, /^Argument `output` must be numeric/);
  });

  it('infers the output spec, unknown dims included', () => {
    // nn_test: target (2, 3) int32, output (2, 3, 4) -> (2, 3).
    expect(ops.outputSpec('sparse_categorical_crossentropy', [spec([2, 3], 'int32'), spec([2, 3, 4])])).to.deep.equal(spec([2, 3]));
    // Keras 3.6.0 JAX symbolic: KerasTensor((None,1)), KerasTensor((None,5)) -> (None,)
    expect(ops.outputSpec('sparse_categorical_crossentropy', [spec([null, 1]), spec([null, 5])])).to.deep.equal(spec([null]));
    expect(ops.outputSpec('sparse_categorical_crossentropy', [spec([2, 3, 1]), spec([2, 3, 4], 'int32')])).to.deep.equal(spec([2, 3]));
    expectKerasError(() => ops.outputSpec('sparse_categorical_crossentropy', [spec([3]), spec([])]), KerasValueError, 'Argument `output` must be at least rank 1. Received: output.shape=()');
  });
});

describe('psnr', () => {
  it('matches nn_test', () => {
    // 20*log10(1) - 10*log10(mean of (0.01, 0, 0, 0, 0.01, 0)) = -10*log10(1/300) = 24.771213.
    // Keras 3.6.0 JAX: ops.psnr(f([[0.1,0.2,0.3],[0.4,0.5,0.6]]), f([[0.2,0.2,0.3],[0.4,0.6,0.6]]), 1.0) -> 24.77121
    const x1 = f32([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]);
    expectClose(ops.psnr(x1, f32([[0.2, 0.2, 0.3], [0.4, 0.6, 0.6]]), 1.0), 24.77121, { atol: 1e-5, dtype: 'float32' });
    // Identical inputs: mse 0, +inf (nn_test's second case).
    expectClose(ops.psnr(x1, f32([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]), 1.0), Infinity);
  });

  it('scales with max_val and follows log10 at 0 and below', () => {
    const a = f32([[0.1, 0.2], [0.3, 0.4]]);
    const b = f32([[0.1, 0.25], [0.35, 0.3]]);
    // mse = (0 + 0.0025 + 0.0025 + 0.01) / 4 = 0.00375; 20*log10(255) + 10*log10(1/0.00375) = 48.130804 + 24.259687.
    // Keras 3.6.0 JAX: ops.psnr(a, b, 255) -> 72.39049
    expectClose(ops.psnr(a, b, 255), 72.39049, { atol: 1e-5 });
    // Keras 3.6.0 JAX: ops.psnr(a, b, 0.0) -> -inf; ops.psnr(a, b, -1.0) -> nan
    expectClose(ops.call('psnr', [a, b, 0]) as Tensor, -Infinity);
    expectClose(ops.call('psnr', [a, b], { max_val: -1 }) as Tensor, NaN);
  });

  it('converts max_val to x2.dtype and computes in int32 for integer inputs', () => {
    // max_val 2.5 becomes int32 2: 20*log10(2) - 10*log10(mse = 4/4) = 6.0206.
    // Keras 3.6.0 JAX: ops.psnr(i([[1,2],[3,4]]), i([[1,2],[3,6]]), 2.5) -> 6.0205994
    expectClose(ops.psnr([[1, 2], [3, 4]], [[1, 2], [3, 6]], 2.5), 6.0205994, { dtype: 'float32' });
    // A float32 x2 keeps 2.5. Keras 3.6.0 JAX: ops.psnr(i([[1,2],[3,4]]), f([[1,2],[3,6]]), 2.5) -> 7.9588003
    expectClose(ops.psnr([[1, 2], [3, 4]], f32([[1, 2], [3, 6]]), 2.5), 7.9588003);
    // A bool x2 makes max_val True (1): 20*log10(1) = 0, and mse 0. Keras 3.6.0 JAX: ops.psnr(f([1.0,0]), np.array([True,False]), 3.0) -> inf
    expectClose(ops.psnr(f32([1, 0]), [true, false], 3.0), Infinity);
    // Keras 3.6.0 JAX: ops.psnr(np.array([True,False]), f([0.5,0]), 1.0) -> 9.030899
    expectClose(ops.psnr([true, false], f32([0.5, 0]), 1.0), 9.030899);
    // 100000^2 wraps in int32 to 1410065408; mse 705032704; -10*log10 = -88.48209.
    // Keras 3.6.0 JAX: ops.psnr(i([100000,0]), i([0,0]), 1.0) -> -88.48209
    expectClose(ops.psnr([100000, 0], [0, 0], 1.0), -88.48209, { atol: 1e-4 });
  });

  it('takes 0-D inputs', () => {
    // Keras 3.6.0 JAX: ops.psnr(f(3), f(1), 1.0) -> -6.0205994 (-10*log10(4))
    expectClose(ops.psnr(f32(3), f32(1), 1), -6.0205994);
  });

  it('raises for shapes (eager), ranks (symbolic), two bools and a bad max_val', () => {
    expectKerasError(() => ops.psnr(f32([[1, 2]]), f32([1, 2]), 1.0), KerasValueError, 'Input shapes (1, 2) and (2,) must match for PSNR calculation. ');
    expectKerasError(() => ops.psnr(f32([1, 2]), f32([1, 2, 3]), 1.0), KerasValueError, 'Input shapes (2,) and (3,) must match for PSNR calculation. ');
    expectKerasError(() => ops.outputSpec('psnr', [spec([null, 3]), spec([2])], { max_val: 1 }), KerasValueError, 'Inputs must have the same rank');
    // JAX: "sub does not accept dtype bool at position 0".
    expectKerasError(() => ops.psnr([true], [false], 1.0), KerasTypeError, /^Arguments `x1` and `x2` cannot both be bool/);
    expectKerasError(() => ops.psnr([1], [2], 'a'), KerasTypeError, 'Argument `max_val` must be a number. Received: max_val=a');
  });

  it('infers a float32 scalar, checking ranks only', () => {
    // nn_test: (None, 2, 3) and (None, 5, 6), max_val=224 -> ().
    expect(ops.outputSpec('psnr', [spec([null, 2, 3]), spec([null, 5, 6]), 224])).to.deep.equal(spec([]));
    expect(ops.outputSpec('psnr', [spec([1, 2, 3], 'int32'), spec([5, 6, 7], 'int32'), 224])).to.deep.equal(spec([]));
  });
});
