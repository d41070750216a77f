/**
 * TF.js kernels of the complex family (src/ops/complex.ts), and complex64 handles for the adapter: made
 * by tf.complex from the real and imaginary parts (TF.js makes no complex64 tensor from values), read back
 * interleaved [re0, im0, ...] by TF.js itself. A backend without complex kernels raises UnsupportedError.
 */
import * as tf from '@tensorflow/tfjs-core';
import { UnsupportedError } from '../../src/errors.js';
import type { Kernels } from '../../src/ops/table.js';
import { cast, where } from './gpu-layout.js';
import { QUIRKS, quirk } from './quirks.js';

type ComplexKernels = Pick<Kernels<tf.Tensor>, 'polar'>;

/** Raises where the active TF.js backend (`backend`, for the message) cannot hold complex64. */
export function requireComplex(backend: string = tf.getBackend()): void {
  if (quirk.lacksComplex()) {
    throw new UnsupportedError(`complex64 is not available on TF.js's ${backend} backend: ${QUIRKS.lacksComplex.why}`);
  }
}

/** A complex64 handle from interleaved float32 [re0, im0, re1, im1, ...]. */
export function fromInterleaved(data: Float32Array, shape: number[]): tf.Tensor {
  const n = data.length / 2;
  const [re, im] = [new Float32Array(n), new Float32Array(n)];
  for (let i = 0; i < n; i++) {
    re[i] = data[2 * i];
    im[i] = data[2 * i + 1];
  }
  return tf.tidy(() => tf.complex(tf.tensor(re, shape, 'float32'), tf.tensor(im, shape, 'float32')));
}

/** numpy's astype to or from complex64: 0j added; the real part kept; true where either part is non-zero. */
export function castComplex(x: tf.Tensor, dtype: tf.DataType): tf.Tensor {
  return tf.tidy(() => {
    if (x.dtype === dtype) return tf.clone(x);
    if (dtype === 'complex64') {
      const re = cast(x, 'float32');
      return tf.complex(re, tf.zerosLike(re));
    }
    if (dtype !== 'bool') return cast(tf.real(x), dtype);
    return tf.logicalOr(tf.notEqual(tf.real(x), 0), tf.notEqual(tf.imag(x), 0));
  });
}

const F32_MIN_NORMAL = 2 ** -126;

/** XLA on CPU flushes float32 subnormals to zero (keeping the sign); TF.js's cpu keeps them. */
export const flush = (x: tf.Tensor): tf.Tensor => where(tf.less(tf.abs(x), F32_MIN_NORMAL), tf.mul(x, 0), x);

/** abs_ * f(angle) as XLA multiplies: subnormal operands and results flushed. */
export const times = (r: tf.Tensor, f: tf.Tensor): tf.Tensor => flush(tf.mul(r, flush(f)));

export const complexKernels: ComplexKernels = {
  // jax.lax.complex(abs_ * cos(angle), abs_ * sin(angle)) in float32, as Keras's _polar; tf.mul broadcasts
  // as jnp's multiply, and both products have the output's shape.
  polar: ({ abs_, angle }) => {
    requireComplex();
    const [r, theta] = [flush(cast(abs_, 'float32')), cast(angle, 'float32')];
    return tf.complex(times(r, tf.cos(theta)), times(r, tf.sin(theta)));
  },
};
