/**
 * Where an op's time goes on TF.js, at the bench's judged (medium) size: its median time per call, read
 * back (as bench/run.ts times it), then every TF.js kernel the adapter runs for it, by name, with its
 * count and time per call from the backend's own timer (tf.profile), so the kernel that dominates shows.
 * "floor" is one kernel (tf.neg) on the op's first input, read back: the pass and the read any op pays;
 * "rest" is the time outside the kernels (dispatch, host work, the read).
 *
 *   node --import tsx bench/profile-composed.ts OP[,OP...] [backend,...]
 */
import * as tf from '@tensorflow/tfjs-core';
import { KERAS_JAX_TARGET } from '../src/benchfile/model.js';
import { currentAdapter } from '../src/backend/registry.js';
import { setBackend, type Tensor } from '../src/index.js';
import { runUnderPinnedAllocator } from './allocator.js';
import { CASES } from './cases.js';
import { median } from './data.js';
import { readAll, readRaw, timeInterleaved } from './timing.js';

runUnderPinnedAllocator();
const wanted = (process.argv[2] ?? '').split(',').filter(Boolean);
const backends = (process.argv[3] ?? 'tfjs-cpu,tfjs-wasm,tfjs-tensorflow').split(',');
const unknown = wanted.filter((op) => !CASES.some((c) => c.op === op));
if (!wanted.length || unknown.length) {
  console.error(`usage: profile-composed.ts OP[,OP...] [backend,...]; ops: ${CASES.map((c) => c.op).join(', ')}`);
  process.exit(2);
}
const PROFILED_CALLS = 15;

/** Per kernel name: how many run per call, and their median summed time per call. */
async function kernels(call: () => Tensor | Tensor[]): Promise<Array<{ name: string; count: number; ms: number }>> {
  const runs = new Map<string, { count: number; ms: number[] }>();
  for (let r = 0; r < PROFILED_CALLS; r++) {
    let out: Tensor | Tensor[] = [];
    const info = await tf.profile(() => {
      out = call();
      return [];
    });
    await readAll(out);
    const sums = new Map<string, { count: number; ms: number }>();
    for (const k of info.kernels) {
      const s = sums.get(k.name) ?? { count: 0, ms: 0 };
      sums.set(k.name, { count: s.count + 1, ms: s.ms + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : NaN) });
    }
    for (const [name, s] of sums) {
      const run = runs.get(name) ?? { count: s.count, ms: [] };
      run.ms.push(s.ms);
      runs.set(name, run);
    }
  }
  return [...runs].map(([name, r]) => ({ name, count: r.count, ms: median(r.ms) })).sort((a, b) => b.ms - a.ms);
}

for (const backend of backends) {
  await setBackend(backend);
  for (const op of wanted) {
    const c = CASES.find((k) => k.op === op)!;
    const size = c.sizes[KERAS_JAX_TARGET.sizeIndex];
    const { call, inputs } = size.make();
    const first = inputs[0].handleOn(currentAdapter()) as tf.Tensor;
    const [total, floor] = await timeInterleaved([() => readAll(call()), () => readRaw(tf.neg(first))], 2000, 200);
    const list = await kernels(call);
    const inKernels = list.reduce((s, k) => s + k.ms, 0);
    console.log(
      `${backend} ${op} ${size.label}: ${total.medianMs.toFixed(3)} ms per call, floor ${floor.medianMs.toFixed(3)} ms; ` +
        `${list.reduce((s, k) => s + k.count, 0)} kernels ${inKernels.toFixed(3)} ms, rest ${(total.medianMs - inKernels).toFixed(3)} ms`,
    );
    for (const k of list) console.log(`  ${k.name.padEnd(20)} x${String(k.count).padEnd(4)} ${k.ms.toFixed(3)} ms`);
    for (const x of inputs) x.dispose();
  }
}
