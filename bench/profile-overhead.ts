/**
 * Splits the adapter overhead measured by bench/overhead.ts into its parts, per TF.js backend:
 *   raw     the single TF.js op (tf.relu, tf.softmax, tf.conv2d, tf.maxPool), read back and disposed
 *   kernel  the adapter's kernel alone (what it composes for Keras/JAX semantics), on resolved arguments
 *   ops     keras-parity's ops.X with Tensor.data({dispose: true}) (what bench/overhead.ts measures)
 *   copy    copying the raw result's array once: what a plain Tensor.data() adds where TF.js hands out
 *           its own storage (cpu), so the caller owns what it gets while the tensor lives on
 * so kernel - raw is the cost of the semantics TF.js lacks, ops - kernel the dispatch (argument binding,
 * validation, shape inference, wrapping). The four are timed interleaved, under the benchmark's fixed
 * allocator.
 *
 *   node --import tsx bench/profile-overhead.ts [backend,...]
 */
import type * as tf from '@tensorflow/tfjs-core';
import { setBackend, type Tensor } from '../src/index.js';
import { NEWEST_KERAS } from '../src/keras-versions.js';
import { bindIdiomatic, prepare } from '../src/ops/dispatch.js';
import { OP_TABLE, type AnyOpDef } from '../src/ops/table.js';
import { runUnderPinnedAllocator } from './allocator.js';
import { rand } from './data.js';
import { OVERHEAD_CASES, oursCall } from './overhead-cases.js';
import { readAll, readRaw, timeInterleaved } from './timing.js';

runUnderPinnedAllocator();
const backends = (process.argv[2] ?? 'tfjs-cpu,tfjs-wasm,tfjs-tensorflow').split(',');

console.log(['backend', 'case', 'raw', 'kernel', 'ops', 'copy', '(median ms per call)'].join('\t'));
for (const b of backends) {
  await setBackend(b);
  for (const c of OVERHEAD_CASES) {
    const inputs = c.shapes.map((shape, i) => rand(shape, i + 1));
    const def = OP_TABLE[c.op] as AnyOpDef;
    const made: Tensor[] = [];
    const keras = NEWEST_KERAS;
    const prepared = prepare({ op: c.op, def, values: bindIdiomatic(c.op, def, [...inputs, ...c.rest], keras), keras }, made);
    const handles = inputs.map((t) => t.handleOn(prepared.adapter) as tf.Tensor);
    const kept = c.raw(handles);
    const values = await kept.data();
    const timings = await timeInterleaved(
      [
        () => readRaw(c.raw(handles)),
        () => readRaw(prepared.run() as tf.Tensor),
        () => readAll(oursCall(c, inputs)()),
        async () => void values.slice(),
      ],
      3000,
      200,
    );
    for (const t of [...made, ...inputs, kept]) t.dispose();
    console.log([b, `${c.name} ${c.label}`, ...timings.map((t) => t.medianMs.toFixed(4))].join('\t'));
  }
}
