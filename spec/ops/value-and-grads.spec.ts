/**
 * valueAndGrads over compositions of keras-parity ops, on the reference and every Node TF.js backend,
 * against jax.vjp of the same composition of Keras ops on JAX; on TF.js each call, its value and
 * gradients disposed, must leave tf.memory().numTensors as it was.
 *
 * The expected gradients come from KERAS_BACKEND=jax .venv/keras-3.15.1/bin/python (Keras 3.15.1, JAX
 * 0.10.2), and for the Keras 3.6.0 rows from .venv/keras-3.6.0 (JAX 0.4.34), with
 *   from keras import ops as K
 *   def vjp(f, xs, dy):
 *       return jax.vjp(f, *[jnp.asarray(x, "float32") for x in xs])[1](jnp.asarray(dy, "float32"))
 * each row's line beside it. Float32 values, atol = rtol = 1e-6 (KERAS_TOL).
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { referenceAdapter } from '../../adapters/reference/index.js';
import { currentAdapter } from '../../src/backend/registry.js';
import { isClose } from '../../src/golden/compare.js';
import {
  DisposedTensorError, KerasTypeError, KerasValueError, listBackends, registerBackend, setBackend, tensor,
  UnsupportedError, valueAndGrads, type Adapter, type Tensor,
} from '../../src/index.js';
import { opsFor } from '../../src/ops/api.js';
import { expectKerasError, KERAS_TOL } from '../helpers.js';

const ops = opsFor('3.15.1');
const ops36 = opsFor('3.6.0');
const TFJS = (await listBackends()).filter((b) => b.name.startsWith('tfjs-') && b.available).map((b) => b.name);

type F = (...xs: Tensor[]) => Tensor;
/** Values and shape of a float32 tensor. */
type Input = [number[], number[]];

const onTfjs = () => currentAdapter().name.startsWith('tfjs-');
const tensorsNow = () => (onTfjs() ? tf.memory().numTensors : 0);

/** f(...xs) called plainly, read back; on TF.js inside tf.tidy, which releases what it made. */
function forward(f: F, xs: Tensor[]): number[] {
  const read = () => Array.from(f(...xs).dataSync());
  return onTfjs() ? tf.tidy(read) : read();
}

/** valueAndGrads(f) at `xs` with `dy` (ones if left out), read back; nothing else may stay on TF.js. */
function run(f: F, xs: Input[], dy?: Input): number[][] {
  const inputs = xs.map(([v, shape]) => tensor(Float32Array.from(v), shape, 'float32'));
  const cotangent = dy && tensor(Float32Array.from(dy[0]), dy[1], 'float32');
  const want = forward(f, inputs);
  const before = tensorsNow();
  const { value, grads } = valueAndGrads(f)(inputs, cotangent);
  expect(Array.from(value.dataSync()), 'the value is f(...xs)').to.deep.equal(want);
  grads.forEach((g, i) => expect([g.shape, g.dtype], `grads[${i}]`).to.deep.equal([inputs[i].shape, 'float32']));
  const got = grads.map((g) => Array.from(g.dataSync()));
  for (const t of [value, ...grads]) t.dispose();
  expect(tensorsNow() - before, 'tensors left by the call').to.equal(0);
  for (const t of [...inputs, ...(cotangent ? [cotangent] : [])]) t.dispose();
  return got;
}

function expectClose(got: number[], want: number[]) {
  expect(got.length).to.equal(want.length);
  const bad = want.flatMap((w, i) => (isClose(got[i], w, KERAS_TOL) ? [] : [`[${i}] ${got[i]} for ${w}`]));
  expect(bad, bad.join('; ')).to.deep.equal([]);
}

/**
 * Stand-in backward rules on any adapter, for ops no rule of this change's adapters covers: on the host in
 * float64, rounded once (JAX's float32 steps differ by a few ulp of values below 4, inside KERAS_TOL).
 * Summing a tensor's cotangents needs an op of two tensors that both reach the value, and a zero
 * cotangent an op of two outputs: jax.vjp of Keras's binary_crossentropy(from_logits=True),
 * -t * log_sigmoid(o) - (1 - t) * log_sigmoid(-o), and of moments over axis 0 of a matrix (jnp.mean, jnp.var).
 */
function withStandInRules<H>(adapter: Adapter<H>): Adapter<H> {
  const read = (h: H) => adapter.readSync(h, false);
  const logSigmoid = (u: number) => -(Math.log1p(Math.exp(-Math.abs(u))) + Math.max(-u, 0));
  const sigmoid = (u: number) => 1 / (1 + Math.exp(-u));
  const partials: Record<string, (t: number, o: number) => number> = {
    target: (_t, o) => logSigmoid(-o) - logSigmoid(o),
    output: (t, o) => (1 - t) * sigmoid(o) - t * sigmoid(-o),
  };
  const crossentropy = (inputs: Record<'target' | 'output', H>, attrs: { fromLogits: boolean }, _out: unknown, ct: H, wrt: string[]) => {
    if (!attrs.fromLogits) throw new Error('the stand-in rule takes from_logits=True only');
    const [t, o, g] = [inputs.target, inputs.output, ct].map(read);
    const grad = (d: (t: number, o: number) => number) =>
      adapter.fromData(Float32Array.from(g, (gi, i) => gi * d(t[i], o[i])), adapter.shapeOf(inputs.output), 'float32');
    return Object.fromEntries(wrt.map((name) => [name, grad(partials[name])]));
  };
  const moments = (inputs: { x: H }, attrs: { axes: number[]; keepdims: boolean }, _out: unknown, cts: H[]) => {
    const [n, m] = adapter.shapeOf(inputs.x);
    if (String(attrs.axes) !== '0' || attrs.keepdims || m === undefined) throw new Error('the stand-in rule takes axes=[0] of a matrix only');
    const [x, dMean, dVariance] = [inputs.x, ...cts].map(read);
    const mean = Array.from({ length: m }, (_, j) => Array.from({ length: n }, (_, i) => x[i * m + j]).reduce((a, b) => a + b) / n);
    const dx = Float32Array.from(x, (v, k) => (dMean[k % m] + 2 * dVariance[k % m] * (v - mean[k % m])) / n);
    return { x: adapter.fromData(dx, [n, m], 'float32') };
  };
  const vjps = { ...adapter.vjps, binary_crossentropy: crossentropy as never, moments: moments as never };
  return { ...adapter, name: `${adapter.name}+stand-ins`, vjps };
}

/** The adapter without its backward rule of `op`, as a backend that lacks it. */
function without<H>(adapter: Adapter<H>, op: string): Adapter<H> {
  const vjps = Object.fromEntries(Object.entries(adapter.vjps ?? {}).filter(([name]) => name !== op));
  return { ...adapter, name: `${adapter.name}-without-${op}`, vjps };
}

/** Makes `adapter`, derived from the active one, the active backend for the tests of the block. */
function onDerived(derive: (a: Adapter<unknown>) => Adapter<unknown>) {
  let base = '';
  before(async () => {
    base = currentAdapter().name;
    const derived = derive(currentAdapter());
    registerBackend(derived.name, async () => derived);
    await setBackend(derived.name);
  });
  after(() => setBackend(base));
}

const xA: Input = [[-1.5, 0.5, 2, 0, 3, -0.25, 1, 0.75], [2, 4]];
const dyA: Input = [[1, -2, 0.5, 3, -1, 0.25, 2, -0.5], [2, 4]];
// vjp(lambda x: K.softmax(K.relu(x)), [xA], dyA), in 3.15.1 and 3.6.0 alike
const gradA = [0, -0.3582459, 0.068036586, 0, -0.3127927, 0, 0.2722741, 0.007867794];

const xB: Input = [[-2, 1.5, 0.5, -0.75, 3, 0.25], [3, 2]];
const dyB: Input = [[0.5, -1, 2, 1.5, -0.25, 0.75], [3, 2]];
// vjp(lambda x: K.log_softmax(K.silu(x), axis=0), [xB], dyB)
const gradB = [-0.037170496, -1.8712767, 1.3638151, 0.20716661, -2.4509847, 0.29993546];
const gradB36 = [-0.0371705, -1.8712766, 1.3638151, 0.2071666, -2.4509847, 0.2999355];

const xG: Input = [[-1, 0.5, 2, 0.25, -3, 1.5], [2, 3]];
const dyG: Input = [[1, -0.5, 2, 0.75, 1.5, -1], [2, 3]];
const cH = [[0, 1, 0.25], [1, 0.5, 0]];
// vjp(lambda x: K.binary_crossentropy(K.sigmoid(x), x, from_logits=True), [xG], dyG)
const gradG = [0.19661194, 0.058750935, -0.4199744, -0.04615017, 0.20329493, 0.22371967];
// vjp(lambda x: K.binary_crossentropy(jnp.asarray(cH, "float32"), K.gelu(x), from_logits=True), [xG], dyG)
const gradH = [-0.038195092, 0.17972864, 1.3596816, -0.24127963, 1.5800648e-5, -0.90455484];

describe('valueAndGrads', () => {
  after(() => setBackend('reference'));

  for (const backend of ['reference', ...TFJS]) {
    describe(backend, () => {
      before(() => setBackend(backend));

      it('softmax(relu(x)), idiomatic', () => {
        expectClose(run((x) => ops.softmax(ops.relu(x)), [xA], dyA)[0], gradA);
      });

      it("log_softmax(silu(x), axis=0), Keras-literal through ops.call", () => {
        const f = (x: Tensor) => ops.call('log_softmax', [ops.call('silu', [x])], { axis: 0 }) as Tensor;
        expectClose(run(f, [xB], dyB)[0], gradB);
      });

      it("Keras 3.6.0's ops, both forms", () => {
        expectClose(run((x) => ops36.softmax(ops36.call('relu', [x]) as Tensor), [xA], dyA)[0], gradA);
        expectClose(run((x) => ops36.logSoftmax(ops36.silu(x), { axis: 0 }), [xB], dyB)[0], gradB36);
      });

      it('sigmoid(tanh_shrink(x)), the two forms mixed', () => {
        const f = (x: Tensor) => ops.sigmoid(ops.call('tanh_shrink', [x]) as Tensor);
        // vjp(lambda x: K.sigmoid(K.tanh_shrink(x)), [[-3, -0.5, 0, 1.25, 4]], [1.5, -0.5, 2, 0.75, -1.25])
        const want = [0.15534997, -0.026684463, 0, 0.12962203, -0.056360867];
        expectClose(run(f, [[[-3, -0.5, 0, 1.25, 4], [5]]], [[1.5, -0.5, 2, 0.75, -1.25], [5]])[0], want);
      });

      it("gelu(sigmoid(x)) of a scalar, dy left out: jax.grad's", () => {
        // jax.grad(lambda x: K.gelu(K.sigmoid(x)))(jnp.float32(0.7))
        expectClose(run((x) => ops.gelu(ops.sigmoid(x)), [[[0.7], []]])[0], [0.21306424]);
      });

      it('glu(softplus(x), axis=0), dy left out: ones', () => {
        const x: Input = [[-1, 0.5, 2, 0.25, -2, 1, 1.5, 0, -0.5, -0.75, 3, 0.125], [4, 3]];
        // vjp(lambda x: K.glu(K.softplus(x), axis=0), [x], np.ones((2, 3)))
        const want = [
          0.22744891, 0.4149729, 0.54287773, 0.33479252, 0.113805585, 0.4977282, 0.033417396, 0.10823077, 0.18988031,
          0.06382659, 0.0052266675, 0.15159197,
        ];
        expectClose(run((v) => ops.glu(ops.softplus(v), { axis: 0 }), [x])[0], want);
      });

      it('an x whose calls do not reach the value gets zeros', () => {
        const f = (a: Tensor, b: Tensor) => {
          ops.relu(b);
          return ops.elu(a);
        };
        // vjp(f, [[-1, 0.5, 2], [0.3, -0.2, 1]], [2, -1, 0.5]) with def f(a, b): K.relu(b); return K.elu(a)
        const [da, db] = run(f, [[[-1, 0.5, 2], [3]], [[0.3, -0.2, 1], [3]]], [[2, -1, 0.5], [3]]);
        expectClose(da, [0.7357589, -1, 0.5]);
        expect(db).to.deep.equal([0, 0, 0]);
      });

      it('an x that reaches the value only through one_hot gets zeros', () => {
        const dy: Input = [[1, 2, 3, -1, 0.5, 0.25, 2, -2, 1], [3, 3]];
        // vjp(lambda x: K.softmax(K.one_hot(x, 3)), [[2, 0, 1]], dy): zeros
        expect(run((x) => ops.softmax(ops.oneHot(x, 3)), [[[2, 0, 1], [3]]], dy)[0]).to.deep.equal([0, 0, 0]);
      });

      it('f = x => x: the value is x and its gradient dy, as in TF.js', () => {
        const x = tensor([1, 2], [2], 'float32');
        const dy = tensor([3, 4], [2], 'float32');
        const { value, grads } = valueAndGrads((v) => v)([x], dy);
        expect(value).to.equal(x);
        expect(grads[0]).to.equal(dy);
        x.dispose();
        dy.dispose();
      });

      describe('with stand-in backward rules of binary_crossentropy and moments', () => {
        onDerived(withStandInRules);

        it("a tensor used twice sums its cotangents with the backend's add", () => {
          const f = (x: Tensor) => ops.binaryCrossentropy(ops.sigmoid(x), x, { fromLogits: true });
          expectClose(run(f, [xG], dyG)[0], gradG);
        });

        it('a plain value and a tensor outside xs are constants, released as before', () => {
          expectClose(run((x) => ops.binaryCrossentropy(cH, ops.gelu(x), { fromLogits: true }), [xG], dyG)[0], gradH);
          const c = tensor(cH, [2, 3], 'float32');
          expectClose(run((x) => ops.binaryCrossentropy(c, ops.gelu(x), { fromLogits: true }), [xG], dyG)[0], gradH);
          expect(c.arraySync()).to.deep.equal(cH);
          c.dispose();
        });

        it("an output that does not reach the value passes a zero cotangent to its call's rule", () => {
          const dy: Input = [[1, -0.5, 2], [3]];
          // vjp(lambda x: K.moments(K.sigmoid(x), [0])[0], [xG], [1, -0.5, 2]), and [1] for the variance
          const mean = [0.09830597, -0.058750927, 0.10499363, 0.123067036, -0.011294165, 0.14914647];
          const variance = [-0.02882676, -0.033783752, 0.0066379686, 0.036087573, 0.006494523, -0.009429426];
          expectClose(run((x) => ops.moments(ops.sigmoid(x), [0])[0], [xG], dy)[0], mean);
          expectClose(run((x) => ops.moments(ops.sigmoid(x), [0])[1], [xG], dy)[0], variance);
        });
      });

      describe('on a backend without the backward rule of softmax', () => {
        onDerived((a) => without(a, 'softmax'));

        it('raises UnsupportedError at the call, before the rest of f, and releases the tape', () => {
          const x = tensor([1, -2, 3], [3], 'float32');
          const before = tensorsNow();
          let rest = false;
          const f = (v: Tensor) => {
            const y = ops.softmax(ops.relu(v));
            rest = true;
            return y;
          };
          expectKerasError(() => valueAndGrads(f)([x]), UnsupportedError, /^softmax has no backward rule on the .*-without-softmax backend yet\.$/);
          expect(rest, 'the rest of f ran').to.equal(false);
          expect(tensorsNow()).to.equal(before);
          x.dispose();
        });

        it('takes softmax of a constant inside f: nothing asks for its gradient', () => {
          const f = (x: Tensor) => {
            ops.softmax([0.5, 1, 2]);
            return ops.relu(x);
          };
          expect(run(f, [[[1, -2, 3], [3]]])[0]).to.deep.equal([1, 0, 1]);
        });
      });

      it('an error inside f discards the tape, and the next call records afresh', () => {
        const x = tensor([1, -2, 3], [3], 'float32');
        const before = tensorsNow();
        const f = (v: Tensor) => {
          ops.relu(ops.sigmoid(v));
          throw new RangeError('inside f');
        };
        expect(() => valueAndGrads(f)([x])).to.throw(RangeError, 'inside f');
        expect(tensorsNow()).to.equal(before);
        const { value, grads } = valueAndGrads((v) => ops.relu(v))([x]);
        expect(grads[0].arraySync()).to.deep.equal([1, 0, 1]);
        for (const t of [value, ...grads, x]) t.dispose();
      });

      it('a tensor its ops read, disposed inside f, raises DisposedTensorError and nothing stays', () => {
        const x = tensor([1, -2, 3], [3], 'float32');
        const before = tensorsNow();
        const f = (v: Tensor) => {
          const a = ops.relu(v);
          const y = ops.softmax(a);
          a.dispose();
          return y;
        };
        expectKerasError(() => valueAndGrads(f)([x]), DisposedTensorError, /^valueAndGrads: the x of softmax was disposed inside f/);
        expect(tensorsNow()).to.equal(before);
        x.dispose();
      });
    });
  }

  describe('refuses', () => {
    const x = tensor([1, -2], [2], 'float32');

    it('an integer x, as jax.grad does', () => {
      expectKerasError(
        () => valueAndGrads((v) => ops.relu(v))([x, tensor([1, 2], [2], 'int32')]),
        KerasTypeError,
        'valueAndGrads requires real-valued inputs (input dtype that is a sub-dtype of np.inexact), as jax.grad does, but xs[1] has dtype int32.',
      );
    });

    it('an x that is not a Tensor, and the same tensor twice', () => {
      const values = [[1, 2]] as never;
      expectKerasError(() => valueAndGrads((v) => v)(values), KerasTypeError, /^valueAndGrads follows Tensors, not values: xs\[0\] must be a Tensor/);
      expectKerasError(() => valueAndGrads((v) => v)([x, x]), KerasValueError, /^valueAndGrads: xs\[0\] and xs\[1\] are the same tensor/);
    });

    it('a value that is not one float32 Tensor', () => {
      expectKerasError(() => valueAndGrads((v) => [ops.relu(v)] as never)([x]), KerasTypeError, /^valueAndGrads: f must return one Tensor/);
      expectKerasError(
        () => valueAndGrads((v) => ops.oneHot(v, 3, { dtype: 'int32' }))([x]),
        KerasTypeError,
        'valueAndGrads requires real-valued outputs (output dtype that is a sub-dtype of np.floating), as jax.grad does, but f returned int32.',
      );
    });

    it("a dy of another shape than the value's", () => {
      expectKerasError(
        () => valueAndGrads((v) => ops.relu(v))([x], tensor([1, 2, 3], [3], 'float32')),
        KerasValueError,
        "valueAndGrads: dy has shape (3,) and dtype float32, but f's value has shape (2,) and dtype float32.",
      );
    });

    it('valueAndGrads, ops.vjp and a pullback inside f: no gradients of gradients', () => {
      const [, pullback] = ops.vjp('relu', [x]);
      const inside: [string, F][] = [
        ['valueAndGrads', (v) => valueAndGrads((w) => ops.relu(w))([v]).value],
        ['ops.vjp', (v) => ops.vjp('relu', [v])[0] as Tensor],
        ['A pullback', (v) => pullback(v).x],
      ];
      for (const [what, f] of inside) {
        const refusal = new RegExp(`^${what} cannot run inside the function valueAndGrads differentiates`);
        expectKerasError(() => valueAndGrads(f)([x]), UnsupportedError, refusal);
      }
      pullback.dispose();
    });

    it('a sum of cotangents on a backend without add', async () => {
      const bare: Adapter<unknown> = { ...withStandInRules(referenceAdapter as Adapter<unknown>), name: 'reference-without-add', add: undefined };
      registerBackend(bare.name, async () => bare);
      await setBackend(bare.name);
      try {
        const f = (v: Tensor) => ops.binaryCrossentropy(ops.sigmoid(v), v, { fromLogits: true });
        expectKerasError(() => valueAndGrads(f)([x]), UnsupportedError, /^The reference-without-add backend has no add/);
      } finally {
        await setBackend('reference');
      }
    });
  });
});
