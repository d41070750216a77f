/**
 * Where an op's time goes on TF.js, at the bench's judged (medium) size: its median time per call, read
 * back (as bench/run.ts times it), then every TF.js kernel the adapter runs for it, by name, with its
 * count and time per call from the backend's own timer (tf.profile), so the kernel that dominates shows.
 * "floor" is one kernel (tf.neg) on the op's first input, read back: the pass and the read any op pays;
 * "rest" is the time outside the kernels (dispatch, host work, the read).
 *
 * --grad: the gradient part's call instead (bench/grad.ts: ops.vjp and its pullback, outputs and gradients
 * read back), beside the vjp alone (its forward, outputs read back), and the kernels of the pullback alone.
 *
 *   node --import tsx bench/profile-composed.ts [--grad] OP[,OP...] [backend,...]
 */
import * as tf from '@tensorflow/tfjs-core';
import { KERAS_JAX_TARGET } from '../src/benchfile/model.js';
import { currentAdapter } from '../src/backend/registry.js';
import { setBackend, type Tensor } from '../src/index.js';
import { runUnderPinnedAllocator } from './allocator.js';
import { CASES, type Case } from './cases.js';
import { median } from './data.js';
import { GRAD_CASES, gradMade } from './grad.js';
import { readAll, readRaw, timeInterleaved } from './timing.js';

runUnderPinnedAllocator();
const GRAD = process.argv[2] === '--grad';
const [opList, backendList] = process.argv.slice(GRAD ? 3 : 2);
const wanted = (opList ?? '').split(',').filter(Boolean);
const backends = (backendList ?? 'tfjs-cpu,tfjs-wasm,tfjs-tensorflow').split(',');
const cases: Case[] = GRAD ? GRAD_CASES.map((g) => g.case) : CASES;
const unknown = wanted.filter((op) => !cases.some((c) => c.op === op));
if (!wanted.length || unknown.length) {
  console.error(`usage: profile-composed.ts [--grad] OP[,OP...] [backend,...]; ops: ${cases.map((c) => c.op).join(', ')}`);
  process.exit(2);
}
const PROFILED_CALLS = 15;

/** A call to profile: `profiled` is what the kernel list covers; `before` came ahead of it, read after it. */
type Step = () => { profiled: () => Tensor | Tensor[]; before: Tensor[] };

/** Per kernel name: how many run per call, and their median summed time per call. */
async function kernels(step: Step): Promise<Array<{ name: string; count: number; ms: number }>> {
  const runs = new Map<string, { count: number; ms: number[] }>();
  for (let r = 0; r < PROFILED_CALLS; r++) {
    const { profiled, before } = step();
    let out: Tensor | Tensor[] = [];
    const info = await tf.profile(() => {
      out = profiled();
      return [];
    });
    await readAll([...before, ...[out].flat()]);
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

/** The kernels' total, and the time outside them: `rest`, of a call of `totalMs`. */
function report(head: string, list: Awaited<ReturnType<typeof kernels>>, totalMs: number): void {
  const inKernels = list.reduce((s, k) => s + k.ms, 0);
  console.log(`${head}; ${list.reduce((s, k) => s + k.count, 0)} kernels ${inKernels.toFixed(3)} ms, rest ${(totalMs - inKernels).toFixed(3)} ms`);
  for (const k of list) console.log(`  ${k.name.padEnd(20)} x${String(k.count).padEnd(4)} ${k.ms.toFixed(3)} ms`);
}

async function profileForward(backend: string, c: Case): Promise<void> {
  const size = c.sizes[KERAS_JAX_TARGET.sizeIndex];
  const { call, inputs } = size.make();
  const first = inputs[0].handleOn(currentAdapter()) as tf.Tensor;
  const [total, floor] = await timeInterleaved([() => readAll(call()), () => readRaw(tf.neg(first))], 2000, 200);
  const head = `${backend} ${c.op} ${size.label}: ${total.medianMs.toFixed(3)} ms per call, floor ${floor.medianMs.toFixed(3)} ms`;
  report(head, await kernels(() => ({ profiled: call, before: [] })), total.medianMs);
  for (const x of inputs) x.dispose();
}

/** The pullback's kernels; its time is the whole call's less the vjp's alone. */
async function profileGrad(backend: string, c: Case): Promise<void> {
  const { size } = GRAD_CASES.find((g) => g.case === c)!;
  const made = gradMade(c, size);
  const forward = async () => {
    const [outputs, pullback] = made.vjp();
    pullback.dispose();
    await readAll(outputs);
  };
  const [total, vjp] = await timeInterleaved([() => readAll(made.run()), forward], 2000, 100);
  const pullbackMs = total.medianMs - vjp.medianMs;
  const head =
    `${backend} ${c.op} ${size.label} gradient: ${total.medianMs.toFixed(3)} ms per call, the vjp alone ${vjp.medianMs.toFixed(3)} ms, ` +
    `so the pullback ${pullbackMs.toFixed(3)} ms`;
  const pull = () => {
    const [outputs, pullback] = made.vjp();
    const profiled = () => {
      try {
        return Object.values(pullback(made.cotangent));
      } finally {
        pullback.dispose();
      }
    };
    return { profiled, before: outputs };
  };
  report(head, await kernels(pull), pullbackMs);
  for (const x of made.inputs) x.dispose();
}

for (const backend of backends) {
  await setBackend(backend);
  for (const op of wanted) {
    const c = cases.find((k) => k.op === op)!;
    try {
      await (GRAD ? profileGrad : profileForward)(backend, c);
    } catch (e) {
      // No backward rule yet on this backend, say: the other ops still profile.
      console.log(`${backend} ${op}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
