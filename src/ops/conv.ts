/**
 * Convolutions: conv, depthwise_conv, separable_conv, conv_transpose, as Keras 3.6 computes them on JAX
 * (keras/src/backend/jax/nn.py): 1-D to 3-D, either data_format, kernels always channels-last. What
 * later releases check besides (input channels, empty results, padding) is in each op's `changes`.
 */
import { formatNumpy, formatShape, formatValue } from '../format.js';
import type { Spec } from '../dtypes.js';
import { resultType, type DType } from '../dtypes.js';
import { KerasIndexError, KerasRuntimeError, KerasTypeError, KerasValueError } from '../errors.js';
import {
  checkPositive,
  checkRank,
  isInt,
  isPadding,
  lowerPadding,
  spatialTuple,
  standardizeDataFormat,
  type DataFormat,
  type Padding,
} from './args.js';
import { arg, defineOp, kwarg, tensor, type BehaviourChange, type CallArgs, type Mode } from './op.js';
import { convTransposeOutputLength, type Dim, joinChannels, splitChannels, windowOutputLength } from './shapes.js';

/** A conv's window as every conv kernel slides it over channels-last data. */
export interface ConvWindow {
  strides: number[];
  dilationRate: number[];
  padding: Padding;
}

/** What the conv, depthwise, separable and transposed conv kernels share. */
export interface WindowAttrs extends ConvWindow {
  dataFormat: DataFormat;
}

export interface ConvAttrs extends WindowAttrs {
  /** JAX's feature_group_count: input channels // kernel.shape[-2]. */
  groups: number;
}

export type DepthwiseConvAttrs = WindowAttrs;

export interface SeparableConvAttrs extends WindowAttrs {
  /** dtype of the depthwise result, which JAX then casts to the pointwise kernel's dtype. */
  depthwiseDtype: DType;
  /** Groups of the pointwise conv, inferred like conv's: (C_in*M) // pointwise_kernel.shape[-2]. */
  pointwiseGroups: number;
}

export interface ConvTransposeAttrs extends WindowAttrs {
  /** Per spatial dim, each >= 0; `null` lets Keras infer it (shapes.ts convTransposeOutputLength). */
  outputPadding: (number | null)[];
}

const SPATIAL_RANKS = [3, 4, 5];

type Transposed = 'transpose';

/**
 * Dilation: Keras's own message for a wrong length (ou:193-199), JAX's class otherwise. JAX treats
 * None as no dilation for conv, depthwise and separable (not for conv_transpose, whose padding
 * helper indexes it). `signed`: leave the sign to be checked later.
 */
function dilationTuple(value: unknown, n: number, input: Spec, allowNone: boolean, signed = false) {
  if (value === null && allowNone) return Array<number>(n).fill(1);
  if (Array.isArray(value) && value.length !== n) {
    throw new KerasValueError(
      "Dilation must be None, scalar or tuple/list of length of inputs' spatial shape, but received " +
        `\`dilation_rate=${formatValue(value)}\` and input of shape ${formatShape(input.shape)}.`,
    );
  }
  return spatialTuple(value, n, 'dilation_rate', signed ? null : KerasTypeError);
}

/**
 * An op's own checks: `channels`, Keras's own for conv and a reshape in JAX for depthwise (eagerly
 * before lax); `groups`, conv's filters against its groups (lax's shape rule); `first`, a check the
 * Keras version makes before any other of the tensors (its input channels, from 3.15); `badPadding`,
 * what an unknown padding raises where the version has its own message.
 */
interface OpChecks {
  channels: (dataFormat: DataFormat) => void;
  groups?: (dataFormat: DataFormat) => void;
  first?: (dataFormat: DataFormat) => void;
  badPadding?: (padding: string) => Error;
}

/**
 * The checks in Keras's order: data_format and padding.lower() in the op wrapper, then those of the
 * shape function (ou:183-233), the op's channels last; eagerly, the JAX backend's order (eagerWindow).
 * `filters` is what Keras's symbolic message shows as the kernel's last dim (conv_transpose has no
 * such message: it shows the kernel as received, as eager calls do).
 */
function resolveSpatial(
  v: Readonly<Record<string, unknown>>,
  input: Spec,
  kernel: Spec,
  mode: Mode,
  op: Transposed | { filters: Dim },
  channels: OpChecks,
  kernelName = 'kernel',
) {
  const dataFormat = standardizeDataFormat(v.data_format);
  const padding = lowerPadding(v.padding);
  checkRank(input, SPATIAL_RANKS, 'inputs');
  channels.first?.(dataFormat);
  const shownKernel =
    mode === 'symbolic' && op !== 'transpose'
      ? [...kernel.shape.slice(0, -2), splitChannels(input.shape, dataFormat).channels, op.filters]
      : kernel.shape;
  if (mode === 'eager') {
    const window = op === 'transpose' ? eagerTranspose : eagerWindow;
    const spatial = window({ v, input, kernel, padding, dataFormat, channels, kernelName });
    return { spatial, shownKernel };
  }
  checkKernelRank(input, kernel, shownKernel, mode);
  const n = input.shape.length - 2;
  const transpose = op === 'transpose';
  const strides = spatialTuple(v.strides, n, 'strides', transpose ? KerasTypeError : KerasValueError);
  const dilationRate = dilationTuple(v.dilation_rate, n, input, !transpose);
  if (!isPadding(padding)) throw channels.badPadding?.(padding) ?? symbolicPaddingError(padding);
  checkKernelSpatial(kernel, kernelName);
  channels.channels(dataFormat);
  channels.groups?.(dataFormat);
  const spatial: WindowAttrs = { strides, dilationRate, padding, dataFormat };
  return { spatial, shownKernel };
}

/** What a call's Keras version checks beyond Keras 3.6, from its op's `changes`. */
interface ConvRules {
  /** check_conv_input_channels or its conv_transpose twin, before any other check of the tensors. */
  inputChannels: boolean;
  /** The symbolic shape rejects a 'valid' output size of 0, not only a negative one. */
  zeroSizeSpec: boolean;
  /** What conv does with an empty result. */
  emptyResult: 'returns' | 'raises' | 'raisesUnlessEmptyInput';
}

const SEED_RULES: ConvRules = { inputChannels: false, zeroSizeSpec: false, emptyResult: 'returns' };

type Changed = (key: string) => boolean;

function emptyResultRule(changed: Changed): ConvRules['emptyResult'] {
  if (!changed('emptyOutput')) return 'returns';
  return changed('emptyInput') ? 'raisesUnlessEmptyInput' : 'raises';
}

/**
 * check_conv_input_channels (`at` -2) and check_conv_transpose_input_channels (`at` -1) of Keras 3.15
 * (bu:322-367): the kernel's input channels must equal the input's; it indexes the kernel's shape first.
 */
function checkInputChannels(input: Spec, kernel: Spec, dataFormat: DataFormat, at: -1 | -2): void {
  if (kernel.shape.length < -at) throw new KerasIndexError('tuple index out of range');
  const channels = channelsOf(input, dataFormat);
  const kernelIn = kernel.shape.at(at) ?? null;
  if (channels !== null && kernelIn !== null && channels !== kernelIn) {
    throw new KerasValueError(
      "The number of input channels must match the kernel's input channels. " +
        `Received: input channels=${channels}, kernel input channels=${kernelIn}, data_format='${dataFormat}'.`,
    );
  }
}

function symbolicPaddingError(padding: string): Error {
  return new KerasValueError(`\`padding\` must be either \`'valid'\` or \`'same'\`. Received ${padding}.`);
}

/** An eager window call as the JAX backend's checks read it. */
interface EagerCall {
  v: Readonly<Record<string, unknown>>;
  input: Spec;
  kernel: Spec;
  padding: string;
  dataFormat: DataFormat;
  channels: OpChecks;
  kernelName: string;
}

/**
 * Eager conv, depthwise and separable, in Keras-JAX's order: the op's channel check (Keras's own, or
 * depthwise's reshape), then lax.conv_general_dilated: the kernel's dims taken by index, the padding
 * name (XLA's RuntimeError, Keras's symbolic text), the strides as a sequence, the shape rule (ranks,
 * groups, lengths: ValueErrors), dilations > 0 (TypeError), strides > 0 and the window.
 */
function eagerWindow({ v, input, kernel, padding, dataFormat, channels, kernelName }: EagerCall): WindowAttrs {
  if (kernel.shape.length >= 2) channels.channels(dataFormat);
  if (kernel.shape.length < input.shape.length) checkKernelRank(input, kernel, kernel.shape, 'eager');
  if (!isPadding(padding)) {
    throw new KerasRuntimeError(`\`padding\` must be either \`'valid'\` or \`'same'\`. Received ${padding}.`);
  }
  const n = input.shape.length - 2;
  const strides = spatialTuple(v.strides, n, 'strides', null);
  checkKernelRank(input, kernel, kernel.shape, 'eager');
  channels.groups?.(dataFormat);
  const dilationRate = dilationTuple(v.dilation_rate, n, input, true, true);
  checkPositive(dilationRate, v.dilation_rate, 'dilation_rate', KerasTypeError);
  checkPositive(strides, v.strides, 'strides', KerasValueError);
  checkKernelSpatial(kernel, kernelName);
  return { strides, dilationRate, padding, dataFormat };
}

/**
 * Eager conv_transpose, in Keras-JAX's order: its padding helper reads strides[i], dilation_rate[i]
 * and the kernel's i-th dim per spatial dim and asserts the padding; then lax: ranks and channels
 * (ValueError), strides and dilations > 0 (TypeError), then the lengths.
 */
function eagerTranspose({ v, input, kernel, padding, dataFormat, channels, kernelName }: EagerCall): WindowAttrs {
  const n = input.shape.length - 2;
  // Keras-JAX's padding helper (bu:110-146) reads strides[i], then dilation_rate[i], dim by dim: the
  // first it cannot read is what Keras raises (a short strides tuple, or a dilation_rate of None).
  for (let i = 0; i < n; i++) {
    if (Array.isArray(v.strides) && v.strides.length <= i) {
      throw new KerasIndexError(
        `tuple index out of range (argument \`strides\` has ${v.strides.length} entries for ${n} spatial ` +
          `dimensions. Received: strides=${formatValue(v.strides)})`,
      );
    }
    if (!isInt(v.dilation_rate) && !Array.isArray(v.dilation_rate)) dilationTuple(v.dilation_rate, n, input, false, true);
  }
  if (kernel.shape.length < input.shape.length) checkKernelRank(input, kernel, kernel.shape, 'eager');
  // Without a version's own message, Keras's symbolic text: Keras 3.6's padding helper fails an empty assertion.
  if (!isPadding(padding)) throw channels.badPadding?.(padding) ?? symbolicPaddingError(padding);
  checkKernelRank(input, kernel, kernel.shape, 'eager');
  channels.channels(dataFormat);
  // lax dilates the input by the strides: both are dilations here, checked before any length.
  for (const name of ['strides', 'dilation_rate']) {
    const given = [v[name]].flat();
    if (given.every(isInt)) checkPositive(given as number[], v[name], name, KerasTypeError);
  }
  const strides = spatialTuple(v.strides, n, 'strides', KerasTypeError);
  const dilationRate = dilationTuple(v.dilation_rate, n, input, false);
  checkKernelSpatial(kernel, kernelName);
  return { strides, dilationRate, padding, dataFormat };
}

/**
 * Keras's symbolic message (ou:183-188) prints the kernel shape it rebuilt from the input's channels;
 * eagerly Keras leaves this to JAX, so the eager message shows the kernel as received.
 */
function checkKernelRank(input: Spec, kernel: Spec, kerasKernelShape: Dim[], mode: Mode) {
  if (kernel.shape.length !== input.shape.length) {
    throw new (shortKernelError(input, kernel, mode))(
      'Kernel shape must have the same length as input, but received kernel of shape ' +
        `${formatShape(kerasKernelShape)} and input of shape ${formatShape(input.shape)}.`,
    );
  }
}

/**
 * Eagerly, a kernel of lower rank than the input fails in Keras-JAX on an index past its dims (numpy's or
 * Python's IndexError) before any check; a higher rank meets JAX's ValueError.
 */
function shortKernelError(input: Spec, kernel: Spec, mode: Mode) {
  return mode === 'eager' && kernel.shape.length < input.shape.length ? KerasIndexError : KerasValueError;
}

/** JAX's verifier rejects an empty window ("expects window to have positive value"). */
function checkKernelSpatial(kernel: Spec, name: string) {
  if (kernel.shape.slice(0, -2).some((d) => d === 0)) {
    throw new KerasValueError(
      `Argument \`${name}\` must have non-empty spatial dimensions. Received: ${name}.shape=${formatShape(kernel.shape)}`,
    );
  }
}

/**
 * Spatial output sizes. A negative 'valid' size raises only symbolically (ou:219-226), from Keras 3.14
 * a size of 0 too (`rules.zeroSizeSpec`); eagerly JAX returns an empty dimension.
 */
function convSpatial(input: Spec, kernel: Spec, s: WindowAttrs, mode: Mode, kerasKernelShape: Dim[], rules = SEED_RULES): Dim[] {
  const { spatial } = splitChannels(input.shape, s.dataFormat);
  const sizes = spatial.map((n, i) => {
    const k = kernel.shape[i];
    if (k === null) return s.padding === 'same' ? windowOutputLength(n, 1, s.strides[i], 1, 'same') : null;
    return windowOutputLength(n, k, s.strides[i], s.dilationRate[i], s.padding);
  });
  const shown = `Received \`inputs shape=${formatShape(input.shape)}\`, \`kernel shape=${formatShape(kerasKernelShape)}\`, ` +
    `\`dilation_rate=${formatNumpy(s.dilationRate)}\``;
  if (mode === 'symbolic' && rules.zeroSizeSpec && s.padding === 'valid' && sizes.some((d) => d !== null && d <= 0)) {
    throw new KerasValueError(
      `Computed output size would be zero or negative. ${shown}, \`strides=${formatShape(s.strides)}\`, \`padding=${s.padding}\`.`,
    );
  }
  if (mode === 'symbolic' && sizes.some((d) => d !== null && d < 0)) {
    throw new KerasValueError(`Computed output size would be negative. ${shown}.`);
  }
  return sizes.map((d) => (d === null ? null : Math.max(d, 0)));
}

/**
 * Keras 3.13's conv raises on an empty result; from 3.14 only where its input is not empty too
 * (jax:764-773). Eager only: the symbolic shape has its own check (convSpatial).
 */
function checkEmptyResult(input: Spec, out: Dim[], mode: Mode, rules: ConvRules): void {
  const empty = (shape: Dim[]) => shape.some((d) => d === 0);
  if (mode !== 'eager' || rules.emptyResult === 'returns' || !empty(out)) return;
  if (rules.emptyResult === 'raisesUnlessEmptyInput' && empty(input.shape)) return;
  throw new KerasValueError(
    'The convolution operation resulted in an empty output. This can happen if the input is too small for the ' +
      'given kernel size, strides, dilation rate, and padding mode. Please check the input shape and convolution parameters.',
  );
}

const product = (a: Dim, b: Dim): Dim => (a === null || b === null ? null : a * b);

/** conv's channel check (jax:264-275): Keras's message when C_in is not a multiple of kernel.shape[-2]. */
function checkConvChannels(channels: Dim, kernel: Spec, name: string): void {
  const kernelIn = kernel.shape.at(-2) ?? null;
  if (channels === null || kernelIn === null) return;
  if (kernelIn === 0) {
    throw new KerasValueError(
      `Argument \`${name}\` must have in_channels (shape[-2]) > 0. Received: ${name}.shape=${formatShape(kernel.shape)}`,
    );
  }
  if (channels % kernelIn !== 0) {
    throw new KerasValueError(
      "The number of input channels must be evenly divisible by kernel's in_channels. " +
        `Received input channels ${channels} and kernel in_channels ${kernelIn}. `,
    );
  }
}

/** conv's groups, C_in // kernel.shape[-2], which must divide the filters (JAX's shape rule). */
function convGroups(channels: Dim, kernel: Spec, name: string): number {
  checkConvChannels(channels, kernel, name);
  const kernelIn = kernel.shape.at(-2) ?? null;
  const filters = kernel.shape.at(-1) ?? null;
  if (channels === null || kernelIn === null) return 1;
  const groups = channels / kernelIn;
  if (filters !== null && filters % groups !== 0) {
    throw new KerasValueError(
      `The number of output channels must be evenly divisible by the number of groups (input channels // ` +
        `kernel in_channels = ${channels} // ${kernelIn} = ${groups}). Received ${name}.shape=${formatShape(kernel.shape)}.`,
    );
  }
  return groups;
}

/** depthwise_conv reshapes the kernel to (*k, 1, C_in*M), so kernel.shape[-2] must be C_in (jax:316-322). */
function checkDepthwiseChannels(channels: Dim, kernel: Spec, name: string) {
  const kernelIn = kernel.shape.at(-2) ?? null;
  if (channels !== null && kernelIn !== null && channels !== kernelIn) {
    throw new KerasValueError(
      `Argument \`${name}\` must have shape[-2] equal to the number of input channels (${channels}). ` +
        `Received: ${name}.shape=${formatShape(kernel.shape)}`,
    );
  }
}

/**
 * The dtype a kernel computes in. conv casts the inputs to the kernel's dtype (jax:276-277);
 * depthwise and transposed conv call lax directly, which rejects mixed dtypes. A JavaScript array of
 * whole numbers infers int32, so there we promote instead (docs/deviations.md).
 */
function sameDtype(a: Spec, b: Spec): DType {
  return a.dtype === b.dtype ? a.dtype : resultType(a.dtype, b.dtype);
}

const channelsOf = (input: Spec, dataFormat: DataFormat) => splitChannels(input.shape, dataFormat).channels;

/** Keras 3.15 checks conv's input channels only in its symbolic shape, where groups then fail (#22853). */
function convRules({ mode, changed }: Pick<CallArgs<string, never>, 'mode' | 'changed'>): ConvRules {
  return {
    ...SEED_RULES,
    inputChannels: mode === 'symbolic' && changed('symbolicInputChannels'),
    zeroSizeSpec: changed('zeroSizeSpec'),
    emptyResult: emptyResultRule(changed),
  };
}

function depthwiseRules({ mode, changed }: Pick<CallArgs<string, never>, 'mode' | 'changed'>): ConvRules {
  const inputChannels = changed(mode === 'eager' ? 'inputChannels' : 'symbolicInputChannels');
  return { ...SEED_RULES, inputChannels, zeroSizeSpec: changed('zeroSizeSpec') };
}

function resolveConv(input: Spec, kernel: Spec, v: Readonly<Record<string, unknown>>, mode: Mode, rules: ConvRules) {
  const check: OpChecks = {
    channels: (df) => checkConvChannels(channelsOf(input, df), kernel, 'kernel'),
    groups: (df) => convGroups(channelsOf(input, df), kernel, 'kernel'),
    ...(rules.inputChannels ? { first: (df: DataFormat) => checkInputChannels(input, kernel, df, -2) } : {}),
  };
  const { spatial: s, shownKernel } = resolveSpatial(v, input, kernel, mode, { filters: kernel.shape.at(-1) ?? null }, check);
  const groups = convGroups(channelsOf(input, s.dataFormat), kernel, 'kernel');
  const spatial = convSpatial(input, kernel, s, mode, shownKernel, rules);
  const out = { shape: joinChannels(input.shape[0], spatial, kernel.shape.at(-1) ?? null, s.dataFormat), dtype: kernel.dtype };
  checkEmptyResult(input, out.shape, mode, rules);
  return { attrs: { ...s, groups }, out };
}

function resolveDepthwise(input: Spec, kernel: Spec, v: Readonly<Record<string, unknown>>, mode: Mode, rules: ConvRules, name = 'kernel') {
  const filters = product(kernel.shape.at(-1) ?? null, kernel.shape.at(-2) ?? null);
  const check: OpChecks = {
    channels: (df) => checkDepthwiseChannels(channelsOf(input, df), kernel, name),
    ...(rules.inputChannels ? { first: (df: DataFormat) => checkInputChannels(input, kernel, df, -2) } : {}),
  };
  const { spatial: s, shownKernel } = resolveSpatial(v, input, kernel, mode, { filters }, check, name);
  const spatial = convSpatial(input, kernel, s, mode, shownKernel, rules);
  return { attrs: s, out: { shape: joinChannels(input.shape[0], spatial, filters, s.dataFormat), dtype: sameDtype(input, kernel) } };
}

/**
 * conv_transpose's length per dim (shapes.ts, bu:190-212). An empty input is the one place where JAX
 * differs from Keras's formula: its dilated input then has length 0 instead of (n-1)*s + 1 = 1-s.
 */
function transposeLength(n: Dim, k: number, s: number, d: number, padding: Padding, op: number | null): Dim {
  const len = convTransposeOutputLength(n, k, s, d, padding, op);
  return n === 0 && len !== null ? Math.max(len + s - 1, 0) : len;
}

/**
 * output_padding: None, an int, or a tuple of ints or Nones, one per spatial dim. JAX also accepts a
 * negative value (it crops, or fails in XLA when it crops more than there is); we require >= 0.
 */
function outputPaddingTuple(value: unknown, n: number): (number | null)[] {
  const shown = formatValue(value);
  if (value === null) return Array<null>(n).fill(null);
  if (isInt(value) && value >= 0) return Array<number>(n).fill(value);
  if (isInt(value) || (Array.isArray(value) && value.some((p) => isInt(p) && p < 0))) {
    throw new KerasValueError(`Argument \`output_padding\` must be >= 0. Received: output_padding=${shown}`);
  }
  if (!Array.isArray(value) || !value.every((p) => p === null || isInt(p))) {
    throw new KerasTypeError(`Argument \`output_padding\` must be None, an int or a tuple of ${n} ints. Received: output_padding=${shown}`);
  }
  if (value.length !== n) {
    throw new KerasValueError(
      `Argument \`output_padding\` must be None, an int or a tuple of ${n} ints (one per spatial dimension). ` +
        `Received: output_padding=${shown}`,
    );
  }
  return value as (number | null)[];
}

function checkTransposeChannels(channels: Dim, kernel: Spec): void {
  const kernelIn = kernel.shape.at(-1) ?? null;
  if (channels !== null && kernelIn !== null && channels !== kernelIn) {
    throw new KerasValueError(
      `Argument \`kernel\` of conv_transpose must have shape[-1] (in_channels) equal to the number of input ` +
        `channels (${channels}). Received: kernel.shape=${formatShape(kernel.shape)}`,
    );
  }
}

/** Keras 3.14's padding helper (bu:18-23) and shape function (bu:275-280) share this message. */
function transposePaddingError(padding: string): Error {
  return new KerasValueError(`The \`padding\` argument must be one of 'valid', 'same'. Received: padding=${padding}`);
}

function resolveTranspose(input: Spec, kernel: Spec, v: Readonly<Record<string, unknown>>, mode: Mode, changed: Changed) {
  const check: OpChecks = {
    channels: (df) => checkTransposeChannels(channelsOf(input, df), kernel),
    ...(changed('inputChannels') ? { first: (df: DataFormat) => checkInputChannels(input, kernel, df, -1) } : {}),
    ...(changed('paddingMessage') ? { badPadding: transposePaddingError } : {}),
  };
  const s = resolveSpatial(v, input, kernel, mode, 'transpose', check).spatial;
  const outputPadding = outputPaddingTuple(v.output_padding, s.strides.length);
  const { spatial } = splitChannels(input.shape, s.dataFormat);
  const sizes = spatial.map((n, i) => {
    const k = kernel.shape[i];
    return k === null ? null : transposeLength(n, k, s.strides[i], s.dilationRate[i], s.padding, outputPadding[i]);
  });
  const shape = joinChannels(input.shape[0], sizes, kernel.shape.at(-2) ?? null, s.dataFormat);
  return { attrs: { ...s, outputPadding }, out: { shape, dtype: sameDtype(input, kernel) } };
}

/**
 * depthwise_conv, then conv with the pointwise kernel (stride 1, valid, the same dilation), whose
 * groups are inferred like conv's. Keras's symbolic spec keeps the depthwise spatial size and ignores
 * a pointwise kernel larger than 1; we give what the computation returns.
 */
function resolveSeparable(input: Spec, dw: Spec, pw: Spec, v: Readonly<Record<string, unknown>>, mode: Mode, rules: ConvRules) {
  const depthwise = resolveDepthwise(input, dw, v, mode, rules, 'depthwise_kernel');
  const mid = depthwise.out;
  const s = depthwise.attrs;
  if (pw.shape.length !== input.shape.length) {
    throw new (shortKernelError(input, pw, mode))(
      `Argument \`pointwise_kernel\` must have the same rank as inputs (${input.shape.length}). ` +
        `Received: pointwise_kernel.shape=${formatShape(pw.shape)}`,
    );
  }
  checkKernelSpatial(pw, 'pointwise_kernel');
  const { channels } = splitChannels(mid.shape, s.dataFormat);
  const pointwiseGroups = convGroups(channels, pw, 'pointwise_kernel');
  const pointwise: WindowAttrs = { ...s, strides: s.strides.map(() => 1), padding: 'valid' };
  const spatial = convSpatial(mid, pw, pointwise, 'eager', pw.shape);
  const out = { shape: joinChannels(input.shape[0], spatial, pw.shape.at(-1) ?? null, s.dataFormat), dtype: pw.dtype };
  checkEmptyResult(mid, out.shape, mode, rules);
  return { attrs: { ...s, depthwiseDtype: mid.dtype, pointwiseGroups }, out };
}

const INPUT_CHANNELS: BehaviourChange = {
  since: '3.15',
  pr: 'keras-team/keras#22687',
  what: "An eager call first requires kernel.shape[-2] to equal the input channels: \"The number of input channels must match the kernel's input channels\", where JAX's reshape failed.",
};
const ZERO_SIZE_SPEC: BehaviourChange = {
  since: '3.14',
  pr: 'keras-team/keras#22092',
  what: "ops.outputSpec rejects a 'valid' output size of 0 too, not only a negative one, in a message that also names strides and padding.",
};
const EMPTY_OUTPUT: BehaviourChange = {
  since: '3.13',
  pr: 'keras-team/keras#21796',
  what: 'An eager conv whose result is empty (a spatial size of 0, or no filters) raises a ValueError instead of returning it.',
};
const EMPTY_INPUT: BehaviourChange = {
  since: '3.14',
  pr: 'keras-team/keras#22564',
  what: 'An empty input (a batch of 0) gives its empty result again; only an empty result of a non-empty input raises.',
};
const INPUT_CHANNELS_SPEC: BehaviourChange = {
  since: '3.15',
  pr: 'keras-team/keras#22853',
  what: "ops.outputSpec first requires kernel.shape[-2] to equal the input channels: \"The number of input channels must match the kernel's input channels\".",
};

const WINDOW_KEYWORDS = [kwarg('strides', 1), kwarg('padding', 'valid'), kwarg('data_format', null), kwarg('dilation_rate', 1)];

export const conv = {
  conv: defineOp<ConvAttrs, 'inputs' | 'kernel'>({
    params: [tensor('inputs'), tensor('kernel'), ...WINDOW_KEYWORDS],
    changes: {
      emptyOutput: EMPTY_OUTPUT,
      emptyInput: EMPTY_INPUT,
      zeroSizeSpec: ZERO_SIZE_SPEC,
      symbolicInputChannels: { ...INPUT_CHANNELS_SPEC, what: `${INPUT_CHANNELS_SPEC.what} A grouped conv has no spec; eager calls still take groups.` },
    },
    outputs: 1,
    resolve: (a) => resolveConv(a.t.inputs, a.t.kernel, a.v, a.mode, convRules(a)),
  }),
  depthwise_conv: defineOp<DepthwiseConvAttrs, 'inputs' | 'kernel'>({
    params: [tensor('inputs'), tensor('kernel'), ...WINDOW_KEYWORDS],
    changes: { inputChannels: INPUT_CHANNELS, symbolicInputChannels: INPUT_CHANNELS_SPEC, zeroSizeSpec: ZERO_SIZE_SPEC },
    outputs: 1,
    resolve: (a) => resolveDepthwise(a.t.inputs, a.t.kernel, a.v, a.mode, depthwiseRules(a)),
  }),
  separable_conv: defineOp<SeparableConvAttrs, 'inputs' | 'depthwise_kernel' | 'pointwise_kernel'>({
    params: [tensor('inputs'), tensor('depthwise_kernel'), tensor('pointwise_kernel'), ...WINDOW_KEYWORDS],
    changes: {
      inputChannels: INPUT_CHANNELS,
      symbolicInputChannels: INPUT_CHANNELS_SPEC,
      zeroSizeSpec: ZERO_SIZE_SPEC,
      emptyOutput: { ...EMPTY_OUTPUT, what: `Its pointwise conv: ${EMPTY_OUTPUT.what}` },
      emptyInput: { ...EMPTY_INPUT, what: `Its pointwise conv: ${EMPTY_INPUT.what}` },
    },
    outputs: 1,
    resolve: (a) => {
      const rules = { ...depthwiseRules(a), emptyResult: emptyResultRule(a.changed) };
      return resolveSeparable(a.t.inputs, a.t.depthwise_kernel, a.t.pointwise_kernel, a.v, a.mode, rules);
    },
  }),
  conv_transpose: defineOp<ConvTransposeAttrs, 'inputs' | 'kernel'>({
    params: [
      tensor('inputs'),
      tensor('kernel'),
      { ...arg('strides'), later: [{ since: '3.11', pr: 'keras-team/keras#21334', required: false, default: 1 }] },
      kwarg('padding', 'valid'),
      kwarg('output_padding', null),
      kwarg('data_format', null),
      kwarg('dilation_rate', 1),
    ],
    changes: {
      paddingMessage: {
        since: '3.14',
        pr: 'keras-team/keras#22420',
        what: "An unknown padding raises ValueError \"The `padding` argument must be one of 'valid', 'same'\" instead of a bare AssertionError.",
      },
      inputChannels: {
        since: '3.15',
        pr: 'keras-team/keras#22861',
        what: "Eagerly and in ops.outputSpec, kernel.shape[-1] must equal the input channels, checked before anything else: \"The number of input channels must match the kernel's input channels\".",
      },
    },
    outputs: 1,
    resolve: ({ t, v, mode, changed }) => resolveTranspose(t.inputs, t.kernel, v, mode, changed),
  }),
};
