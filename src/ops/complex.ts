/**
 * polar (Keras 3.9 on): a complex64 tensor from magnitudes and angles.
 *
 * keras/src/ops/nn.py:3208 (3.15.1), added by keras-team/keras#20930 (12a41b1058):
 *   def polar(abs_, angle):
 * Keras computes it in the ops module, not in a backend (_polar, nn.py:3244-3263): abs_ * cos(angle) and
 * abs_ * sin(angle) as float32 (int32 and bool promote), then jax.lax.complex of the two
 * (keras/src/backend/jax/math.py:102-127, _get_complex_tensor_from_tuple). The products broadcast as jnp's
 * multiply does, so their errors are JAX's; a complex argument reaches that function's float check.
 */
import { formatShape } from '../format.js';
import type { Spec } from '../dtypes.js';
import { KerasTypeError, KerasValueError } from '../errors.js';
import { defineOp, introduced, tensor } from './op.js';
import type { Dim } from './shapes.js';

/**
 * jnp's broadcasting of `abs_ * cos(angle)`: equal ranks go straight to lax.mul (TypeError), unequal
 * ones through lax.broadcast_shapes first (ValueError). An unknown dim matches any size.
 */
function productShape(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  const rank = Math.max(a.length, b.length);
  const pad = (s: readonly Dim[]) => [...Array<Dim>(rank - s.length).fill(1), ...s];
  const [x, y] = [pad(a), pad(b)];
  const out = x.map((p, i) => broadcastDim(p, y[i]));
  if (!out.includes(undefined)) return out as Dim[];
  if (a.length === b.length) {
    throw new KerasTypeError(`mul got incompatible shapes for broadcasting: ${formatShape(a)}, ${formatShape(b)}.`);
  }
  throw new KerasValueError(`Incompatible shapes for broadcasting: shapes=[${formatShape(a)}, ${formatShape(b)}]`);
}

/** One dim of the broadcast, or undefined where the two cannot meet. */
function broadcastDim(p: Dim, q: Dim): Dim | undefined {
  if (p === q || q === 1) return p;
  if (p === 1) return q;
  if (p === null || q === null) return p ?? q;
  return undefined;
}

/**
 * Keras's check in _get_complex_tensor_from_tuple. Its message goes on to print both products' values
 * (`Received: x=(Array([...], dtype=complex64), ...)`); ours names their shape and dtype instead.
 */
function checkReal(abs: Spec, angle: Spec, shape: Dim[]): void {
  if (abs.dtype !== 'complex64' && angle.dtype !== 'complex64') return;
  const part = `Tensor(shape=${formatShape(shape)}, dtype=complex64)`;
  throw new KerasValueError(`At least one tensor in input \`x\` is not of type float.Received: x=(${part}, ${part}).`);
}

export const complex = {
  polar: introduced(
    '3.9',
    defineOp<Record<string, never>, 'abs_' | 'angle'>({
      params: [tensor('abs_'), tensor('angle')],
      outputs: 1,
      takesComplex: true,
      // Keras's compute_output_spec says abs_'s shape and float32; we follow the eager result
      // (docs/deviations.md, ops.outputSpec).
      resolve: ({ t }) => {
        const shape = productShape(t.abs_.shape, t.angle.shape);
        checkReal(t.abs_, t.angle, shape);
        return { attrs: {}, out: { shape, dtype: 'complex64' } };
      },
    }),
  ),
};
