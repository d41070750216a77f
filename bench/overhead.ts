/**
 * The adapter's overhead: keras-parity's call (ops.X, then Tensor.data({dispose: true})) against the
 * same raw TF.js op on the same tf.Tensors, read back and disposed (data(), then dispose()),
 * interleaved sample by sample on each TF.js backend, beside the raw call against itself.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setBackend, type Tensor } from '../src/index.js';
import { currentAdapter } from '../src/backend/registry.js';
import type { AdapterOverhead } from '../src/benchfile/model.js';
import { rand } from './data.js';
import { OVERHEAD_CASES, oursCall } from './overhead-cases.js';
import { pairedRatioQuartiles, readAll, readRaw, timeInterleaved } from './timing.js';

/** The tf.Tensor behind a keras-parity Tensor on the active adapter: the same data both calls read. */
const handle = (t: Tensor) => t.handleOn(currentAdapter()) as tf.Tensor;

/** Every case on every named TF.js backend, `budgetMs` of timed samples each. */
export async function measureOverhead(backends: string[], budgetMs: number, maxRuns: number): Promise<AdapterOverhead[]> {
  const overhead: AdapterOverhead[] = [];
  for (const backend of backends) {
    await setBackend(backend);
    process.stderr.write(`[overhead] ${backend}`);
    for (const c of OVERHEAD_CASES) {
      const inputs = c.shapes.map((shape, i) => rand(shape, i + 1));
      const ours = oursCall(c, inputs);
      const handles = inputs.map(handle);
      const rawCall = () => readRaw(c.raw(handles));
      // The raw call twice: their ratio (an A/A control) shows how far two identical calls differ here.
      const [a, b, again] = await timeInterleaved([() => readAll(ours()), rawCall, rawCall], budgetMs, maxRuns);
      for (const x of inputs) x.dispose();
      overhead.push({
        op: c.name, size: c.label, elements: c.elements, backend,
        oursMs: a.medianMs, rawMs: b.medianMs, ratio: a.medianMs / b.medianMs,
        ratioQuartiles: pairedRatioQuartiles(a.samples, b.samples),
        control: { ratio: again.medianMs / b.medianMs, quartiles: pairedRatioQuartiles(again.samples, b.samples) },
        overheadUsPerCall: (a.medianMs - b.medianMs) * 1000, runs: a.runs,
      });
      process.stderr.write('.');
    }
    process.stderr.write('\n');
  }
  return overhead;
}
