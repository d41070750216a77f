/**
 * Losses and metrics: the three crossentropies (no reduction) and psnr. Their eager JAX results are
 * float32 for every input dtype (a log is taken); Keras's symbolic specs say output.dtype, and this
 * library's specs follow eager (docs/deviations.md).
 */
import { formatShape } from '../format.js';
import type { Spec } from '../dtypes.js';
import { isFloat } from '../dtypes.js';
import { KerasIndexError, KerasTypeError, KerasValueError } from '../errors.js';
import { checkBool, checkNumber, normalizeAxis, reductionAxes, sameShape } from './args.js';
import { arg, defineOp, kwarg, tensor } from './op.js';

type Shape = (number | null)[];

export type BinaryCrossentropyAttrs = { fromLogits: boolean };

export type CategoricalCrossentropyAttrs = {
  fromLogits: boolean;
  /** The class axes, normalised: an int axis, a tuple of them (jointly) or all for None. */
  axes: number[];
};

export type SparseCategoricalCrossentropyAttrs = {
  fromLogits: boolean;
  /** The class axis of `output`, normalised. */
  axis: number;
};

export type PsnrAttrs = {
  /** max_val converted to x2's dtype, as JAX does: rounded to float32, truncated, or made 0/1. */
  maxVal: number;
  /** Neither input is float: x1 - x2 and its square are int32 and wrap, as in JAX. */
  integer: boolean;
};

function sameShapeMessage(target: Shape, output: Shape): string {
  return (
    'Arguments `target` and `output` must have the same shape. ' +
    `Received: target.shape=${formatShape(target)}, output.shape=${formatShape(output)}`
  );
}

/** A known dim where either side knows it. */
function mergeShapes(a: Shape, b: Shape): Shape {
  return a.map((d, i) => d ?? b[i]);
}

/** JAX's log_sigmoid / log_softmax negate or subtract `output`, which lax rejects for bool. */
function checkLogits(output: Spec, fromLogits: boolean): void {
  if (fromLogits && output.dtype === 'bool') {
    throw new KerasTypeError(
      'Argument `output` must be numeric with from_logits=True: JAX cannot negate or subtract bool tensors. Received: output.dtype=bool',
    );
  }
}

function resolveBinary(target: Spec, output: Spec, v: Record<string, unknown>) {
  const fromLogits = checkBool(v.from_logits, 'from_logits');
  if (!sameShape(target.shape, output.shape)) throw new KerasValueError(sameShapeMessage(target.shape, output.shape));
  checkLogits(output, fromLogits);
  return { attrs: { fromLogits }, out: { shape: mergeShapes(output.shape, target.shape), dtype: 'float32' as const } };
}

/** Eager JAX drops `axis` (or axes); Keras's symbolic spec always drops the last dim (a Keras bug). */
function resolveCategorical(target: Spec, output: Spec, v: Record<string, unknown>) {
  const fromLogits = checkBool(v.from_logits, 'from_logits');
  if (!sameShape(target.shape, output.shape)) throw new KerasValueError(sameShapeMessage(target.shape, output.shape));
  if (output.shape.length < 1) {
    throw new KerasValueError(
      'Arguments `target` and `output` must be at least rank 1. ' +
        `Received: target.shape=${formatShape(target.shape)}, output.shape=${formatShape(output.shape)}`,
    );
  }
  const axes = reductionAxes(v.axis, output.shape.length);
  checkLogits(output, fromLogits);
  const shape = mergeShapes(output.shape, target.shape).filter((_, i) => !axes.includes(i));
  return { attrs: { fromLogits, axes }, out: { shape, dtype: 'float32' as const } };
}

/** numpy broadcasting of two equal-rank shapes, or null when they do not broadcast. */
function broadcast(a: Shape, b: Shape): Shape | null {
  const out: Shape = [];
  for (let i = 0; i < a.length; i++) {
    const [p, q] = [a[i], b[i]];
    if (p === q || q === 1) out.push(p);
    else if (p === 1) out.push(q);
    else if (p === null || q === null) out.push(p ?? q);
    else return null;
  }
  return out;
}

/**
 * JAX squeezes a trailing 1 off a same-rank target (the eager message shows the squeezed shape, the
 * symbolic one the original), checks target.shape == output.shape[:-1] whatever `axis` is, then
 * multiplies one_hot(target, output.shape[axis], axis) with the log-probabilities: for axis != -1 the
 * two shapes must broadcast, and the result is their broadcast shape without `axis`.
 */
function resolveSparse(target: Spec, output: Spec, v: Record<string, unknown>, symbolic: boolean, symbolicAxis: boolean) {
  const fromLogits = checkBool(v.from_logits, 'from_logits');
  const rank = output.shape.length;
  // Eager Keras-JAX reads target.shape[-1] when the ranks are equal, before checking the rank.
  if (!symbolic && rank === 0 && target.shape.length === 0) throw new KerasIndexError('tuple index out of range');
  if (rank < 1) {
    throw new KerasValueError(`Argument \`output\` must be at least rank 1. Received: output.shape=${formatShape(output.shape)}`);
  }
  const squeeze = target.shape.length === rank && target.shape[rank - 1] === 1;
  const labels = squeeze ? target.shape.slice(0, -1) : target.shape;
  const checkLabels = (classless: Shape) => {
    if (sameShape(labels, classless)) return;
    throw new KerasValueError(
      'Arguments `target` and `output` must have the same shape up until the last dimension: ' +
        `target.shape=${formatShape(symbolic ? target.shape : labels)}, output.shape=${formatShape(output.shape)}`,
    );
  };
  if (symbolic && symbolicAxis) checkLabels(withoutClassAxis(output.shape, v.axis));
  checkLabels(output.shape.slice(0, -1));
  const axis = normalizeAxis(v.axis, rank);
  checkLogits(output, fromLogits);
  const oneHot = [...labels.slice(0, axis), output.shape[axis], ...labels.slice(axis)];
  const full = broadcast(oneHot, output.shape);
  if (full === null) {
    throw new KerasTypeError(
      `Arguments \`target\` and \`output\` do not fit axis=${v.axis}: one_hot(target) has shape ${formatShape(oneHot)}, ` +
        `which does not broadcast with output.shape=${formatShape(output.shape)}.`,
    );
  }
  return { attrs: { fromLogits, axis }, out: { shape: full.filter((_, i) => i !== axis), dtype: 'float32' as const } };
}

/** Keras 3.15's symbolic spec: canonicalize_axis, then the output's shape without that axis. */
function withoutClassAxis(shape: Shape, axis: unknown): Shape {
  const rank = shape.length;
  const at = normalizeAxis(axis, rank, 'axis', (a, r) => new KerasValueError(`axis ${a} is out of bounds for an array with dimension ${r}.`));
  return shape.filter((_, i) => i !== at);
}

/** JAX's convert_to_tensor(max_val, dtype=x2.dtype). */
function castMaxVal(value: number, x2: Spec): number {
  if (x2.dtype === 'float32') return Math.fround(value);
  if (x2.dtype === 'int32') return Math.trunc(value);
  return value !== 0 ? 1 : 0;
}

/** Eager JAX compares the shapes; Keras's symbolic spec only the ranks. */
function resolvePsnr(x1: Spec, x2: Spec, v: Record<string, unknown>, symbolic: boolean) {
  if (symbolic && x1.shape.length !== x2.shape.length) throw new KerasValueError('Inputs must have the same rank');
  if (!symbolic && !sameShape(x1.shape, x2.shape)) {
    throw new KerasValueError(`Input shapes ${formatShape(x1.shape)} and ${formatShape(x2.shape)} must match for PSNR calculation. `);
  }
  if (x1.dtype === 'bool' && x2.dtype === 'bool') {
    throw new KerasTypeError('Arguments `x1` and `x2` cannot both be bool: JAX cannot subtract bool tensors. Received: x1.dtype=bool, x2.dtype=bool');
  }
  const maxVal = castMaxVal(checkNumber(v.max_val, 'max_val'), x2);
  const integer = !isFloat(x1.dtype) && !isFloat(x2.dtype);
  return { attrs: { maxVal, integer }, out: { shape: [], dtype: 'float32' as const } };
}

export const losses = {
  binary_crossentropy: defineOp<BinaryCrossentropyAttrs, 'target' | 'output'>({
    params: [tensor('target'), tensor('output'), kwarg('from_logits', false)],
    outputs: 1,
    resolve: ({ t, v }) => resolveBinary(t.target, t.output, v),
  }),
  categorical_crossentropy: defineOp<CategoricalCrossentropyAttrs, 'target' | 'output'>({
    params: [tensor('target'), tensor('output'), kwarg('from_logits', false), kwarg('axis', -1)],
    outputs: 1,
    resolve: ({ t, v }) => resolveCategorical(t.target, t.output, v),
  }),
  sparse_categorical_crossentropy: defineOp<SparseCategoricalCrossentropyAttrs, 'target' | 'output'>({
    params: [tensor('target'), tensor('output'), kwarg('from_logits', false), kwarg('axis', -1)],
    changes: {
      axisSpec: {
        since: '3.15',
        pr: 'keras-team/keras#22708',
        what:
          "ops.outputSpec checks the axis (\"axis 3 is out of bounds for an array with dimension 3.\") and the target against the output's " +
          'shape without that axis (Keras 3.6 dropped the last dim whatever the axis).',
      },
    },
    outputs: 1,
    resolve: ({ t, v, mode, changed }) => resolveSparse(t.target, t.output, v, mode === 'symbolic', changed('axisSpec')),
  }),
  psnr: defineOp<PsnrAttrs, 'x1' | 'x2'>({
    params: [tensor('x1'), tensor('x2'), arg('max_val')],
    outputs: 1,
    resolve: ({ t, v, mode }) => resolvePsnr(t.x1, t.x2, v, mode === 'symbolic'),
  }),
};
