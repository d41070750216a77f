/**
 * Spatial size arithmetic of Keras / JAX (lax 'SAME' = TF 'SAME'), written once for pooling, conv,
 * depthwise, separable and transposed conv. `null` (unknown) sizes pass through.
 */
import type { DataFormat, Padding } from './args.js';

export type Dim = number | null;

/** Effective kernel extent with dilation. */
export function effectiveKernel(k: number, dilation: number): number {
  return (k - 1) * dilation + 1;
}

/** Output length of a window op: valid = floor((n - kEff) / s) + 1, same = ceil(n / s). */
export function windowOutputLength(n: Dim, k: number, s: number, d: number, padding: Padding): Dim {
  if (n === null) return null;
  if (padding === 'same') return Math.floor((n - 1) / s) + 1;
  return Math.floor((n - effectiveKernel(k, d)) / s) + 1;
}

/** 'same' pads: total = max((out-1)*s + kEff - n, 0), the odd element at the end. */
export function samePads(n: number, k: number, s: number, d: number): [number, number] {
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + effectiveKernel(k, d) - n, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

export function windowPads(n: number, k: number, s: number, d: number, padding: Padding): [number, number] {
  return padding === 'same' ? samePads(n, k, s, d) : [0, 0];
}

/**
 * conv_transpose output length (keras backend_utils.compute_conv_transpose_output_shape):
 * valid: (n-1)*s + kEff + op, with op = max(kEff, s) - kEff when output_padding is None;
 * same: n*s when output_padding is None, else (n-1)*s + kEff%2 + op.
 */
export function convTransposeOutputLength(
  n: Dim,
  k: number,
  s: number,
  d: number,
  padding: Padding,
  outputPadding: number | null,
): Dim {
  if (n === null) return null;
  const kEff = effectiveKernel(k, d);
  if (padding === 'valid') {
    const op = outputPadding ?? Math.max(kEff, s) - kEff;
    return (n - 1) * s + kEff + op;
  }
  if (outputPadding === null) return n * s;
  return (n - 1) * s + (kEff % 2) + outputPadding;
}

/**
 * Where the output of conv_transpose starts inside the "full" scatter-add result of length
 * (n-1)*s + kEff (keras backend_utils._convert_conv_transpose_padding_args_from_keras_to_jax).
 */
export function convTransposeCrop(k: number, s: number, d: number, padding: Padding, outputPadding: number | null): number {
  const kEff = effectiveKernel(k, d);
  if (padding === 'valid') return 0;
  const padLen = outputPadding === null ? s + kEff - 2 : kEff + (kEff % 2) - 2 + outputPadding;
  const leftPad = Math.min(Math.floor(padLen / 2) + (padLen % 2), kEff - 1);
  return kEff - 1 - leftPad;
}

/** convTransposeCrop of each spatial dim of a kernel (*k, C_out, C_in), from conv_transpose's resolved attrs. */
export function convTransposeCrops(
  kernelShape: readonly number[],
  a: { strides: number[]; dilationRate: number[]; padding: Padding; outputPadding: (number | null)[] },
): number[] {
  return kernelShape.slice(0, -2).map((k, d) => convTransposeCrop(k, a.strides[d], a.dilationRate[d], a.padding, a.outputPadding[d]));
}

/** The channel dim and the spatial dims of a conv/pool shape in its data_format. */
export function splitChannels<D extends Dim>(shape: readonly D[], dataFormat: DataFormat) {
  const channelsAxis = dataFormat === 'channels_last' ? shape.length - 1 : 1;
  const spatial = dataFormat === 'channels_last' ? shape.slice(1, -1) : shape.slice(2);
  return { channels: shape[channelsAxis], spatial, channelsAxis };
}

/** Assembles a conv/pool shape in its data_format. */
export function joinChannels<D extends Dim>(batch: D, spatial: readonly D[], channels: D, dataFormat: DataFormat): D[] {
  return dataFormat === 'channels_last' ? [batch, ...spatial, channels] : [batch, channels, ...spatial];
}
