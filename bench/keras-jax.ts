/**
 * Keras 3.6 on JAX timing the same calls as the benchmark, through the Keras oracle (tools/oracle.py)
 * started without the goldens' CPU pins, so JAX runs as a user runs it (every core, the host's ISA).
 * Each time is measured inside Python until JAX has the result ready: the pipe is not counted.
 */
import { Tensor } from '../src/index.js';
import type { GoldenValue } from '../src/golden/cases.js';
import { GoldenTensor } from '../src/golden/safetensors.js';
import { KerasOracle, OracleUnavailableError } from '../src/fuzz/oracle.js';
import type { KerasJaxSource } from '../src/benchfile/model.js';
import { median } from './data.js';

/** A benchmark call in Keras's terms: tensor arguments are keras-parity Tensors. */
export interface KerasCall {
  op: string;
  args: unknown[];
  kwargs?: Record<string, unknown>;
}

export interface KerasJaxTimings extends KerasJaxSource {
  /** Median ms per call, by `<op> <size>`. */
  ms: Map<string, number>;
}

const toGolden = (v: unknown): GoldenValue => {
  if (v instanceof Tensor) return new GoldenTensor('', v.dtype, v.shape, v.dataSync());
  if (Array.isArray(v)) return v.map(toGolden);
  return v as GoldenValue;
};

/**
 * Times every call of `calls` (made by `make`, which returns its inputs to dispose) within about
 * `budgetMs` each; an oracle that cannot start gives no timings and the reason.
 */
export async function timeKerasJax(
  calls: Array<{ key: string; make: () => { keras: KerasCall; inputs: Tensor[] } }>,
  budgetMs: number,
  maxRuns: number,
): Promise<KerasJaxTimings> {
  let oracle: KerasOracle;
  try {
    oracle = await KerasOracle.start({ cpuPins: false, timeoutMs: 300_000 });
  } catch (e) {
    if (!(e instanceof OracleUnavailableError)) throw e;
    return { ms: new Map(), note: `Keras on JAX not measured: ${e.message.split('\n')[0]}` };
  }
  const ms = new Map<string, number>();
  const failed: string[] = [];
  try {
    for (const { key, make } of calls) {
      const { keras, inputs } = make();
      const args = keras.args.map(toGolden);
      const kwargs = Object.fromEntries(Object.entries(keras.kwargs ?? {}).map(([k, v]) => [k, toGolden(v)]));
      inputs.forEach((t) => t.dispose());
      try {
        const probe = await oracle.time(keras.op, args, kwargs, { warmup: 2, repeat: 1 });
        const repeat = Math.max(3, Math.min(maxRuns, Math.floor(budgetMs / Math.max(probe.seconds[0] * 1000, 1e-3))));
        const { seconds } = await oracle.time(keras.op, args, kwargs, { warmup: 0, repeat });
        ms.set(key, median(seconds) * 1000);
      } catch (e) {
        failed.push(`${key}: ${e instanceof Error ? e.message : String(e)}`);
      }
      process.stderr.write('.');
    }
  } finally {
    await oracle.close();
  }
  const note = [
    'Timed inside the Keras oracle process (JAX CPU, every core, no ISA cap), result ready (block_until_ready)',
    ...failed.map((f) => `failed: ${f}`),
  ].join('; ');
  return { ms, versions: { ...oracle.versions }, note };
}
