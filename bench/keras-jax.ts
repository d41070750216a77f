/**
 * Keras on JAX timing the same calls as the benchmark, through the Keras oracle (tools/oracle.py) of
 * each call's Keras version, started without the goldens' CPU pins, so JAX runs as a user runs it (every
 * core, the host's ISA). Each time is measured inside Python until JAX has the result ready: the pipe is
 * not counted.
 */
import { Tensor } from '../src/index.js';
import type { GoldenValue } from '../src/golden/cases.js';
import { GoldenTensor } from '../src/golden/safetensors.js';
import { KerasOracle, OracleUnavailableError } from '../src/fuzz/oracle.js';
import type { KerasJaxSource } from '../src/benchfile/model.js';
import type { KerasVersion } from '../src/keras-versions.js';
import { median } from './data.js';

/** A benchmark call in Keras's terms: tensor arguments are keras-parity Tensors. */
export interface KerasCall {
  op: string;
  args: unknown[];
  kwargs?: Record<string, unknown>;
  /** One per output: time jax.vjp of the call and its pullback of these (jitted) instead of the call. */
  cotangents?: Tensor[];
}

export interface KerasJaxTimings extends KerasJaxSource {
  /** Median ms per call, by `<op> <size>`. */
  ms: Map<string, number>;
  byKeras: Record<string, Record<string, string>>;
}

/** A call to time, keyed `<op> <size>`, against Keras `keras`. */
export interface KerasJaxCall {
  key: string;
  keras: KerasVersion;
  make: () => { keras: KerasCall; inputs: Tensor[] };
}

const toGolden = (v: unknown): GoldenValue => {
  if (v instanceof Tensor) return new GoldenTensor('', v.dtype, v.shape, v.dataSync());
  if (Array.isArray(v)) return v.map(toGolden);
  return v as GoldenValue;
};

/**
 * Times every call of `calls` (made by `make`, which returns its inputs to dispose) within about
 * `budgetMs` each, one oracle per Keras version in turn; a version whose oracle cannot start gives no
 * timings, and the note says why.
 */
export async function timeKerasJax(calls: KerasJaxCall[], budgetMs: number, maxRuns: number): Promise<KerasJaxTimings> {
  const ms = new Map<string, number>();
  const byKeras: Record<string, Record<string, string>> = {};
  const problems: string[] = [];
  for (const keras of new Set(calls.map((c) => c.keras))) {
    let oracle: KerasOracle;
    try {
      oracle = await KerasOracle.start({ keras, cpuPins: false, timeoutMs: 300_000 });
    } catch (e) {
      if (!(e instanceof OracleUnavailableError)) throw e;
      problems.push(`Keras ${keras} on JAX not measured: ${e.message.split('\n')[0]}`);
      continue;
    }
    try {
      problems.push(...(await timeAll(oracle, calls.filter((c) => c.keras === keras), ms, budgetMs, maxRuns)));
    } finally {
      await oracle.close();
    }
    byKeras[keras] = { ...oracle.versions };
  }
  const note = ms.size
    ? ['Timed inside the Keras oracle process (JAX CPU, every core, no ISA cap), result ready (block_until_ready)', ...problems].join('; ')
    : problems.join('; ');
  return { ms, byKeras, note };
}

/** Times `calls` on `oracle` into `ms`; returns the calls Keras refused, with its error. */
async function timeAll(oracle: KerasOracle, calls: KerasJaxCall[], ms: Map<string, number>, budgetMs: number, maxRuns: number): Promise<string[]> {
  const failed: string[] = [];
  for (const { key, make } of calls) {
    const { keras, inputs } = make();
    const args = keras.args.map(toGolden);
    const kwargs = Object.fromEntries(Object.entries(keras.kwargs ?? {}).map(([k, v]) => [k, toGolden(v)]));
    const cotangents = keras.cotangents?.map(toGolden);
    inputs.forEach((t) => t.dispose());
    try {
      const probe = await oracle.time(keras.op, args, kwargs, { warmup: 2, repeat: 1, cotangents });
      const repeat = Math.max(3, Math.min(maxRuns, Math.floor(budgetMs / Math.max(probe.seconds[0] * 1000, 1e-3))));
      // A vjp is compiled anew per request (outside the timing): its first run is warm-up too.
      const { seconds } = await oracle.time(keras.op, args, kwargs, { warmup: cotangents ? 1 : 0, repeat, cotangents });
      ms.set(key, median(seconds) * 1000);
    } catch (e) {
      failed.push(`failed: ${key}: ${e instanceof Error ? e.message : String(e)}`);
    }
    process.stderr.write('.');
  }
  return failed;
}
