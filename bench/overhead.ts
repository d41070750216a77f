/**
 * The adapter's overhead: keras-parity's call (ops.X, then Tensor.data()) against the same raw TF.js
 * op on the same tf.Tensors, read back the same way, interleaved sample by sample on each TF.js backend,
 * beside the raw call against itself.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ops, setBackend, type Tensor } from '../src/index.js';
import { currentAdapter } from '../src/backend/registry.js';
import type { AdapterOverhead } from '../src/bench/model.js';
import { img, label4, rand, sizeOf } from './data.js';
import { pairedRatioQuartiles, readAll, timeInterleaved } from './timing.js';

interface RawCase {
  op: string;
  label: string;
  elements: number;
  make: () => { ours: () => Tensor | Tensor[]; raw: () => tf.Tensor; inputs: Tensor[] };
}

/** The tf.Tensor behind a keras-parity Tensor on the active adapter: the same data both calls read. */
const handle = <T extends tf.Tensor>(t: Tensor) => t.handleOn(currentAdapter()) as T;

const RAW_CASES: RawCase[] = [
  ...[1024, 1048576].map((n): RawCase => ({
    op: 'relu', label: `${n} elems`, elements: n,
    make: () => {
      const x = rand([n], 1);
      return { ours: () => ops.relu(x), raw: () => tf.relu(handle(x)), inputs: [x] };
    },
  })),
  ...([[1, 1024], [1024, 1024]] as const).map(([r, c]): RawCase => ({
    op: 'softmax', label: `${r}x${c}`, elements: r * c,
    make: () => {
      const x = rand([r, c], 1);
      return { ours: () => ops.softmax(x), raw: () => tf.softmax(handle(x)), inputs: [x] };
    },
  })),
  ...([[img(1, 8, 8, 16), [3, 3, 16, 16]], [img(1, 128, 128, 64), [3, 3, 64, 64]]] as Array<[number[], number[]]>).map(
    ([xs, ks]): RawCase => ({
      op: 'conv2d', label: `${label4(xs)} k${label4(ks)} same`, elements: sizeOf(xs),
      make: () => {
        const x = rand(xs, 1);
        const k = rand(ks, 2);
        return {
          ours: () => ops.conv(x, k, { padding: 'same' }),
          raw: () => tf.conv2d(handle<tf.Tensor4D>(x), handle<tf.Tensor4D>(k), 1, 'same'),
          inputs: [x, k],
        };
      },
    }),
  ),
  ...[img(1, 16, 16, 4), img(1, 128, 128, 64)].map((xs): RawCase => ({
    op: 'maxPool', label: `${label4(xs)} p2 s2`, elements: sizeOf(xs),
    make: () => {
      const x = rand(xs, 1);
      return {
        ours: () => ops.maxPool(x, 2, { strides: 2 }),
        raw: () => tf.maxPool(handle<tf.Tensor4D>(x), 2, 2, 'valid'),
        inputs: [x],
      };
    },
  })),
];

/** Every case on every named TF.js backend, `budgetMs` of timed samples each. */
export async function measureOverhead(backends: string[], budgetMs: number, maxRuns: number): Promise<AdapterOverhead[]> {
  const overhead: AdapterOverhead[] = [];
  for (const backend of backends) {
    await setBackend(backend);
    process.stderr.write(`[overhead] ${backend}`);
    for (const rc of RAW_CASES) {
      const { ours, raw, inputs } = rc.make();
      const rawCall = () => readAll(raw());
      // The raw call twice: their ratio (an A/A control) shows how far two identical calls differ here.
      const [a, b, again] = await timeInterleaved([() => readAll(ours()), rawCall, rawCall], budgetMs, maxRuns);
      for (const x of inputs) x.dispose();
      overhead.push({
        op: rc.op, size: rc.label, elements: rc.elements, backend,
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
