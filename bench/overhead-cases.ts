/**
 * The calls whose adapter overhead is measured (bench/overhead.ts) and split into parts
 * (bench/profile-overhead.ts): each a keras-parity call in its idiomatic form and the single raw TF.js
 * op it stands beside, on the same inputs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ops, type Tensor } from '../src/index.js';
import { camelCase } from '../src/ops/op.js';
import type { OpName } from '../src/ops/table.js';
import { img, label4, sizeOf } from './data.js';

export interface OverheadCase {
  /** As the report shows it: the raw TF.js op's name. */
  name: string;
  label: string;
  elements: number;
  /** The Keras op, and its idiomatic arguments after the inputs (`ops.maxPool(x, 2, {strides: 2})`). */
  op: OpName;
  shapes: number[][];
  rest: unknown[];
  raw: (handles: tf.Tensor[]) => tf.Tensor;
}

export const OVERHEAD_CASES: OverheadCase[] = [
  ...[1024, 1048576].map((n): OverheadCase => ({
    name: 'relu', label: `${n} elems`, elements: n, op: 'relu', shapes: [[n]], rest: [],
    raw: ([x]) => tf.relu(x),
  })),
  ...[[1, 1024], [1024, 1024]].map(([r, c]): OverheadCase => ({
    name: 'softmax', label: `${r}x${c}`, elements: r * c, op: 'softmax', shapes: [[r, c]], rest: [],
    raw: ([x]) => tf.softmax(x),
  })),
  ...[[img(1, 8, 8, 16), [3, 3, 16, 16]], [img(1, 128, 128, 64), [3, 3, 64, 64]]].map(([xs, ks]): OverheadCase => ({
    name: 'conv2d', label: `${label4(xs)} k${label4(ks)} same`, elements: sizeOf(xs), op: 'conv',
    shapes: [xs, ks], rest: [{ padding: 'same' }],
    raw: ([x, k]) => tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, 1, 'same'),
  })),
  ...[img(1, 16, 16, 4), img(1, 128, 128, 64)].map((xs): OverheadCase => ({
    name: 'maxPool', label: `${label4(xs)} p2 s2`, elements: sizeOf(xs), op: 'max_pool',
    shapes: [xs], rest: [2, { strides: 2 }],
    raw: ([x]) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'),
  })),
];

/** The keras-parity call, as a user writes it. */
export function oursCall(c: OverheadCase, inputs: Tensor[]): () => Tensor | Tensor[] {
  const fn = (ops as unknown as Record<string, (...a: unknown[]) => Tensor | Tensor[]>)[camelCase(c.op)];
  const args = [...inputs, ...c.rest];
  return () => fn(...args);
}
