/**
 * Splits the adapter overhead measured by bench/run.ts into its parts, per TF.js backend:
 *   raw        the single TF.js op (tf.relu, tf.softmax, tf.conv2d, tf.maxPool), read back
 *   composed   the TF.js ops the adapter's kernel composes for Keras/JAX semantics (NaN propagation,
 *              softmax over any axes), written out here with plain TF.js calls inside tf.tidy
 *   ops-nocopy keras-parity's ops.X, read back through the tf.Tensor (no Tensor.data() copy)
 *   ops        keras-parity's ops.X with Tensor.data() (what bench/run.ts measures)
 * so composed - raw is the cost of the semantics, ops-nocopy - composed the dispatch (argument binding,
 * validation, shape inference, wrapping), ops - ops-nocopy the host copy in Tensor.data().
 *
 *   node --import tsx bench/profile-overhead.ts [backend,...]
 */
import * as tf from '@tensorflow/tfjs-core';
import { ops, setBackend, tensor, type Tensor } from '../src/index.js';
import { currentAdapter } from '../src/backend/registry.js';
import { filled, median } from './data.js';

const backends = (process.argv[2] ?? 'tfjs-cpu,tfjs-wasm,tfjs-tensorflow').split(',');


async function time(fn: () => Promise<void>): Promise<number> {
  await fn();
  await fn();
  const t0 = performance.now();
  await fn();
  const calls = Math.max(1, Math.ceil(5 / Math.max(performance.now() - t0, 1e-3)));
  const samples: number[] = [];
  for (let r = 0; r < 9; r++) {
    const t = performance.now();
    for (let c = 0; c < calls; c++) await fn();
    samples.push((performance.now() - t) / calls);
  }
  return median(samples);
}

const viaHandle = async (y: Tensor) => {
  await (y.handleOn(currentAdapter()) as tf.Tensor).data();
  y.dispose();
};
const viaCopy = async (y: Tensor) => {
  await y.data();
  y.dispose();
};
const readRaw = async (y: tf.Tensor) => {
  await y.data();
  y.dispose();
};

type Case = [string, number[], (h: tf.Tensor) => tf.Tensor, (h: tf.Tensor) => tf.Tensor, (x: Tensor) => Tensor];
const CASES: Case[] = [];
for (const n of [1024, 1048576]) {
  CASES.push([
    `relu ${n}`, [n],
    (h) => tf.relu(h),
    (h) => tf.tidy(() => tf.where(tf.less(h, 0), tf.zerosLike(h), h)),
    (x) => ops.relu(x),
  ]);
}
for (const rows of [1, 1024]) {
  CASES.push([
    `softmax ${rows}x1024`, [rows, 1024],
    (h) => tf.softmax(h),
    (h) => tf.tidy(() => {
      const e = tf.exp(tf.sub(h, tf.max(h, [1], true)));
      return tf.div(e, tf.sum(e, [1], true));
    }),
    (x) => ops.softmax(x),
  ]);
}
for (const s of [[1, 16, 16, 4], [1, 128, 128, 64]]) {
  const pool = (v: tf.Tensor) => tf.maxPool(tf.pad(v, [[0, 0], [0, 0], [0, 0], [0, 0]], -Infinity) as tf.Tensor4D, 2, 2, 'valid');
  CASES.push([
    `maxPool ${s.join('x')}`, s,
    (h) => tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid'),
    (h) => tf.tidy(() => {
      const native = pool(h);
      const above = pool(tf.cast(tf.greater(h, -Infinity), 'float32'));
      const pooled = tf.where(tf.equal(above, 0), tf.fill(native.shape, -Infinity), native);
      const nan = pool(tf.cast(tf.isNaN(h), 'float32'));
      return tf.where(tf.greater(nan, 0), tf.fill(pooled.shape, NaN), pooled);
    }),
    (x) => ops.maxPool(x, 2, { strides: 2 }),
  ]);
}

for (const [xs, c] of [[[1, 8, 8, 16], 16], [[1, 128, 128, 64], 64]] as Array<[number[], number]>) {
  // The kernel is made per call here from a cached Float32Array (a fresh tf.Tensor each time would be
  // timed too), so raw and composed take it from a closure made on first use.
  let k: tf.Tensor4D | undefined;
  let kt: Tensor | undefined;
  const kernel = () => (k ??= tf.tensor4d(filled(9 * xs[3] * c, 2), [3, 3, xs[3], c]));
  CASES.push([
    `conv2d ${xs.join('x')} same`, xs,
    (h) => tf.conv2d(h as tf.Tensor4D, kernel(), 1, 'same'),
    // 'same' as lax pads it (explicit zero pads, odd cell at the end), then a 'valid' conv.
    (h) => tf.tidy(() => tf.conv2d(tf.pad(h, [[0, 0], [1, 1], [1, 1], [0, 0]]) as tf.Tensor4D, kernel(), 1, 'valid')),
    (x) => ops.conv(x, (kt ??= tensor(filled(9 * xs[3] * c, 2), [3, 3, xs[3], c])), { padding: 'same' }),
  ]);
}

console.log(['backend', 'case', 'raw', 'composed', 'ops-nocopy', 'ops', '(ms per call)'].join('\t'));
for (const b of backends) {
  await setBackend(b);
  for (const [name, shape, raw, composed, ours] of CASES) {
    const x = tensor(filled(shape.reduce((a, c) => a * c, 1), 1), shape);
    const h = x.handleOn(currentAdapter()) as tf.Tensor;
    const r = await time(() => readRaw(raw(h)));
    const c = await time(() => readRaw(composed(h)));
    const n = await time(() => viaHandle(ours(x)));
    const o = await time(() => viaCopy(ours(x)));
    x.dispose();
    console.log([b, name, r, c, n, o].map((v) => (typeof v === 'number' ? v.toFixed(4) : v)).join('\t'));
  }
}
