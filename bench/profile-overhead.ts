/**
 * Splits the adapter overhead measured by bench/run.ts into its parts, per TF.js backend:
 *   raw     the single TF.js op (tf.relu, tf.softmax, tf.conv2d, tf.maxPool), read back
 *   kernel  the adapter's kernel alone (what it composes for Keras/JAX semantics), on resolved arguments
 *   ops     keras-parity's ops.X with Tensor.data() (what bench/run.ts measures)
 *   copy    copying the raw result's array once: what Tensor.data() adds where TF.js hands out its own
 *           storage (cpu), so the caller owns what it gets
 * so kernel - raw is the cost of the semantics TF.js lacks, ops - kernel the dispatch (argument binding,
 * validation, shape inference, wrapping) and the copy. The four are timed interleaved, under the
 * benchmark's fixed allocator.
 *
 *   node --import tsx bench/profile-overhead.ts [backend,...]
 */
import * as tf from '@tensorflow/tfjs-core';
import { ops, setBackend, tensor, type Tensor } from '../src/index.js';
import { bindKeras, prepare } from '../src/ops/dispatch.js';
import { OP_TABLE, type AnyOpDef, type OpName } from '../src/ops/table.js';
import { runUnderPinnedAllocator } from './allocator.js';
import { filled, sizeOf } from './data.js';
import { readAll, timeInterleaved } from './timing.js';

runUnderPinnedAllocator();
const backends = (process.argv[2] ?? 'tfjs-cpu,tfjs-wasm,tfjs-tensorflow').split(',');

/** One case: its Keras call (op, args after the input, kwargs) and the raw TF.js op it compares with. */
interface Case {
  name: string;
  shape: number[];
  op: OpName;
  args: (x: Tensor) => unknown[];
  kwargs?: Record<string, unknown>;
  raw: (h: tf.Tensor) => tf.Tensor;
}

const CASES: Case[] = [];
for (const n of [1024, 1048576]) {
  CASES.push({ name: `relu ${n}`, shape: [n], op: 'relu', args: (x) => [x], raw: (h) => tf.relu(h) });
}
for (const rows of [1, 1024]) {
  CASES.push({ name: `softmax ${rows}x1024`, shape: [rows, 1024], op: 'softmax', args: (x) => [x], raw: (h) => tf.softmax(h) });
}
for (const s of [[1, 16, 16, 4], [1, 128, 128, 64]]) {
  CASES.push({
    name: `maxPool ${s.join('x')}`, shape: s, op: 'max_pool', args: (x) => [x, 2], kwargs: { strides: 2 },
    raw: (h) => tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid'),
  });
}
for (const [xs, c] of [[[1, 8, 8, 16], 16], [[1, 128, 128, 64], 64]] as Array<[number[], number]>) {
  const k = tensor(filled(9 * xs[3] * c, 2), [3, 3, xs[3], c]);
  CASES.push({
    name: `conv2d ${xs.join('x')} same`, shape: xs, op: 'conv', args: (x) => [x, k], kwargs: { padding: 'same' },
    raw: (h) => tf.conv2d(h as tf.Tensor4D, k.handleOn(currentTfjs()) as tf.Tensor4D, 1, 'same'),
  });
}

let adapter: ReturnType<typeof prepare>['adapter'];
const currentTfjs = () => adapter;

console.log(['backend', 'case', 'raw', 'kernel', 'ops', 'copy', '(median ms per call)'].join('\t'));
for (const b of backends) {
  await setBackend(b);
  for (const c of CASES) {
    const x = tensor(filled(sizeOf(c.shape), 1), c.shape);
    const def = OP_TABLE[c.op] as AnyOpDef;
    const made: Tensor[] = [];
    const prepared = prepare(c.op, def, bindKeras(c.op, def, c.args(x), c.kwargs ?? {}), made);
    adapter = prepared.adapter;
    const h = x.handleOn(adapter) as tf.Tensor;
    const kept = c.raw(h);
    const values = await kept.data();
    const timings = await timeInterleaved(
      [
        () => readAll(c.raw(h)),
        () => readAll(prepared.run() as tf.Tensor),
        () => readAll(ops.call(c.op, c.args(x), c.kwargs ?? {}) as Tensor),
        async () => void values.slice(),
      ],
      3000,
      200,
    );
    for (const t of [...made, x, kept]) t.dispose();
    console.log([b, c.name, ...timings.map((t) => t.medianMs.toFixed(4))].join('\t'));
  }
}
