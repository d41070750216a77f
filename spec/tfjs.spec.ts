/**
 * The TF.js adapter beyond conformance: no tensor leaks on any golden case, tensors that keep working
 * across backend switches in every order, and no silent fallback when a TF.js backend cannot start.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { createTfjsAdapter } from '../adapters/tfjs/index.js';
import {
  BackendUnavailableError,
  convertToTensor,
  listBackends,
  ops,
  registerBackend,
  setBackend,
  tensor,
  Tensor,
  type Adapter,
} from '../src/index.js';
import { currentAdapter } from '../src/backend/registry.js';
import { loadGolden, runCase } from '../src/golden/index.js';
import { directorySource, goldenSetDirs } from '../src/golden/node.js';
import { expectClose } from './helpers.js';

const TFJS = (await listBackends()).filter((b) => b.name.startsWith('tfjs-') && b.available).map((b) => b.name);
// Every Keras version's cases, each replayed with its version's ops.
const golden = { ops: goldenSetDirs(fileURLToPath(new URL('../golden/', import.meta.url))).flatMap((s) => loadGolden(directorySource(s.dir)).ops) };

describe('TF.js adapter', () => {
  after(() => setBackend('reference'));

  for (const backend of TFJS) {
    it(`releases every intermediate on every golden case [${backend}]`, async function () {
      this.timeout(120_000);
      await setBackend(backend);
      const leaks: string[] = [];
      for (const op of golden.ops) {
        for (const c of op.cases) {
          const before = tf.memory().numTensors;
          await runCase(c, backend, []);
          const after = tf.memory().numTensors;
          if (after !== before) leaks.push(`${c.keras}/${c.id}: ${after - before} tensors`);
        }
      }
      expect(leaks, leaks.slice(0, 10).join('\n')).to.deep.equal([]);
    });
  }

  const all = ['reference', ...TFJS];
  for (const from of all) {
    for (const to of all.filter((b) => b !== from)) {
      it(`keeps tensors made on ${from} working on ${to} and back`, async () => {
        await setBackend(from);
        const x = convertToTensor([[[-1], [0.5], [2], [-3]]], 'float32');
        const k = convertToTensor([[[1]], [[2]]], 'float32');
        await setBackend(to);
        // relu gives [0, 0.5, 2, 0]; a 'valid' conv of width 2 with kernel [1, 2] gives
        // out[i] = r[i] + 2 r[i+1] = [1, 4.5, 2].
        const y: Tensor = ops.relu(x);
        expectClose(y, [[[0], [0.5], [2], [0]]]);
        expectClose(ops.conv(ops.call('relu', [x]) as Tensor, k), [[[1], [4.5], [2]]]);
        await setBackend(from);
        // softmax over the length axis of [0, 0.5, 2, 0]: exp(v) / (2 + e^0.5 + e^2).
        const z = 2 + Math.exp(0.5) + Math.exp(2);
        expectClose(ops.softmax(y, { axis: 1 }), [[[1 / z], [Math.exp(0.5) / z], [Math.exp(2) / z], [1 / z]]]);
        for (const t of [x, k, y]) t.dispose();
      });
    }
  }

  // libtensorflow's Conv3D with one input channel misplaces rows when a dim holding a single window has
  // a stride > 1. Keras 3.6.0 JAX: x = (np.arange(45) % 7).reshape(1, 3, 3, 5, 1).astype("float32");
  // ops.average_pool(x, (1, 1, 5), strides=(4, 1, 2)) -> [2, 2.8, 3.6].
  for (const backend of TFJS) {
    it(`average_pool 3-D with one window on a strided dim [${backend}]`, async () => {
      await setBackend(backend);
      const x = tensor(Float32Array.from({ length: 45 }, (_, i) => i % 7), [1, 3, 3, 5, 1], 'float32');
      const y = ops.call('average_pool', [x, [1, 1, 5]], { strides: [4, 1, 2] }) as Tensor;
      expectClose(y, [[[[[2]], [[2.8]], [[3.6]]]]]);
      for (const t of [x, y]) t.dispose();
    });
  }

  // Keras 3.6.0 JAX: ops.average_pool(np.array([1, nan, -inf, 2], "float32").reshape(1, 4, 1), 1, strides=1)
  // -> [1, nan, -inf, 2]; wasm's 1x1 depthwise conv made the NaN -inf.
  for (const backend of TFJS) {
    it(`average_pool with a one-cell window keeps NaN [${backend}]`, async () => {
      await setBackend(backend);
      const x = tensor(new Float32Array([1, NaN, -Infinity, 2]), [1, 4, 1], 'float32');
      const y = ops.call('average_pool', [x, 1], { strides: 1 }) as Tensor;
      expectClose(y, [[[1], [NaN], [-Infinity], [2]]]);
      for (const t of [x, y]) t.dispose();
    });
  }

  // max_pool skips its NaN / -inf correction when the input is all finite, decided on the host for
  // small inputs and on the device above 2^14 elements (by a sum; on wasm by an average pool over 4
  // lanes at 130^2, 16 at 136^2), so every size meets NaN, +inf and an all -inf window together, a
  // lone NaN, a lone -inf window, and finite values whose sum overflows. Expected: lax.max's window
  // max, where NaN wins (as in the golden cases), written out here for pool 2, stride 2, 'valid'.
  const windowMax = (x: Float32Array, n: number) =>
    Array.from({ length: n / 2 }, (_, i) =>
      Array.from({ length: n / 2 }, (_, j) => {
        const cells = [0, 1].flatMap((a) => [0, 1].map((b) => x[(2 * i + a) * n + 2 * j + b]));
        return [cells.some(Number.isNaN) ? NaN : Math.max(...cells)];
      }),
    );
  for (const backend of TFJS) {
    for (const n of [16, 130, 136]) {
      it(`max_pool finds NaN and infinities in ${n}x${n} values [${backend}]`, async () => {
        await setBackend(backend);
        const values = Float32Array.from({ length: n * n }, (_, i) => (i % 13) - 6);
        values[0] = NaN;
        values[5 * n + 4] = Infinity;
        for (const k of [6 * n + 6, 6 * n + 7, 7 * n + 6, 7 * n + 7]) values[k] = -Infinity;
        const huge = new Float32Array(n * n).fill(3e38);
        const oneNaN = values.map((v, i) => (i === 0 ? v : Number.isFinite(v) ? v : 1));
        const minusInfWindow = values.map((v, i) => (i === 0 || i === 5 * n + 4 ? 1 : v));
        for (const v of [values, huge, oneNaN, minusInfWindow]) {
          const x = tensor(v, [1, n, n, 1], 'float32');
          const y = ops.maxPool(x, 2, { strides: 2 });
          expectClose(y, [windowMax(v, n)], { atol: 0, rtol: 0 });
          for (const t of [x, y]) t.dispose();
        }
      });
    }
  }

  // On wasm, XNNPACK's depthwise conv and 1x1 conv turn NaN into -inf; a NaN mask corrects that unless
  // a check finds the input all finite (on the host up to 2^14 values, on the device above), so both
  // sizes run with and without NaN and infinities. Expected, as lax computes it: a 1x1 kernel of 2
  // doubles every value exactly (NaN and +-inf stay), per channel for depthwise.
  for (const backend of TFJS) {
    for (const n of [16, 136]) {
      it(`depthwise_conv and a 1x1 conv keep NaN in ${n}x${n} values [${backend}]`, async () => {
        await setBackend(backend);
        const finite = Float32Array.from({ length: 2 * n * n }, (_, i) => (i % 7) - 3);
        const special = finite.map((v, i) => (i === 5 || i === n * n - 1 ? NaN : i === n + 3 ? Infinity : i === 2 * n ? -Infinity : v));
        const doubled = (v: Float32Array, c: number) =>
          [Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => Array.from({ length: c }, (_, k) => 2 * v[(i * n + j) * c + k])))];
        for (const v of [finite, special]) {
          const x2 = tensor(v, [1, n, n, 2], 'float32');
          const x1 = tensor(v.slice(0, n * n), [1, n, n, 1], 'float32');
          const [k2, k1] = [tensor(new Float32Array([2, 2]), [1, 1, 2, 1], 'float32'), tensor(new Float32Array([2]), [1, 1, 1, 1], 'float32')];
          const [dw, pw] = [ops.depthwiseConv(x2, k2), ops.conv(x1, k1)];
          expectClose(dw, doubled(v, 2), { atol: 0, rtol: 0 });
          expectClose(pw, doubled(v, 1), { atol: 0, rtol: 0 });
          for (const t of [x2, x1, k2, k1, dw, pw]) t.dispose();
        }
      });
    }
  }

  // Keras 3.6.0 JAX, with no label slots (target of shape (1, 0)): the loss is the path of blanks alone,
  // -sum over the valid frames of log softmax(x_t)[0]; -0 for no frame, and for the two frames
  // [0.5, 1, -1], [2, 0, 1]: -(0.5 - log(e^0.5 + e + e^-1)) - (2 - log(e^2 + 1 + e)) = 1.4625628.
  // (Found by keras-parity fuzz on tensorflow, whose Select rejected the empty broadcast.)
  for (const backend of TFJS) {
    it(`ctc_loss with no label slots [${backend}]`, async () => {
      await setBackend(backend);
      const target = tensor(new Int32Array(0), [1, 0], 'int32');
      const zero = tensor(new Int32Array([0]), [1], 'int32');
      const frames = (values: number[], n: number) => tensor(new Float32Array(values), [1, n, values.length / n], 'float32');
      const none = ops.ctcLoss(target, frames([0], 1), zero, zero);
      expectClose(none, [0], { atol: 0, rtol: 0 });
      const two = ops.ctcLoss(target, frames([0.5, 1, -1, 2, 0, 1], 2), zero, tensor(new Int32Array([2]), [1], 'int32'));
      expectClose(two, [1.4625628]);
      for (const t of [target, zero, none, two]) t.dispose();
    });
  }

  // Keras 3.6.0 JAX: ops.log_softmax(np.array([1000000063, 1000000001], "int32")) -> [0, -62]: x - max in
  // int32, then float32 (converting first rounds both to 1e9 + 64 and 1e9: -64).
  for (const backend of TFJS) {
    it(`log_softmax of int32 subtracts the max before converting [${backend}]`, async () => {
      await setBackend(backend);
      const x = tensor(new Int32Array([1000000063, 1000000001]), [2], 'int32');
      const y = ops.logSoftmax(x) as Tensor;
      expectClose(y, [0, -62], { dtype: 'float32', atol: 0, rtol: 0 });
      for (const t of [x, y]) t.dispose();
    });
  }

  // Keras 3.6.0 JAX: z = np.zeros((0, 3, 2, 4), "float32"); ops.dot_product_attention(z, z, z) has shape
  // (0, 3, 2, 4); wasm's matMul trapped ("divide by zero") on the empty batch.
  for (const backend of TFJS) {
    it(`dot_product_attention of an empty batch [${backend}]`, async () => {
      await setBackend(backend);
      const z = tensor(new Float32Array(0), [0, 3, 2, 4], 'float32');
      const y = ops.dotProductAttention(z, z, z);
      expect([y.shape, y.dtype, (await y.data()).length]).to.deep.equal([[0, 3, 2, 4], 'float32', 0]);
      for (const t of [z, y]) t.dispose();
    });
  }

  // Keras 3.6.0 JAX: ops.moments(np.zeros((0, 2, 5), "float32"), 1, keepdims=True) -> two (0, 1, 5) arrays.
  for (const backend of TFJS) {
    it(`moments of an empty x over a non-empty axis [${backend}]`, async () => {
      await setBackend(backend);
      const x = tensor(new Float32Array(0), [0, 2, 5], 'float32');
      const outs = ops.call('moments', [x, 1], { keepdims: true }) as Tensor[];
      expect(outs.map((t) => t.shape)).to.deep.equal([[0, 1, 5], [0, 1, 5]]);
      for (const t of [x, ...outs]) t.dispose();
    });
  }

  // A read that disposes may hand TF.js's storage over; the caller must still own what it gets, so
  // storage another tensor shares (a reshape shares its source's) is copied, and a plain read is too.
  for (const backend of TFJS) {
    it(`data({dispose: true}) disposes, and leaves shared storage unshared [${backend}]`, async () => {
      await setBackend(backend);
      const before = tf.memory().numTensors;
      const adapter = currentAdapter() as Adapter<tf.Tensor>;
      const source = adapter.fromData(new Float32Array([1, 2, 3, 4]), [4], 'float32');
      const view = new Tensor(adapter, tf.reshape(source, [2, 2]));
      const got = await view.data({ dispose: true });
      got[0] = 9;
      expect(view.isDisposed).to.equal(true);
      expect(Array.from(source.dataSync())).to.deep.equal([1, 2, 3, 4]);
      const y = ops.relu(convertToTensor([-1, 2], 'float32'));
      expect(y.dataSync({ dispose: true })).to.deep.equal(new Float32Array([0, 2]));
      expect(y.isDisposed).to.equal(true);
      source.dispose();
      expect(tf.memory().numTensors).to.equal(before + 1); // the relu's input, still alive
    });
  }

  it('hands tfjs-cpu storage over on a read that disposes, and copies it otherwise', async function () {
    if (!TFJS.includes('tfjs-cpu')) this.skip();
    await setBackend('tfjs-cpu');
    const y = ops.relu(convertToTensor([-1, 2], 'float32'));
    const storage = tf.findBackend('cpu').readSync((y.handleOn(currentAdapter()) as tf.Tensor).dataId);
    expect(await y.data()).to.not.equal(storage);
    expect(await y.data({ dispose: true })).to.equal(storage);
  });

  it('raises instead of falling back when a TF.js backend cannot start', async () => {
    registerBackend('tfjs-missing', () => createTfjsAdapter('webgpu', 'none'));
    let caught: unknown;
    await setBackend('tfjs-missing').catch((e: unknown) => (caught = e));
    expect(caught).to.be.instanceOf(BackendUnavailableError);
    expect((caught as Error).message).to.match(/^Backend tfjs-missing is unavailable: TF\.js could not start its webgpu backend/);
  });
});
