/**
 * Backward rule of polar: jax.vjp of Keras's op on JAX for a complex64 cotangent, in float32 tf ops as
 * XLA on CPU runs it (subnormals flushed). adapters/reference/grad/complex.ts derives JAX's convention,
 * Re(ct * dy/dx): with cr = Re(ct) and ci = -Im(ct),
 *   d abs_  = cr cos(angle) + ci sin(angle)
 *   d angle = -((abs_ cr) sin(angle)) + (abs_ ci) cos(angle)
 * each summed back over the dims it was broadcast along.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Vjps } from '../../../src/ops/table.js';
import { flush, requireComplex, times } from '../complex.js';
import { cast } from '../gpu-layout.js';
import { requested, sumTo } from './lax.js';

type ComplexVjps = Required<Pick<Vjps<tf.Tensor>, 'polar'>>;

function polarT(abs: tf.Tensor, angle: tf.Tensor, ct: tf.Tensor) {
  requireComplex();
  const [r, theta] = [flush(cast(abs, 'float32')), cast(angle, 'float32')];
  const [cr, ci] = [flush(tf.real(ct)), flush(tf.neg(tf.imag(ct)))];
  const [cos, sin] = [tf.cos(theta), tf.sin(theta)];
  const dAbs = flush(tf.add(times(cr, cos), times(ci, sin)));
  const dAngle = flush(tf.add(tf.neg(times(times(r, cr), sin)), times(times(r, ci), cos)));
  return { abs_: sumTo(dAbs, abs.shape), angle: sumTo(dAngle, angle.shape) };
}

export const complexVjps: ComplexVjps = {
  polar: ({ abs_, angle }, _attrs, _out, ct, wrt) => requested(polarT(abs_, angle, ct), wrt),
};
