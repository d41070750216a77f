import { expect } from 'chai';
// Keras 3.6.0's rules; spec/keras-versions-changes.spec.ts shows what later releases changed.
import { KerasTypeError, KerasValueError, UnsupportedError, ops, tensor, type Tensor } from '../../src/keras-3.6.js';
import { expectClose, expectKerasError } from '../helpers.js';

const call = (op: string, args: unknown[], kwargs: Record<string, unknown> = {}) => ops.call(op, args, kwargs) as Tensor;
const spec = (op: string, shape: (number | null)[], args: unknown[], kwargs: Record<string, unknown> = {}, dtype = 'int32') =>
  ops.outputSpec(op, [{ shape, dtype }, ...args], kwargs);

/** np.eye(n)[indices] for 1-D indices. */
const eyeRows = (n: number, indices: number[]) => indices.map((i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));

describe('one_hot', () => {
  describe("Keras's docstring example and nn_test.py's cases", () => {
    it('docstring: one_hot([1, 3, 2, 0], num_classes=4)', () =>
      expectClose(
        call('one_hot', [[1, 3, 2, 0]], { num_classes: 4 }),
        [[0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [1, 0, 0, 0]],
        { dtype: 'float32' },
      ));
    // nn_test.py test_one_hot: np.eye(4)[indices]; for [0, 1, 2, 3] axis=0 gives the same (identity).
    it('1-D, axis -1 and 0', () => {
      expectClose(ops.oneHot([0, 1, 2, 3], 4), eyeRows(4, [0, 1, 2, 3]));
      expectClose(ops.oneHot([0, 1, 2, 3], 4, { axis: 0 }), eyeRows(4, [0, 1, 2, 3]));
    });
    it('2-D, axis -1, 2 and 1 (the transposed eye)', () => {
      const want = [eyeRows(4, [0, 1]), eyeRows(4, [2, 3])];
      expectClose(ops.oneHot([[0, 1], [2, 3]], 4), want);
      expectClose(ops.oneHot([[0, 1], [2, 3]], 4, { axis: 2 }), want);
      // np.transpose(np.eye(4)[indices], (0, 2, 1))
      expectClose(ops.oneHot([[0, 1], [2, 3]], 4, { axis: 1 }), [
        [[1, 0], [0, 1], [0, 0], [0, 0]],
        [[0, 0], [0, 0], [1, 0], [0, 1]],
      ]);
    });
    it('negative indices give all-zero rows: [0, -1, -1, 3]', () =>
      expectClose(ops.oneHot([0, -1, -1, 3], 4), [[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]]));
  });

  describe('values', () => {
    // Keras 3.6.0 JAX: ops.one_hot(np.array([0, 4, 5, 3]), 4)
    it('indices >= num_classes give all-zero rows', () =>
      expectClose(ops.oneHot([0, 4, 5, 3], 4), [[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]]));
    // Keras 3.6.0 JAX: ops.one_hot(np.array([[0, 1], [2, 3]]), 4, axis=0)
    it('axis=0 on 2-D', () =>
      expectClose(ops.oneHot([[0, 1], [2, 3]], 4, { axis: 0 }), [
        [[1, 0], [0, 0]],
        [[0, 1], [0, 0]],
        [[0, 0], [1, 0]],
        [[0, 0], [0, 1]],
      ]));
    // JAX canonicalises a negative axis against rank + 1, so -2 and -3 are axis 1 and 0 here.
    // Keras 3.6.0 JAX: ops.one_hot(np.array([[0, 1], [2, 3]]), 4, axis=-2) and axis=-3
    it('eager accepts other negative axes', () => {
      expectClose(ops.oneHot([[0, 1], [2, 3]], 4, { axis: -2 }), ops.oneHot([[0, 1], [2, 3]], 4, { axis: 1 }).arraySync());
      expectClose(ops.oneHot([[0, 1], [2, 3]], 4, { axis: -3 }), ops.oneHot([[0, 1], [2, 3]], 4, { axis: 0 }).arraySync());
    });
    // JAX tests x == arange(num_classes): -0 matches 0, 1.5 and NaN match nothing, and
    // float32(3.0000001) is 3. Keras 3.6.0 JAX: ops.one_hot(np.array([0., 1.5, 2., -0., 3.0000001, nan], "float32"), 4)
    it('float indices compare by equality', () =>
      expectClose(ops.oneHot(new Float32Array([0, 1.5, 2, -0, 3.0000001, NaN]), 4), [
        [1, 0, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 1, 0],
        [1, 0, 0, 0],
        [0, 0, 0, 1],
        [0, 0, 0, 0],
      ]));
    // Keras 3.6.0 JAX: ops.one_hot(np.array(2), 4) and axis=0: shape (4,)
    it('a scalar index gives a vector, with axis -1 or 0', () => {
      expectClose(ops.oneHot(2, 4), [0, 0, 1, 0]);
      expectClose(ops.oneHot(2, 4, { axis: 0 }), [0, 0, 1, 0]);
    });
    // Keras 3.6.0 JAX: ops.one_hot(np.array([0, 1]), 0) -> shape (2, 0); an empty x gives (0, 3)
    it('num_classes=0 and empty x give empty results', () => {
      expect(ops.oneHot([0, 1], 0).shape).to.deep.equal([2, 0]);
      expect(ops.oneHot(tensor([], [0], 'int32'), 3).shape).to.deep.equal([0, 3]);
    });
    // Python's True is the int 1: Keras 3.6.0 JAX ops.one_hot(np.array([0, 1]), True) -> [[1.], [0.]]
    it('num_classes=True is 1, as in Python', () => expectClose(call('one_hot', [[0, 1], true]), [[1], [0]]));
  });

  describe('dtype and sparse', () => {
    it('dtype=None is float32; int32 and bool as asked (nn_test.py test_one_hot_dtype)', () => {
      expectClose(ops.oneHot([0, 2], 3), [[1, 0, 0], [0, 0, 1]], { dtype: 'float32' });
      expectClose(ops.oneHot([0, 2], 3, { dtype: 'int32' }), [[1, 0, 0], [0, 0, 1]], { dtype: 'int32' });
      expectClose(call('one_hot', [[0, 2], 3], { dtype: 'bool' }), [[true, false, false], [false, false, true]], { dtype: 'bool' });
      expect(ops.oneHot([0, 1, 2, 3, 4], 5, { axis: 0, dtype: 'int32' }).dtype).to.equal('int32');
    });
    it('the output dtype does not depend on the index dtype', () =>
      expectClose(ops.oneHot(new Float32Array([1, 2.5]), 3, { dtype: 'int32' }), [[0, 1, 0], [0, 0, 0]], { dtype: 'int32' }));
    it('sparse=True is unsupported (no sparse tensors)', () =>
      expectKerasError(
        () => ops.oneHot([0, 1], 2, { sparse: true }),
        UnsupportedError,
        'Unsupported argument: sparse=True. keras-parity has no sparse tensors; one_hot returns a dense tensor with sparse=False.',
      ));
    it('sparse=False is accepted explicitly', () => expectClose(call('one_hot', [[1], 2], { sparse: false }), [[0, 1]]));
  });

  describe('validation', () => {
    it('eager: axis out of [-(rank+1), rank], with numpy wording', () => {
      // Keras 3.6.0 JAX: ops.one_hot(np.array([[0, 1], [2, 3]]), 4, axis=3) and axis=-4
      expectKerasError(() => ops.oneHot([[0, 1], [2, 3]], 4, { axis: 3 }), KerasValueError, 'axis 3 is out of bounds for array of dimension 3');
      expectKerasError(() => ops.oneHot([[0, 1], [2, 3]], 4, { axis: -4 }), KerasValueError, 'axis -4 is out of bounds for array of dimension 3');
    });
    it('symbolic: axis must be -1 or in [0, rank)', () => {
      // Keras 3.6.0 JAX: ops.one_hot(KerasTensor((2, 2)), 4, axis=2), axis=-2; KerasTensor(()) with axis=0
      expectKerasError(() => spec('one_hot', [2, 2], [4], { axis: 2 }), KerasValueError, 'axis must be -1 or between [0, 2), but received 2.');
      expectKerasError(() => spec('one_hot', [2, 2], [4], { axis: -2 }), KerasValueError, 'axis must be -1 or between [0, 2), but received -2.');
      expectKerasError(() => spec('one_hot', [], [4], { axis: 0 }), KerasValueError, 'axis must be -1 or between [0, 0), but received 0.');
    });
    it('axis that is not an int', () =>
      expectKerasError(() => call('one_hot', [[0], 2], { axis: null }), KerasTypeError, 'Argument `axis` must be an integer. Received: axis=None'));
    // JAX raises TypeError ("iota shape must have every element be nonnegative", "'float' object
    // cannot be interpreted as an integer").
    it('eager: num_classes must be a non-negative int', () => {
      for (const bad of [-1, 2.5, null, 'a']) {
        expectKerasError(
          () => call('one_hot', [[0, 1], bad]),
          KerasTypeError,
          `Argument \`num_classes\` must be a non-negative integer. Received: num_classes=${bad === null ? 'None' : bad}`,
        );
      }
    });
    it("symbolic: Keras's standardize_shape messages for num_classes", () => {
      // Keras 3.6.0 JAX: ops.one_hot(KerasTensor((2,)), -1), 2.5, True, "a"; KerasTensor((None, 3)) with -2, axis=0
      expectKerasError(() => spec('one_hot', [2], [-1]), KerasValueError, "Cannot convert '(2, -1)' to a shape. Negative dimensions are not allowed.");
      expectKerasError(
        () => spec('one_hot', [null, 3], [-2], { axis: 0 }),
        KerasValueError,
        "Cannot convert '(-2, None, 3)' to a shape. Negative dimensions are not allowed.",
      );
      expectKerasError(
        () => spec('one_hot', [2], [2.5]),
        KerasValueError,
        "Cannot convert '(2, 2.5)' to a shape. Found invalid entry '2.5' of type '<class 'float'>'. ",
      );
      expectKerasError(
        () => spec('one_hot', [2], [true]),
        KerasValueError,
        "Cannot convert '(2, True)' to a shape. Found invalid entry 'True' of type '<class 'bool'>'. ",
      );
      expectKerasError(
        () => spec('one_hot', [2], ['a']),
        KerasValueError,
        "Cannot convert '(2, 'a')' to a shape. Found invalid entry 'a' of type '<class 'str'>'. ",
      );
    });
    it('num_classes of another type', () =>
      expectKerasError(
        () => call('one_hot', [[0], [2]]),
        KerasTypeError,
        'Argument `num_classes` must be a non-negative integer. Received: num_classes=(2,)',
      ));
    // JAX: "iota does not accept dtype bool".
    it('bool indices', () =>
      expectKerasError(() => ops.oneHot([true, false], 3), KerasTypeError, 'Argument `x` must have dtype int32 or float32. Received: x.dtype=bool'));
    it('bad dtype: TypeError eager (JAX), ValueError symbolic (Keras), unsupported for Keras-only dtypes', () => {
      expectKerasError(() => ops.oneHot([0], 2, { dtype: 'foo' }), KerasTypeError, 'Invalid dtype: foo (argument `dtype`).');
      // Keras 3.6.0 JAX: ops.one_hot(KerasTensor((2,)), 2, dtype="foo")
      expectKerasError(() => spec('one_hot', [2], [2], { dtype: 'foo' }), KerasValueError, 'Invalid dtype: foo');
      expectKerasError(
        () => ops.oneHot([0], 2, { dtype: 'float16' }),
        UnsupportedError,
        'Unsupported dtype: dtype=float16. keras-parity supports float32, int32, bool.',
      );
    });
    it('sparse that is not a bool', () =>
      expectKerasError(() => ops.oneHot([0], 2, { sparse: 'yes' }), KerasTypeError, 'Argument `sparse` must be a boolean. Received: sparse=yes'));
  });

  describe('output spec', () => {
    // nn_test.py NNOpsDynamicShapeTest.test_one_hot and NNOpsStaticShapeTest.test_one_hot
    it("nn_test.py's shapes", () => {
      expect(spec('one_hot', [null, 3, 1], [5])).to.deep.equal({ shape: [null, 3, 1, 5], dtype: 'float32' });
      expect(spec('one_hot', [null, 3, 1], [5, 1])).to.deep.equal({ shape: [null, 5, 3, 1], dtype: 'float32' });
      expect(spec('one_hot', [null, 3, 1], [5, 2])).to.deep.equal({ shape: [null, 3, 5, 1], dtype: 'float32' });
      expect(spec('one_hot', [2, 3, 1], [5, 1])).to.deep.equal({ shape: [2, 5, 3, 1], dtype: 'float32' });
    });
    it('dtype argument, and float indices', () => {
      expect(spec('one_hot', [null], [3], { dtype: 'int32' })).to.deep.equal({ shape: [null, 3], dtype: 'int32' });
      expect(spec('one_hot', [4], [3], { dtype: 'bool' }, 'float32')).to.deep.equal({ shape: [4, 3], dtype: 'bool' });
    });
    // Keras 3.6.0 JAX: ops.one_hot(KerasTensor((2,)), None) -> (2, None)
    it('num_classes=None symbolically is an unknown dim', () =>
      expect(spec('one_hot', [2], [null])).to.deep.equal({ shape: [2, null], dtype: 'float32' }));
    it('agrees with the eager result', () => {
      const out = ops.oneHot([[1, 2, 0]], 3, { axis: 1 });
      expect(ops.outputSpec('one_hot', [[[1, 2, 0]], 3], { axis: 1 })).to.deep.equal({ shape: out.shape, dtype: out.dtype });
    });
  });
});

describe('multi_hot', () => {
  describe("Keras's docstring example and nn_test.py's cases", () => {
    it('docstring: multi_hot([0, 4], num_classes=5)', () =>
      expectClose(call('multi_hot', [[0, 4]], { num_classes: 5 }), [1, 0, 0, 0, 1], { dtype: 'float32' }));
    it('1-D, 2-D, and negative indices ignored', () => {
      expectClose(ops.multiHot([0, 1, 2, 3], { numClasses: 4 }), [1, 1, 1, 1]);
      expectClose(ops.multiHot([[0, 1], [2, 3]], { numClasses: 4 }), [[1, 1, 0, 0], [0, 0, 1, 1]]);
      expectClose(ops.multiHot([0, -1, -1, 3], { numClasses: 4 }), [1, 0, 0, 1]);
    });
    it('the legacy keyword num_tokens', () => {
      expectClose(call('multi_hot', [[[0, 1], [2, 3]]], { num_tokens: 4 }), [[1, 1, 0, 0], [0, 0, 1, 1]]);
      expectClose(ops.multiHot([[0, 1], [2, 3]], { numTokens: 4 }), [[1, 1, 0, 0], [0, 0, 1, 1]]);
    });
  });

  describe('values', () => {
    // Keras 3.6.0 JAX: ops.multi_hot(np.array([[1, 1, 1], [0, 2, 0]]), 3) and np.array([0, 7, 3]), 4
    it('repeated indices count once; indices >= num_classes are ignored', () => {
      expectClose(ops.multiHot([[1, 1, 1], [0, 2, 0]], { numClasses: 3 }), [[0, 1, 0], [1, 0, 1]]);
      expectClose(ops.multiHot([0, 7, 3], { numClasses: 4 }), [1, 0, 0, 1]);
    });
    // Keras casts to int32 first (truncation; NaN becomes 0): 0.7 -> 0, 2.9 -> 2, -0.5 -> 0, -1.5 -> -1.
    // Keras 3.6.0 JAX: ops.multi_hot(np.array([0.7, 2.9, -0.5, -1.5], "float32"), 4) and np.array([nan, 1.], "float32")
    it('float indices are truncated to int32, NaN to 0', () => {
      expectClose(ops.multiHot(new Float32Array([0.7, 2.9, -0.5, -1.5]), { numClasses: 4 }), [1, 0, 1, 0]);
      expectClose(ops.multiHot(new Float32Array([NaN, 1]), { numClasses: 4 }), [1, 1, 0, 0]);
    });
    // Keras 3.6.0 JAX: ops.multi_hot(np.array([True, False]), 3)
    it('bool indices are 1 and 0', () => expectClose(ops.multiHot([true, false], { numClasses: 3 }), [1, 1, 0]));
    // Keras 3.6.0 JAX: x = np.arange(6).reshape(2, 3, 1) % 5, i.e. [[[0], [1], [2]], [[3], [4], [0]]]
    describe('the reduction is over dim 1 whatever axis is (shapes pinned by nn_test.py)', () => {
      const x = [[[0], [1], [2]], [[3], [4], [0]]];
      it('axis=-1: (2, 1, 5)', () =>
        expectClose(ops.multiHot(x, { numClasses: 5 }), [[[1, 1, 1, 0, 0]], [[1, 0, 0, 1, 1]]]));
      it('axis=1: the class dim is reduced away, (2, 3, 1) of ones', () =>
        expectClose(ops.multiHot(x, { numClasses: 5, axis: 1 }), [[[1], [1], [1]], [[1], [1], [1]]]));
      it('axis=2 (and -2): (2, 5, 1)', () => {
        const want = [[[1], [1], [1], [0], [0]], [[1], [0], [0], [1], [1]]];
        expectClose(ops.multiHot(x, { numClasses: 5, axis: 2 }), want);
        expectClose(call('multi_hot', [x, 5, -2]), want);
      });
      it('axis=0 (and -4): (5, 3, 1), reduced over the batch', () => {
        const want = [[[1], [0], [1]], [[0], [1], [0]], [[0], [0], [1]], [[1], [0], [0]], [[0], [1], [0]]];
        expectClose(ops.multiHot(x, { numClasses: 5, axis: 0 }), want);
        expectClose(call('multi_hot', [x, 5, -4]), want);
      });
      it('axis=3 appends, as -1 does', () =>
        expectClose(call('multi_hot', [x, 5, 3]), [[[1, 1, 1, 0, 0]], [[1, 0, 0, 1, 1]]]));
    });
    // Keras 3.6.0 JAX: ops.multi_hot(np.array([[[[1, 2], [0, 3]]]]), 4)
    it('rank 4', () =>
      expectClose(ops.multiHot([[[[1, 2], [0, 3]]]], { numClasses: 4 }), [[[[0, 1, 0, 0], [0, 0, 1, 0]], [[1, 0, 0, 0], [0, 0, 0, 1]]]]));
    // For rank 1 the reduction is over dim 0: axis=0 reduces the class dim, axis=1 the indices.
    // Keras 3.6.0 JAX: ops.multi_hot(np.array([0, 2]), 4, 0) -> [1., 1.]; axis=1 -> [1., 0., 1., 0.]
    it('rank 1 with axis 0 and 1', () => {
      expectClose(call('multi_hot', [[0, 2], 4, 0]), [1, 1]);
      expectClose(call('multi_hot', [[0, 2], 4, 1]), [1, 0, 1, 0]);
    });
    // For a scalar JAX reduces the class dim away. Keras 3.6.0 JAX: ops.multi_hot(np.array(2), 4) -> 1.0 (shape ())
    it('a scalar index gives a scalar', () => {
      expectClose(ops.multiHot(2, { numClasses: 4 }), 1);
      expectClose(ops.multiHot(7, { numClasses: 4 }), 0);
    });
    // Keras 3.6.0 JAX: ops.multi_hot(np.zeros((2, 3), "int32"), 0) -> (2, 0); np.zeros((0, 3)), 3 -> (0, 3)
    it('empty results where the reduced dim is not empty', () => {
      expect(ops.multiHot(tensor([0, 0, 0, 0, 0, 0], [2, 3], 'int32'), { numClasses: 0 }).shape).to.deep.equal([2, 0]);
      expect(ops.multiHot(tensor([], [0, 3], 'int32'), { numClasses: 3, axis: 1 }).shape).to.deep.equal([0, 3]);
    });
  });

  describe('dtype and sparse', () => {
    // Keras 3.6.0 JAX: dtype=None gives float32 (the docstring's floatx); nn_test.py test_multi_hot_dtype
    it('dtype=None is float32; int32 and bool as asked', () => {
      expectClose(ops.multiHot([[0, 1], [2, 3]], { numClasses: 4 }), [[1, 1, 0, 0], [0, 0, 1, 1]], { dtype: 'float32' });
      expectClose(ops.multiHot([[0, 1], [2, 3]], { numClasses: 4, dtype: 'int32' }), [[1, 1, 0, 0], [0, 0, 1, 1]], { dtype: 'int32' });
      expectClose(call('multi_hot', [[[0, 1], [2, 3]], 4], { dtype: 'bool' }), [[true, true, false, false], [false, false, true, true]], {
        dtype: 'bool',
      });
      expect(ops.multiHot([0, 1, 2, 3, 4], { numClasses: 5, axis: 0, dtype: 'int32' }).dtype).to.equal('int32');
    });
    it('sparse=True is unsupported (no sparse tensors)', () =>
      expectKerasError(
        () => call('multi_hot', [[0, 1], 2], { sparse: true }),
        UnsupportedError,
        'Unsupported argument: sparse=True. keras-parity has no sparse tensors; multi_hot returns a dense tensor with sparse=False.',
      ));
    it('sparse that is not a bool', () =>
      expectKerasError(
        () => ops.multiHot([0], { numClasses: 2, sparse: 1 }),
        KerasTypeError,
        'Argument `sparse` must be a boolean. Received: sparse=1',
      ));
  });

  describe('validation', () => {
    it('num_classes is required (eager and symbolic)', () => {
      expectKerasError(() => ops.multiHot([0, 1]), KerasValueError, 'Argument `num_classes` must be specified.');
      expectKerasError(() => spec('multi_hot', [2, 2], []), KerasValueError, 'Argument `num_classes` must be specified.');
    });
    it('eager: num_classes must be a non-negative int', () =>
      expectKerasError(
        () => ops.multiHot([0, 1], { numClasses: -1 }),
        KerasTypeError,
        'Argument `num_classes` must be a non-negative integer. Received: num_classes=-1',
      ));
    it("symbolic: Keras's standardize_shape messages, on the reduced shape", () => {
      // Keras 3.6.0 JAX: ops.multi_hot(KerasTensor((None, 3)), -2) and KerasTensor((3,)), 2.5
      expectKerasError(
        () => spec('multi_hot', [null, 3], [-2]),
        KerasValueError,
        "Cannot convert '(None, -2)' to a shape. Negative dimensions are not allowed.",
      );
      expectKerasError(
        () => spec('multi_hot', [3], [2.5]),
        KerasValueError,
        "Cannot convert '(2.5,)' to a shape. Found invalid entry '2.5' of type '<class 'float'>'. ",
      );
    });
    it('eager: axis out of [-(rank+1), rank]', () => {
      // Keras 3.6.0 JAX: ops.multi_hot(np.array(1), 4, -2); x of shape (2, 3, 1) with axis=4
      expectKerasError(() => call('multi_hot', [1, 4, -2]), KerasValueError, 'axis -2 is out of bounds for array of dimension 1');
      expectKerasError(
        () => call('multi_hot', [[[[0], [1], [2]], [[3], [4], [0]]], 5, 4]),
        KerasValueError,
        'axis 4 is out of bounds for array of dimension 4',
      );
    });
    it('symbolic: axis must be -1 or in [0, rank)', () => {
      // Keras 3.6.0 JAX: ops.multi_hot(KerasTensor((None, 3, 1)), 5, 3), axis=-2; KerasTensor((2,)), 4, 1
      expectKerasError(() => spec('multi_hot', [null, 3, 1], [5, 3]), KerasValueError, 'axis must be -1 or between [0, 3), but received 3.');
      expectKerasError(() => spec('multi_hot', [null, 3, 1], [5, -2]), KerasValueError, 'axis must be -1 or between [0, 3), but received -2.');
      expectKerasError(() => spec('multi_hot', [2], [4, 1]), KerasValueError, 'axis must be -1 or between [0, 1), but received 1.');
    });
    // jnp.max over an empty dim. Keras 3.6.0 JAX: ops.multi_hot(np.zeros((0,), "int32"), 3),
    // np.zeros((2, 3)), 0, axis=1, np.array(1), 0
    it('eager: an empty reduced dim has no max', () => {
      const msg = 'zero-size array to reduction operation max which has no identity';
      expectKerasError(() => ops.multiHot(tensor([], [0], 'int32'), { numClasses: 3 }), KerasValueError, msg);
      expectKerasError(() => ops.multiHot(tensor([0, 0, 0, 0, 0, 0], [2, 3], 'int32'), { numClasses: 0, axis: 1 }), KerasValueError, msg);
      expectKerasError(() => ops.multiHot(1, { numClasses: 0 }), KerasValueError, msg);
    });
    it('bad dtype', () =>
      expectKerasError(() => ops.multiHot([0], { numClasses: 2, dtype: 'foo' }), KerasTypeError, 'Invalid dtype: foo (argument `dtype`).'));
  });

  describe('output spec', () => {
    // nn_test.py NNOpsDynamicShapeTest.test_multi_hot and NNOpsStaticShapeTest.test_batched_and_unbatched_inputs_multi_hot
    it("nn_test.py's shapes: (None, 3, 1) with axis -1, 1, 2; (5,) unbatched", () => {
      expect(spec('multi_hot', [null, 3, 1], [5])).to.deep.equal({ shape: [null, 1, 5], dtype: 'float32' });
      expect(spec('multi_hot', [null, 3, 1], [5, 1])).to.deep.equal({ shape: [null, 3, 1], dtype: 'float32' });
      expect(spec('multi_hot', [null, 3, 1], [5, 2])).to.deep.equal({ shape: [null, 5, 1], dtype: 'float32' });
      expect(spec('multi_hot', [2, 3, 1], [5, 2])).to.deep.equal({ shape: [2, 5, 1], dtype: 'float32' });
      expect(spec('multi_hot', [5], [5, -1])).to.deep.equal({ shape: [5], dtype: 'float32' });
    });
    // Keras 3.6.0 JAX: ops.multi_hot(KerasTensor((None, 3, 1)), 5, 0) -> (5, 3, 1)
    it('axis=0 puts the classes first', () =>
      expect(spec('multi_hot', [null, 3, 1], [5, 0])).to.deep.equal({ shape: [5, 3, 1], dtype: 'float32' }));
    // Keras's symbolic spec reports inputs.dtype (int32 here) whatever dtype says; the eager result
    // has dtype `dtype` (float32 for None), and that is what we report.
    it('dtype is the eager dtype, not inputs.dtype', () => {
      expect(spec('multi_hot', [2, 3], [5])).to.deep.equal({ shape: [2, 5], dtype: 'float32' });
      expect(spec('multi_hot', [2, 3], [5], { dtype: 'bool' }, 'float32')).to.deep.equal({ shape: [2, 5], dtype: 'bool' });
    });
    // Keras's symbolic spec says (4,) for a scalar input; the eager result is a scalar.
    it('a scalar input gives a scalar, as eager', () =>
      expect(spec('multi_hot', [], [4])).to.deep.equal({ shape: [], dtype: 'float32' }));
    // Keras 3.6.0 JAX: ops.multi_hot(KerasTensor((2, 0)), 3) -> (2, 3): no eager-only zero-size check
    it('no zero-size check symbolically', () =>
      expect(spec('multi_hot', [2, 0], [3])).to.deep.equal({ shape: [2, 3], dtype: 'float32' }));
    it('agrees with the eager result', () => {
      const x = [[[0], [1], [2]], [[3], [4], [0]]];
      const out = call('multi_hot', [x, 5, 2], { dtype: 'int32' });
      expect(ops.outputSpec('multi_hot', [x, 5, 2], { dtype: 'int32' })).to.deep.equal({ shape: out.shape, dtype: out.dtype });
    });
  });
});

describe('encoding: several faults in one call raise the one Keras reports first', () => {
  const labels = () => tensor([1, 1, 1, 1, 1, 1], [2, 3], 'int32');

  it("one_hot follows jax.nn.one_hot: num_classes an int, the dtype, the axis, then num_classes's sign", () => {
    // Keras 3.6.0: TypeError "'str' object cannot be interpreted as an integer"
    expectKerasError(() => ops.call('one_hot', [labels(), '4'], { axis: 5 }), KerasTypeError, /num_classes/);
    // Keras 3.6.0: TypeError "data type 'foo' not understood"
    expectKerasError(() => ops.call('one_hot', [labels(), 4], { axis: 5, dtype: 'foo' }), KerasTypeError, /foo/);
    // Keras 3.6.0's text:
    expectKerasError(() => ops.call('one_hot', [labels(), -5], { axis: 5 }), KerasValueError, 'axis 5 is out of bounds for array of dimension 3');
  });

  it('multi_hot asks for num_classes before it reads the inputs (Keras 3.6.0 text)', () => {
    expectKerasError(() => ops.call('multi_hot', ['abc'], { num_classes: null }), KerasValueError, 'Argument `num_classes` must be specified.');
  });
});
