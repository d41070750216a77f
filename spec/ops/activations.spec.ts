import { expect } from 'chai';
import { KerasIndexError, KerasTypeError, KerasValueError, KerasZeroDivisionError, ops, opsFor, convertToTensor, tensor, type Tensor } from '../../src/index.js';
import { expectClose, expectKerasError } from '../helpers.js';

// Keras 3.6.0 JAX: x = np.array(SPECIAL_X, dtype="float32"); ops.<op>(x, **kwargs).tolist()
const SPECIAL_X = [-Infinity, -100.0, -20.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 20.0, 100.0, Infinity, NaN];
const SPECIAL_CASES: [string, string, Record<string, unknown>, number[]][] = [
  ['relu', 'relu', {}, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 3.0, 20.0, 100.0, Infinity, NaN]],
  ['relu6', 'relu6', {}, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 3.0, 6.0, 6.0, 6.0, NaN]],
  ['sigmoid', 'sigmoid', {}, [0.0, 0.0, 2.06115369216775e-09, 0.04742587357759476, 0.2689414322376251, 0.3775406777858734, 0.5, 0.622459352016449, 0.7310585975646973, 0.9525741338729858, 1.0, 1.0, 1.0, NaN]],
  ['softplus', 'softplus', {}, [0.0, 0.0, 2.06115369216775e-09, 0.04858735203742981, 0.3132616877555847, 0.4740769863128662, 0.6931471824645996, 0.9740769863128662, 1.3132617473602295, 3.0485873222351074, 20.0, 100.0, Infinity, NaN]],
  ['softsign', 'softsign', {}, [NaN, -0.9900990128517151, -0.9523809552192688, -0.75, -0.5, -0.3333333432674408, 0.0, 0.3333333432674408, 0.5, 0.75, 0.9523809552192688, 0.9900990128517151, NaN, NaN]],
  ['silu', 'silu', {}, [NaN, -0.0, -4.1223074731533416e-08, -0.14227762818336487, -0.2689414322376251, -0.1887703388929367, 0.0, 0.3112296760082245, 0.7310585975646973, 2.857722282409668, 20.0, 100.0, Infinity, NaN]],
  ['log_sigmoid', 'log_sigmoid', {}, [-Infinity, -100.0, -20.0, -3.0485873222351074, -1.3132617473602295, -0.9740769863128662, -0.6931471824645996, -0.4740769863128662, -0.3132616877555847, -0.04858735203742981, -2.06115369216775e-09, -0.0, -0.0, NaN]],
  ['leaky_relu', 'leaky_relu', {}, [-Infinity, -20.0, -4.0, -0.6000000238418579, -0.20000000298023224, -0.10000000149011612, 0.0, 0.5, 1.0, 3.0, 20.0, 100.0, Infinity, NaN]],
  ['hard_sigmoid', 'hard_sigmoid', {}, [0.0, 0.0, 0.0, 0.0, 0.3333333432674408, 0.4166666865348816, 0.5, 0.5833333730697632, 0.6666666865348816, 1.0, 1.0, 1.0, 1.0, NaN]],
  ['hard_silu', 'hard_silu', {}, [NaN, -0.0, -0.0, -0.0, -0.3333333432674408, -0.2083333432674408, 0.0, 0.2916666865348816, 0.6666666865348816, 3.0, 20.0, 100.0, Infinity, NaN]],
  ['elu', 'elu', {}, [-1.0, -1.0, -1.0, -0.9502129554748535, -0.6321205496788025, -0.39346933364868164, 0.0, 0.5, 1.0, 3.0, 20.0, 100.0, Infinity, NaN]],
  ['selu', 'selu', {}, [-1.7580993175506592, -1.7580993175506592, -1.7580993175506592, -1.670568823814392, -1.1113307476043701, -0.6917582154273987, 0.0, 0.5253505110740662, 1.0507010221481323, 3.1521029472351074, 21.014020919799805, 105.07009887695312, Infinity, NaN]],
  ['gelu', 'gelu', {}, [NaN, -0.0, -0.0, -0.003637343645095825, -0.15880796313285828, -0.1542859971523285, 0.0, 0.3457140028476715, 0.8411920070648193, 2.9963626861572266, 20.0, 100.0, Infinity, NaN]],
  ['gelu', 'gelu approximate=False', {approximate: false}, [NaN, -0.0, -0.0, -0.0040496960282325745, -0.15865527093410492, -0.1542687714099884, 0.0, 0.3457312285900116, 0.8413447141647339, 2.995950222015381, 20.0, 100.0, Infinity, NaN]],
  ['leaky_relu', 'leaky_relu negative_slope=-0.5', {negative_slope: -0.5}, [Infinity, 50.0, 10.0, 1.5, 0.5, 0.25, 0.0, 0.5, 1.0, 3.0, 20.0, 100.0, Infinity, NaN]],
  ['elu', 'elu alpha=2', {alpha: 2.0}, [-2.0, -2.0, -2.0, -1.900425910949707, -1.264241099357605, -0.7869386672973633, 0.0, 0.5, 1.0, 3.0, 20.0, 100.0, Infinity, NaN]],
];

const call = (op: string, args: unknown[], kwargs: Record<string, unknown> = {}) => ops.call(op, args, kwargs) as Tensor;

describe('activations', () => {
  describe("Keras's docstring examples", () => {
    it('relu', () => expectClose(ops.relu([-1.0, 0.0, 1.0, 0.2]), [0.0, 0.0, 1.0, 0.2]));
    it('relu6', () => expectClose(ops.relu6([-3.0, -2.0, 0.1, 0.2, 6.0, 8.0]), [0.0, 0.0, 0.1, 0.2, 6.0, 6.0]));
    it('sigmoid', () =>
      expectClose(ops.sigmoid([-6.0, 1.0, 0.0, 1.0, 6.0]), [0.00247262, 0.7310586, 0.5, 0.7310586, 0.9975274]));
    it('softplus', () => expectClose(ops.softplus([-0.555, 0.0, 0.555]), [0.45366603, 0.6931472, 1.008666]));
    it('softsign', () =>
      expectClose(ops.softsign([-0.1, -10.0, 1.0, 0.0, 100.0]), [-0.09090909, -0.90909094, 0.5, 0.0, 0.990099]));
    it('silu and its alias swish', () => {
      const want = [-0.0148357, 0.7310586, 0.0, 0.7310586, 5.9851646];
      expectClose(ops.silu([-6.0, 1.0, 0.0, 1.0, 6.0]), want);
      expectClose(ops.swish([-6.0, 1.0, 0.0, 1.0, 6.0]), want);
    });
    it('log_sigmoid', () =>
      expectClose(ops.logSigmoid([-0.541391, 0.0, 0.5, 5.0]), [-1.0000418, -0.6931472, -0.474077, -0.00671535]));
    it('leaky_relu (default slope 0.2)', () => expectClose(ops.leakyRelu([-1, 0, 1]), [-0.2, 0, 1]));
    // The docstring says [0.3, 0.5, 0.7] (0.2x + 0.5); every Keras backend computes relu6(x + 3) / 6 and
    // keras/src/ops/nn_test.py expects these values for [-1, 0, 1, 2, 3].
    it('hard_sigmoid (what Keras computes, not its docstring)', () =>
      expectClose(ops.hardSigmoid([-1, 0, 1, 2, 3]), [0.33333334, 0.5, 0.6666667, 0.8333333, 1.0]));
    it('hard_silu and its alias hard_swish', () => {
      const want = [-0.0, -0.3333333, 0.0, 0.6666667, 3.0];
      expectClose(ops.hardSilu([-3.0, -1.0, 0.0, 1.0, 3.0]), want);
      expectClose(ops.hardSwish([-3.0, -1.0, 0.0, 1.0, 3.0]), want);
    });
    it('elu', () => expectClose(ops.elu([-1, 0, 1]), [-0.63212055, 0, 1]));
    it('selu', () => expectClose(ops.selu([-1, 0, 1]), [-1.11133055, 0, 1.05070098]));
    // The docstring shows the exact (erf) values, but approximate=True is the default; nn_test.py
    // expects the tanh approximation's values.
    it('gelu (default approximate=True, not its docstring)', () =>
      expectClose(ops.gelu([-1, 0, 1]), [-0.15880801, 0, 0.84119199]));
    it('gelu approximate=False gives the docstring values', () =>
      expectClose(ops.gelu([-1, 0, 1], { approximate: false }), [-0.15865525, 0, 0.84134475]));
    it('softmax', () => expectClose(ops.softmax([-1, 0, 1]), [0.09003057, 0.24472847, 0.66524096]));
    it('log_softmax', () => expectClose(ops.logSoftmax([-1, 0, 1]), [-2.40760596, -1.40760596, -0.40760596]));
  });

  describe('special values (±inf, NaN, huge magnitudes), from Keras 3.6.0 JAX', () => {
    for (const [op, label, kwargs, want] of SPECIAL_CASES) {
      it(label, () => expectClose(call(op, [new Float32Array(SPECIAL_X)], kwargs), want, { dtype: 'float32' }));
    }
  });

  describe('softmax and log_softmax axes', () => {
    const y = [[1, 2, 3], [-1e9, 0, 1e9]];
    // Keras 3.6.0 JAX: y = np.array([[1., 2., 3.], [-1e9, 0., 1e9]], 'float32')
    it('axis=-1 with -1e9 / 1e9 magnitudes', () =>
      expectClose(ops.softmax(y), [[0.09003056585788727, 0.2447284609079361, 0.6652408838272095], [0, 0, 1]]));
    it('axis=0', () => expectClose(ops.softmax(y, { axis: 0 }), [[1, 0.8807970285415649, 0], [0, 0.11920291930437088, 1]]));
    it('axis=None reduces over every element', () =>
      expectClose(call('softmax', [y], { axis: null }), [[0, 0, 0], [0, 0, 1]]));
    it('log_softmax keeps huge magnitudes', () =>
      expectClose(ops.logSoftmax(y), [[-2.4076061248779297, -1.4076060056686401, -0.4076060354709625], [-2e9, -1e9, 0]]));
    it('a row with inf or NaN, or all -inf, is NaN', () => {
      const z = [[-Infinity, -Infinity], [Infinity, 1], [NaN, 1]];
      expectClose(ops.softmax(z), [[NaN, NaN], [NaN, NaN], [NaN, NaN]]);
      expectClose(ops.logSoftmax(z), [[NaN, NaN], [NaN, NaN], [NaN, NaN]]);
    });

    // Keras 3.6.0 JAX: x3 = (np.arange(24, dtype='float32').reshape(2, 3, 4) - 12) / 5
    const x3 = Array.from({ length: 2 }, (_, i) =>
      Array.from({ length: 3 }, (_, j) => Array.from({ length: 4 }, (_, k) => (i * 12 + j * 4 + k - 12) / 5)),
    );
    it('a tuple of axes is a joint softmax: ops.softmax(x3, axis=(0, 2))', () => {
      const got = ops.softmax(x3, { axis: [0, 2] });
      const want = [0.015025745145976543, 0.018352484330534935, 0.022415781393647194, 0.027378689497709274, 0.01502574235200882, 0.018352486193180084, 0.022415777668356895, 0.027378685772418976, 0.015025745145976543, 0.018352484330534935, 0.022415773943066597, 0.027378689497709274, 0.16563142836093903, 0.2023026943206787, 0.247093066573143, 0.3018001616001129, 0.16563142836093903, 0.20230266451835632, 0.247093066573143, 0.3018001317977905, 0.16563142836093903, 0.20230267941951752, 0.247093066573143, 0.3018001616001129];
      expectClose(convertToTensor(got.dataSync() as Float32Array), want);
    });
    it('log_softmax over axis=(1, 2)', () => {
      const got = ops.logSoftmax(x3, { axis: [1, 2] });
      const want = [-3.8126721382141113, -3.6126718521118164, -3.4126720428466797, -3.2126717567443848, -3.012671947479248, -2.8126718997955322, -2.6126718521118164, -2.4126720428466797, -2.212671995162964, -2.012671947479248, -1.8126720190048218, -1.612671971321106, -3.812671661376953, -3.6126718521118164, -3.4126718044281006, -3.2126717567443848, -3.012671947479248, -2.812671661376953, -2.6126718521118164, -2.4126718044281006, -2.2126717567443848, -2.012671947479248, -1.8126717805862427, -1.6126717329025269];
      expectClose(convertToTensor(got.dataSync() as Float32Array), want);
    });
    // Keras builds the transpose permutation from the tuple without normalising it:
    // ops.softmax(np.zeros((2, 3)), axis=(-1,)) raises this TypeError from jnp.transpose.
    it('a tuple with a negative axis fails as in Keras', () =>
      expectKerasError(
        () => ops.softmax([[0, 0, 0], [0, 0, 0]], { axis: [-1] }),
        KerasTypeError,
        "transpose permutation isn't a permutation of operand dimensions, got permutation (0, 1, 1) for operand shape (2, 3).",
      ));
    // Keras 3.6.0 JAX: log_softmax(x, axis=3) on (2, 3, 4) -> ValueError from jax; softmax reads x.shape[axis]
    // for its size-1 warning first -> IndexError('tuple index out of range'), also for a 0-D x.
    // Keras 3.15 checks the axis first (spec/keras-versions-changes.spec.ts).
    it('an out-of-range axis: numpy\'s AxisError for log_softmax, an IndexError for softmax in Keras 3.6', () => {
      expectKerasError(() => ops.logSoftmax([[0, 0]], { axis: 2 }), KerasValueError, 'axis 2 is out of bounds for array of dimension 2');
      expectKerasError(() => opsFor('3.6.0').softmax([[0, 0]], { axis: -3 }), KerasIndexError, 'tuple index out of range');
      expectKerasError(() => opsFor('3.6.0').softmax(1.5), KerasIndexError, 'tuple index out of range');
      // ops.softmax(x, axis=(0, 3)) on (2, 3, 4) -> ValueError('axis 3 is out of bounds for array of dimension 3').
      expectKerasError(() => ops.softmax([[[0]]], { axis: [0, 3] }), KerasValueError, 'axis 3 is out of bounds for array of dimension 3');
    });
    // Keras 3.6.0 JAX, x = np.zeros(shape, "float32"): a tuple axis reshapes x to (*kept dims, -1), which JAX
    // cannot infer when a kept dim is 0: softmax / log_softmax raise ZeroDivisionError('integer modulo by
    // zero') for (0, 3) with axis=(1,) or axis=(), and return for (2, 0) with (1,), (0, 3) with (0,) or (0, 1).
    it('a tuple of axes that keeps a zero-size dim raises ZeroDivisionError, as the reshape in Keras-JAX does', () => {
      const empty = (shape: number[]) => tensor([], shape, 'float32');
      for (const fn of [ops.softmax, ops.logSoftmax]) {
        for (const axis of [[1], []]) expectKerasError(() => fn(empty([0, 3]), { axis }), KerasZeroDivisionError, 'integer modulo by zero');
        for (const [shape, axis] of [[[2, 0], [1]], [[0, 3], [0]], [[0, 3], [0, 1]]]) expect((fn(empty(shape), { axis }) as Tensor).shape).to.deep.equal(shape);
      }
      // Symbolic Keras does not reshape: the spec is the input's.
      expect(ops.outputSpec('softmax', [{ shape: [0, 3], dtype: 'float32' }], { axis: [1] })).to.deep.equal({ shape: [0, 3], dtype: 'float32' });
    });
  });

  describe('parameters and dtypes', () => {
    it('leaky_relu and elu take their keyword through both forms', () => {
      expectClose(call('leaky_relu', [[-2, 3]], { negative_slope: 0.5 }), [-1, 3]);
      expectClose(ops.elu([-1], { alpha: 2 }), [-1.264241099357605]);
    });
    // Keras 3.6.0 JAX: x = np.array([-np.inf, -1, 2], 'float32'); ops.leaky_relu(x, 1e-142) -> [nan, -0, 2],
    // ops.elu(x, alpha=1e-142) -> [-0, -0, 2]: the Python float becomes a float32 0 first.
    it('rounds the slope and alpha to float32 as JAX does', () => {
      const x = new Float32Array([-Infinity, -1, 2]);
      expectClose(call('leaky_relu', [x], { negative_slope: 1e-142 }), [NaN, -0, 2]);
      expectClose(call('elu', [x], { alpha: 1e-142 }), [-0, -0, 2]);
    });
    it('rejects a non-numeric slope and a non-boolean approximate', () => {
      expectKerasError(() => ops.leakyRelu([1], { negativeSlope: 'a' }), KerasTypeError,
        'Argument `negative_slope` must be a number. Received: negative_slope=a');
      expectKerasError(() => ops.gelu([1], { approximate: 1 }), KerasTypeError,
        'Argument `approximate` must be a boolean. Received: approximate=1');
    });
    // Keras 3.6.0 JAX: ops.relu(np.array([-2, 0, 3], 'int32')) -> int32; ops.relu6 of the same -> float32;
    // ops.relu(np.array([True, False])) -> int32 [1, 0].
    it('relu keeps int32, turns bool into int32; the others give float32', () => {
      expectClose(ops.relu([-2, 0, 3]), [0, 0, 3], { dtype: 'int32' });
      expectClose(ops.relu(convertToTensor([true, false])), [1, 0], { dtype: 'int32' });
      expectClose(ops.relu6([-2, 0, 3]), [0, 0, 3], { dtype: 'float32' });
      expectClose(ops.softplus([-2, 0, 3]), [0.126928, 0.6931472, 3.0485873], { dtype: 'float32' });
      expectClose(ops.softmax([-2, 0, 3]), [0.00637746, 0.04712342, 0.94649917], { dtype: 'float32' });
    });
    // Keras 3.6.0 JAX: ops.softmax(np.array([True])) -> TypeError('sub does not accept dtype bool ...').
    it('rejects bool where JAX does: sigmoid, silu, log_sigmoid, softmax, log_softmax', () => {
      const b = convertToTensor([true, false]);
      expectKerasError(() => ops.sigmoid(b), KerasTypeError, /^logistic does not accept dtype bool/);
      expectKerasError(() => ops.swish(b), KerasTypeError, /^logistic does not accept dtype bool/);
      expectKerasError(() => ops.logSigmoid(b), KerasTypeError, /^neg does not accept dtype bool/);
      expectKerasError(() => ops.softmax(b), KerasTypeError, /^sub does not accept dtype bool at position 0/);
      expectKerasError(() => ops.logSoftmax(b), KerasTypeError, /^sub does not accept dtype bool at position 0/);
      expectClose(ops.softplus(b), [1.3132616875182228, 0.6931471805599453], { dtype: 'float32' });
    });
    it('sigmoid of an int array is computed in float32 (JavaScript has no int literal)', () =>
      expectClose(ops.sigmoid([0, 1]), [0.5, 0.7310586], { dtype: 'float32' }));
    it('keeps the input shape, including 0-D', () => {
      expect(ops.selu(2).shape).to.deep.equal([]);
      expect(ops.gelu([[[1]], [[2]]]).shape).to.deep.equal([2, 1, 1]);
    });
  });

  describe('outputSpec', () => {
    it('passes null dims through', () => {
      expect(ops.outputSpec('relu', [{ shape: [null, 3], dtype: 'float32' }])).to.deep.equal({ shape: [null, 3], dtype: 'float32' });
      expect(ops.outputSpec('softmax', [{ shape: [2, null, 4], dtype: 'float32' }], { axis: [0, 2] })).to.deep.equal({
        shape: [2, null, 4],
        dtype: 'float32',
      });
      expect(ops.outputSpec('log_softmax', [{ shape: [null], dtype: 'int32' }])).to.deep.equal({ shape: [null], dtype: 'float32' });
    });
  });
});
