/**
 * The training step of golden/composition/keras-<version>.json (tools/gen_composition.py): conv, then
 * batch_normalization with fixed statistics, relu, a 2x2 max pool and sparse_categorical_crossentropy from
 * logits, whose per-example losses and their sum's gradients in x, kernel, scale and offset Keras on JAX
 * gives with jax.value_and_grad. `runComposition` replays it on the active backend with valueAndGrads and
 * compares each value with Keras's within the tolerance the file derives for it.
 */
import { tensor } from '../backend/convert.js';
import type { Tensor } from '../backend/tensor.js';
import type { DType } from '../dtypes.js';
import { KERAS_VERSIONS, type KerasVersion } from '../keras-versions.js';
import { opsFor, type Ops } from '../ops/api.js';
import { valueAndGrads } from '../ops/tape.js';
import { compare } from './compare.js';

export interface FixtureTensor {
  shape: number[];
  dtype: DType;
  values: number[];
}

/** A value Keras gave, with the tolerance derived for it. */
export type Checked = FixtureTensor & { atol: number; why: string };

export const STEP_INPUTS = ['x', 'kernel', 'scale', 'offset'] as const;
type StepInput = (typeof STEP_INPUTS)[number];

export interface CompositionFixture {
  keras: string;
  jax: string;
  inputs: Record<StepInput | 'mean' | 'variance' | 'target', FixtureTensor>;
  losses: Checked;
  grads: Record<StepInput, Checked>;
}

/** The step, with its constants: what tools/gen_composition.py's `step` computes. */
export function trainingStep(ops: Ops, mean: Tensor, variance: Tensor, target: Tensor) {
  return (x: Tensor, kernel: Tensor, scale: Tensor, offset: Tensor): Tensor => {
    const y = ops.batchNormalization(ops.conv(x, kernel), mean, variance, -1, { offset, scale });
    return ops.sparseCategoricalCrossentropy(target, ops.maxPool(ops.relu(y), 2, { strides: 2 }), { fromLogits: true });
  };
}

/** One value's comparison: its largest distance from Keras's and the tolerance it must stay within. */
export interface CompositionResult {
  name: 'losses' | StepInput;
  maxError: number;
  atol: number;
  ok: boolean;
}

/** The step on the active backend, each value against Keras's; what it made is disposed. */
export async function runComposition(fixture: CompositionFixture): Promise<CompositionResult[]> {
  const ops = opsFor(fixtureKeras(fixture));
  const made = (t: FixtureTensor) => tensor(t.dtype === 'float32' ? Float32Array.from(t.values) : Int32Array.from(t.values), t.shape, t.dtype);
  const constants = [fixture.inputs.mean, fixture.inputs.variance, fixture.inputs.target].map(made);
  const xs = STEP_INPUTS.map((n) => made(fixture.inputs[n]));
  const [mean, variance, target] = constants;
  const { value, grads } = valueAndGrads(trainingStep(ops, mean, variance, target))(xs);
  try {
    const got = [value, ...grads];
    const want = [fixture.losses, ...STEP_INPUTS.map((n) => fixture.grads[n])];
    const names = ['losses', ...STEP_INPUTS] as const;
    return await Promise.all(names.map(async (name, i) => measure(name, got[i], await got[i].data(), want[i])));
  } finally {
    for (const t of [value, ...grads, ...xs, ...constants]) t.dispose();
  }
}

/** got against Keras's value with the shared comparison, at the file's atol alone. */
function measure(name: CompositionResult['name'], got: Tensor, data: ArrayLike<number>, want: Checked): CompositionResult {
  const c = compare({ shape: got.shape, dtype: got.dtype, data }, { ...want, data: want.values }, { atol: want.atol, rtol: 0 });
  const maxError = c.ok ? (c.maxAbs ?? 0) : Math.max(c.maxAbs ?? Infinity, c.nonFinite ? Infinity : 0);
  return { name, maxError, atol: want.atol, ok: c.ok };
}

function fixtureKeras(fixture: CompositionFixture): KerasVersion {
  const keras = KERAS_VERSIONS.find((v) => v === fixture.keras);
  if (!keras) throw new Error(`golden/composition: Keras ${fixture.keras} is not one of ${KERAS_VERSIONS.join(', ')}`);
  return keras;
}
