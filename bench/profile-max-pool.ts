/**
 * Why max_pool's overhead over raw TF.js is TF.js's. TF.js's max pools drop NaN, so Keras's answer
 * needs at least one more pass over the input: the kernel proves the input finite first (allFinite,
 * adapters/tfjs/host-reads.ts), the cheapest such pass per backend. Per Node TF.js backend, on
 * 1x128x128x64, pool 2, stride 2, timed interleaved under the benchmark's fixed allocator:
 *   raw           tf.maxPool, read back and disposed
 *   check         allFinite alone
 *   check, new    allFinite on an input it has not seen (made by x + 0, whose time is subtracted): a
 *                 check that leant on a per-tensor cache would show here (a matMul with x as its
 *                 weights did: XNNPACK packs and caches them per tensor on wasm)
 *   raw + check   the floor of any NaN-keeping pool built on TF.js's
 *   kernel        the adapter's max_pool kernel on resolved arguments
 *   ops           ops.maxPool with Tensor.data({dispose: true}) (what bench/overhead.ts measures)
 *
 *   node --import tsx bench/profile-max-pool.ts [backend,...]
 */
import * as tf from '@tensorflow/tfjs-core';
import { allFinite } from '../adapters/tfjs/host-reads.js';
import { ops, setBackend } from '../src/index.js';
import { NEWEST_KERAS } from '../src/keras-versions.js';
import { bindIdiomatic, prepare } from '../src/ops/dispatch.js';
import { OP_TABLE, type AnyOpDef } from '../src/ops/table.js';
import { runUnderPinnedAllocator } from './allocator.js';
import { img, rand } from './data.js';
import { readAll, readRaw, timeInterleaved } from './timing.js';

runUnderPinnedAllocator();
const backends = (process.argv[2] ?? 'tfjs-cpu,tfjs-wasm,tfjs-tensorflow').split(',');
const def = OP_TABLE.max_pool as AnyOpDef;

console.log(['backend', 'raw', 'check', 'check, new', 'raw + check', 'kernel', 'ops', '(median ms per call; ratio to raw)'].join('\t'));
for (const b of backends) {
  await setBackend(b);
  const x = rand(img(1, 128, 128, 64), 1);
  const keras = NEWEST_KERAS;
  const prepared = prepare({ op: 'max_pool', def, values: bindIdiomatic('max_pool', def, [x, 2, { strides: 2 }], keras), keras }, []);
  const h = x.handleOn(prepared.adapter) as tf.Tensor4D;
  const check = async () => void tf.tidy(() => allFinite(h));
  const fresh = (probe: boolean) => async () =>
    tf.tidy(() => {
      const y = tf.add(h, 0);
      if (probe) allFinite(y);
    });
  const timings = await timeInterleaved(
    [
      () => readRaw(tf.maxPool(h, 2, 2, 'valid')),
      check,
      fresh(true),
      fresh(false),
      async () => {
        await check();
        await readRaw(tf.maxPool(h, 2, 2, 'valid'));
      },
      () => readRaw(prepared.run() as tf.Tensor),
      () => readAll(ops.maxPool(x, 2, { strides: 2 })),
    ],
    4000,
    300,
  );
  x.dispose();
  const ms = timings.map((t) => t.medianMs);
  const [raw, , withNew, newAlone] = ms;
  const cells = [ms[0], ms[1], withNew - newAlone, ...ms.slice(4)];
  console.log([b, ...cells.map((t) => `${t.toFixed(3)} (${(t / raw).toFixed(2)}x)`)].join('\t'));
}
