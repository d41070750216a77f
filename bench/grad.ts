/**
 * The bench's gradient part: `ops.vjp(op, args, kwargs)` and its pullback at the forward bench's judged
 * (medium) size of each op in GRAD_OPS, on the forward case's inputs, every output and gradient read back,
 * against jax.vjp of the same Keras op (bench/keras-jax.ts: one jax.jit of the forward and the pullback,
 * compiled before the timing, as a JAX user trains). A backend whose adapter has no backward rule for an
 * op yet gives no time, and the table says "no rule".
 */
import * as tf from '@tensorflow/tfjs-core';
import { opsFor, setBackend, UnsupportedError, type Pullback, type Spec, type Tensor } from '../src/index.js';
import { formatMs as fmt } from '../src/benchfile/format.js';
import { KERAS_JAX_TARGET, type BenchCase, type BenchResult, type BenchTiming } from '../src/benchfile/model.js';
import type { OpName } from '../src/ops/table.js';
import { CASES, type Case, type Size } from './cases.js';
import { rand } from './data.js';
import type { KerasCall, KerasJaxCall } from './keras-jax.js';
import { readAll, timeInterleaved } from './timing.js';

export const GRAD_OPS: readonly OpName[] = [
  'conv', 'depthwise_conv', 'dot_product_attention', 'softmax', 'max_pool', 'batch_normalization', 'ctc_loss',
];
/** What a backend without the op's backward rule gives in place of a time. */
export const NO_RULE = 'no rule';
/** Seeds the cotangents apart from every input (the forward cases seed theirs from 1). */
const COTANGENT_SEED = 101;

/** Each gradient op's forward case and its judged size. */
export const GRAD_CASES: Array<{ case: Case; size: Size }> = GRAD_OPS.map((op) => {
  const c = CASES.find((k) => k.op === op);
  if (!c) throw new Error(`bench/grad.ts: ${op} has no case in bench/cases.ts`);
  return { case: c, size: c.sizes[KERAS_JAX_TARGET.sizeIndex] };
});

/** A gradient call on the active backend: its inputs (cotangents included, to dispose) and Keras's terms. */
export interface GradMade {
  /** ops.vjp of the forward case's call: its outputs and pullback. */
  vjp: () => [Tensor[], Pullback];
  /** What the pullback takes: the cotangent, or one per output. */
  cotangent: Tensor | Tensor[];
  /** vjp and pullback: the outputs, then the gradients (the pullback released). */
  run: () => Tensor[];
  inputs: Tensor[];
  keras: KerasCall;
}

export function gradMade(c: Case, size: Size): GradMade {
  const made = size.make();
  const { op, args, kwargs } = made.keras;
  const ops = opsFor(c.keras);
  const specs = [ops.outputSpec(op, args, kwargs)].flat() as Spec[];
  const cotangents = specs.map((s, i) => rand(s.shape as number[], COTANGENT_SEED + i));
  const cotangent = cotangents.length === 1 ? cotangents[0] : cotangents;
  const vjp = (): [Tensor[], Pullback] => {
    const [outputs, pullback] = ops.vjp(op, args, kwargs);
    return [[outputs].flat(), pullback];
  };
  const run = () => {
    const [outputs, pullback] = vjp();
    try {
      return [...outputs, ...Object.values(pullback(cotangent))];
    } catch (e) {
      for (const t of outputs) t.dispose();
      throw e;
    } finally {
      pullback.dispose();
    }
  };
  return { vjp, cotangent, run, inputs: [...made.inputs, ...cotangents], keras: { ...made.keras, cotangents } };
}

/** The key of a gradient case's Keras-on-JAX time, apart from the forward case's `<op> <size>`. */
export const gradKey = (op: string, size: string) => `vjp ${op} ${size}`;

/** The Keras-on-JAX calls of the gradient part (inputs made on the active backend). */
export const gradKerasCalls = (): KerasJaxCall[] =>
  GRAD_CASES.map(({ case: c, size }) => ({
    key: gradKey(c.op, size.label),
    keras: c.keras,
    make: () => {
      const { keras, inputs } = gradMade(c, size);
      return { keras, inputs };
    },
  }));

export interface GradTimings {
  results: BenchResult[];
  /** TF.js tensors or bytes an op's repetitions left behind, one line per backend and op; empty when none. */
  leaks: string[];
}

/**
 * Times every gradient case on each backend. TF.js's tf.memory() is read before an op's inputs are made
 * and after they are disposed: any growth across its repetitions shows as a leak.
 */
export async function timeGradients(
  backends: string[],
  budgetMs: number,
  maxRuns: number,
  maxCallMs: number,
  cases = GRAD_CASES,
): Promise<GradTimings> {
  const results: BenchResult[] = [];
  const leaks: string[] = [];
  for (const backend of backends) {
    await setBackend(backend);
    const isTfjs = backend.startsWith('tfjs-');
    process.stderr.write(`[gradients] ${backend}`);
    for (const { case: c, size } of cases) {
      const before = isTfjs ? { ...tf.memory() } : undefined;
      const at = { op: c.op, size: size.label, backend };
      const made = gradMade(c, size);
      try {
        results.push({ ...at, ...(await timeRun(made.run, budgetMs, maxRuns, maxCallMs)) });
        process.stderr.write('.');
      } catch (e) {
        results.push({ ...at, medianMs: null, skipped: whyNot(e) });
        process.stderr.write(results.at(-1)!.skipped === NO_RULE ? 'n' : 'E');
      } finally {
        for (const x of made.inputs) x.dispose();
      }
      if (before) {
        const after = tf.memory();
        const [tensors, bytes] = [after.numTensors - before.numTensors, after.numBytes - before.numBytes];
        if (tensors || bytes) leaks.push(`${backend} ${c.op}: ${tensors} tensors, ${bytes} bytes`);
      }
    }
    process.stderr.write('\n');
  }
  return { results, leaks };
}

/** One call first: one slower than `maxCallMs` (the reference's convolutions) is not timed further. */
async function timeRun(run: () => Tensor[], budgetMs: number, maxRuns: number, maxCallMs: number): Promise<BenchTiming> {
  const t0 = performance.now();
  await readAll(run());
  const first = performance.now() - t0;
  if (first > maxCallMs) throw new SlowCall(`one call took ${(first / 1000).toFixed(1)} s (> ${maxCallMs / 1000} s cap)`);
  const [t] = await timeInterleaved([() => readAll(run())], budgetMs, maxRuns);
  return t;
}

class SlowCall extends Error {}

function whyNot(e: unknown): string {
  if (e instanceof UnsupportedError && /has no backward rule/.test(e.message)) return NO_RULE;
  if (e instanceof SlowCall) return e.message;
  const msg = e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
  return `error: ${msg.slice(0, 300)}`;
}

const pad = (s: string, n: number) => s.padEnd(n);
const padL = (s: string, n: number) => s.padStart(n);

/**
 * The gradient table: per case, each backend's median ms ("no rule", or "-" with a note), Keras on JAX's,
 * the fastest Node backend over it and whether that meets KERAS_JAX_TARGET.ratio; `kerasNote` says how
 * Keras on JAX was timed, or why not.
 */
export function gradTable(cases: BenchCase[], results: BenchResult[], backends: string[], leaks: string[], kerasNote = ''): string[] {
  const target = KERAS_JAX_TARGET.ratio;
  const keras = cases.find((c) => c.kerasVersion)?.kerasVersion;
  const lines = [
    `gradients: ops.vjp and its pullback, median ms per call, outputs and gradients read back; Keras${keras ? ` ${keras}` : ''} on JAX: ` +
      `jax.vjp and its pullback in one jax.jit, compiled before timing, block_until_ready; ` +
      `target: the fastest Node backend <= ${target}x Keras on JAX`,
    pad('op', 22) + pad('size', 26) + backends.map((b) => padL(b, 16)).join('') + padL('keras ms', 10) + '  fastest / keras',
  ];
  for (const c of cases) {
    const rows = backends.map((b) => results.find((r) => r.op === c.op && r.size === c.size && r.backend === b));
    const cells = rows.map((r) => padL(!r ? 'n/a' : r.skipped === NO_RULE ? NO_RULE : fmt(r.medianMs), 16));
    const timed = rows.filter((r): r is BenchResult & { medianMs: number } => r?.medianMs != null);
    const fastest = timed.reduce<(typeof timed)[number] | undefined>((a, r) => (!a || r.medianMs < a.medianMs ? r : a), undefined);
    const ratio = fastest && c.kerasJaxMs !== undefined ? fastest.medianMs / c.kerasJaxMs : undefined;
    const verdict = ratio === undefined ? '-' : `${ratio.toFixed(2)}x ${fastest!.backend}  ${ratio <= target ? 'ok' : 'MISSED'}`;
    const other = c.kerasVersion && c.kerasVersion !== keras ? `  (Keras ${c.kerasVersion})` : '';
    lines.push(pad(c.op, 22) + pad(c.size, 26) + cells.join('') + padL(fmt(c.kerasJaxMs), 10) + `  ${verdict}${other}`);
  }
  const notes = results.filter((r) => r.skipped && r.skipped !== NO_RULE).map((r) => `note: ${r.backend} ${r.op} ${r.size}: ${r.skipped}`);
  lines.push(...notes);
  if (kerasNote) lines.push(`note: Keras on JAX: ${kerasNote}`);
  lines.push(leaks.length ? `TF.js memory after each op's repetitions: LEAK ${leaks.join('; ')}` : "TF.js memory after each op's repetitions: no growth");
  return lines;
}
