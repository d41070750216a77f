/**
 * Moving blocks of pixels between space and channels (Keras 3.12 on): unfold (im2col), fold (col2im),
 * depth_to_space and space_to_depth.
 *
 * Keras checks little itself: eager calls fail in Python or JAX inside keras/src/backend/jax/nn.py, so
 * each check below raises where and as that path does (class, and JAX's words where it has some);
 * `ops.outputSpec` predicts the eager result and adds Keras's symbolic checks (keras/src/ops/nn.py).
 */
import { formatShape, formatValue } from '../format.js';
import type { Spec } from '../dtypes.js';
import { KerasIndexError, KerasTypeError, KerasValueError, KerasZeroDivisionError } from '../errors.js';
import { isPythonInt, standardizeDataFormat, type DataFormat } from './args.js';
import { arg, defineOp, introduced, kwarg, tensor, type CallArgs, type Mode } from './op.js';
import { effectiveKernel, joinChannels, splitChannels, type Dim } from './shapes.js';

/** (height, width). */
export type Pair = [number, number];

export interface UnfoldAttrs {
  kernelSize: Pair;
  dilation: Pair;
  stride: Pair;
  /** The zeros jnp.pad puts on each side: none unless an entry of Keras's `padding` is above 0. */
  padding: Pair;
  /** Windows along each spatial dim; L = blocks[0] * blocks[1]. */
  blocks: Pair;
  /** Whether XLA adds each output from +0 (so -0 comes out +0): all but a 1x1 window at unit stride and dilation. */
  sumsFromZero: boolean;
}

export interface FoldAttrs {
  kernelSize: Pair;
  dilation: Pair;
  stride: Pair;
  /** Blocks along each spatial dim, as jnp.reshape made them of L (a negative count is inferred). */
  blocks: Pair;
  /** Where the output starts in the (padded) image conv_transpose fills: the crop of `padding`. */
  offset: Pair;
  /** As unfold's; the copy case also needs a single input channel (C * kH * kW = 1). */
  sumsFromZero: boolean;
}

export interface BlockAttrs {
  blockSize: number;
  dataFormat: DataFormat;
}

/** Python's name for the type of a value Keras received (a JS array stands for a tuple). */
function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'str';
  return Array.isArray(v) ? 'tuple' : 'dict';
}

/** The JAX backend's `_pair`: an int (a bool is one) for both dims, anything else as given. */
function pair(value: unknown): unknown {
  return isPythonInt(value) ? [Number(value), Number(value)] : value;
}

const intError = () => new KerasTypeError("'float' object cannot be interpreted as an integer");
/** Python's `//` on ints (never -0). */
const floorDiv = (a: number, b: number) => Math.floor(a / b) + 0;
const isUnit = (p: Pair) => p[0] === 1 && p[1] === 1;
const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** numpy's print of a reshape target: `(1,4,newaxis,2)`. */
const reshapeTarget = (dims: readonly number[]) => `(${dims.map((d) => (d < 0 ? 'newaxis' : d)).join(',')})`;

// ---------------------------------------------------------------------------------------------------
// unfold: jnp.pad, then lax.conv_general_dilated_patches (NCHW, 'VALID'), reshaped to (N, C*kH*kW, L).

/**
 * `if any(_ > 0 for _ in p)`: a padding with no entry above 0 is not applied, whatever its length or
 * sign; otherwise jnp.pad takes (p[0], p[0]) and (p[1], p[1]) and never reads the rest.
 */
function unfoldPadding(value: unknown): Pair {
  const p = iterable(value);
  if (!p.some(isAboveZero)) return [0, 0];
  if (p.length < 2) throw new KerasIndexError('tuple index out of range');
  const used = p.slice(0, 2);
  if (!used.every(isPythonInt)) throw new KerasTypeError('`pad_width` must be of integral type.');
  if (used.some((e) => Number(e) < 0)) throw new KerasValueError("index can't contain negative values");
  return used.map(Number) as Pair;
}

function isAboveZero(e: unknown): boolean {
  if (typeof e !== 'number' && typeof e !== 'boolean') {
    throw new KerasTypeError(`'>' not supported between instances of '${typeName(e)}' and 'int'`);
  }
  return Number(e) > 0;
}

/** What `_pair` gives for a window argument, as lax iterates it. */
function iterable(value: unknown): unknown[] {
  const p = pair(value);
  if (!Array.isArray(p)) throw new KerasTypeError(`'${typeName(value)}' object is not iterable`);
  return p;
}

/** conv_general_dilated_patches first matches its rank to the input's, then reshapes an identity kernel to (C*kH*kW, 1, kH, kW). */
function unfoldKernel(value: unknown): Pair {
  const k = iterable(value);
  if (k.length !== 2) throw new KerasTypeError(`convolution requires lhs and rhs ndim to be equal, got 4 and ${k.length + 2}.`);
  if (!k.every(isPythonInt)) throw new KerasTypeError(`Shapes must be 1D sequences of concrete values of integer type, got ${formatValue(k)}.`);
  const ints = k.map(Number) as Pair;
  if (ints.some((d) => d < 0)) throw new KerasTypeError(`reshape new_sizes must all be positive, got ${formatValue(ints)}.`);
  return ints;
}

function unfoldStride(value: unknown): Pair {
  const s = iterable(value);
  if (s.length !== 2) {
    throw new KerasValueError(`conv_general_dilated window and window_strides must have the same number of dimensions, but got 2 and ${s.length}`);
  }
  if (!s.every(isPythonInt)) throw intError();
  return s.map(Number) as Pair;
}

function unfoldDilation(value: unknown): Pair {
  const d = iterable(value);
  if (!d.every(isPythonInt)) throw intError();
  const ints = d.map(Number);
  if (ints.some((v) => v <= 0)) throw new KerasTypeError(`All dilations must be positive, got ${formatValue(ints)}.`);
  if (ints.length !== 2) {
    throw new KerasValueError(
      `Cannot lower jaxpr with verifier errors: expects window-dilation factors to have same dimension-size as size of window dimensions (2), but got: ${ints.length}.`,
    );
  }
  return ints as Pair;
}

/** What XLA's verifier rejects last, as the conv is lowered. */
function checkWindow(kernelSize: Pair, stride: Pair): void {
  const verifier = 'Cannot lower jaxpr with verifier errors: expects window to have positive';
  const k = kernelSize.findIndex((v) => v === 0);
  if (k >= 0) throw new KerasValueError(`${verifier} value for ${k}-th window dimension, but got 0.`);
  const s = stride.findIndex((v) => v <= 0);
  if (s >= 0) throw new KerasValueError(`${verifier} stride for ${s}-th window dimension, but got ${stride[s]}.`);
}

/** lax's VALID window count, never below 0. */
function windowCount(n: Dim, k: number, d: number, p: number, s: number): Dim {
  return n === null ? null : Math.max(floorDiv(n + 2 * p - effectiveKernel(k, d), s) + 1, 0);
}

function resolveUnfold({ t, v }: CallArgs<'x', never>) {
  const shape = t.x.shape;
  if (shape.length !== 4) throw new KerasValueError(`Input must be a 4D tensor. Received: input.shape=${formatShape(shape)}`);
  const padding = unfoldPadding(v.padding);
  const kernelSize = unfoldKernel(v.kernel_size);
  const [batch, channels, h, w] = shape;
  if (channels === 0) throw new KerasValueError('conv_general_dilated feature_group_count must be a positive integer, got 0.');
  const stride = unfoldStride(v.stride);
  const dilation = unfoldDilation(v.dilation);
  checkWindow(kernelSize, stride);
  const blocks = [h, w].map((n, i) => windowCount(n, kernelSize[i], dilation[i], padding[i], stride[i]));
  const taps = kernelSize[0] * kernelSize[1];
  const sumsFromZero = !(taps === 1 && isUnit(stride) && isUnit(dilation));
  const attrs: UnfoldAttrs = { kernelSize, dilation, stride, padding, blocks: blocks as Pair, sumsFromZero };
  const length = blocks.includes(0) ? 0 : blocks.includes(null) ? null : blocks[0]! * blocks[1]!;
  return { attrs, out: { shape: [batch, channels === null ? null : channels * taps, length], dtype: t.x.dtype } };
}

// ---------------------------------------------------------------------------------------------------
// fold: jnp.reshape to (N, C*kH*kW, nH, nW), then lax.conv_transpose (NCHW, 'VALID') with an identity
// kernel, cropped by the padding.

const FOLD_PAIRS = ['output_size', 'kernel_size', 'dilation', 'padding', 'stride'] as const;

/** `oH, oW = _pair(value)`. */
function unpackPair(value: unknown): unknown[] {
  const p = pair(value);
  if (!Array.isArray(p)) throw new KerasTypeError(`cannot unpack non-iterable ${typeName(value)} object`);
  if (p.length > 2) throw new KerasValueError('too many values to unpack (expected 2)');
  if (p.length < 2) throw new KerasValueError(`not enough values to unpack (expected 2, got ${p.length})`);
  return p;
}

function foldPairs(v: Readonly<Record<string, unknown>>): Record<(typeof FOLD_PAIRS)[number], Pair> {
  const unpacked = FOLD_PAIRS.map((name) => unpackPair(v[name]));
  // Python arithmetic on a float size fails later, in jnp.reshape or lax; a string sooner. Both TypeError.
  if (!unpacked.every((p) => p.every(isPythonInt))) throw intError();
  return Object.fromEntries(FOLD_PAIRS.map((name, i) => [name, unpacked[i].map(Number)])) as Record<(typeof FOLD_PAIRS)[number], Pair>;
}

/** Keras's symbolic check (Fold.compute_output_spec); eagerly the identity kernel's reshape fails instead. */
function checkSymbolicChannels(ckk: Dim, kernelSize: Pair, mode: Mode): void {
  const taps = kernelSize[0] * kernelSize[1];
  if (mode === 'eager' || ckk === null || taps === 0 || ckk % taps === 0) return;
  throw new KerasValueError(`The second dimension of the input (${ckk}) must be divisible by kernel_size product (${taps}).`);
}

/** jnp.reshape(x, (N, CKK, nH, nW)): numpy's rules, a negative count inferred from the size. */
function reshapeBlocks(shape: readonly Dim[], wanted: Pair): Dim[] {
  const [batch, ckk, length] = shape;
  const unknown = wanted.filter((d) => d < 0).length;
  if (unknown > 1) throw new KerasValueError('can only specify one unknown dimension');
  if (batch === null || ckk === null || length === null) return wanted.map((d) => (d < 0 ? null : d));
  const size = batch * ckk * length;
  const known = batch * ckk * product(wanted.filter((d) => d >= 0));
  const fits = unknown ? known !== 0 && size % known === 0 : known === size;
  if (!fits) throw new KerasValueError(`cannot reshape array of size ${size} into shape ${reshapeTarget([batch, ckk, ...wanted])}`);
  return wanted.map((d) => (d < 0 ? size / known : d));
}

/** jnp.eye(CKK).reshape(CKK, C, kH, kW): TypeError from the array method. */
function checkIdentityKernel(ckk: Dim, channels: number, kernelSize: Pair): void {
  if (ckk === null) return;
  const dims = [ckk, channels, ...kernelSize];
  if (dims.some((d) => d < 0)) throw new KerasTypeError(`reshape new_sizes must all be positive, got ${formatValue(dims)}.`);
  if (ckk * ckk !== product(dims)) {
    throw new KerasTypeError(
      `cannot reshape array of shape (${ckk}, ${ckk}) (size ${ckk * ckk}) into shape ${formatValue(dims)} (size ${product(dims)})`,
    );
  }
}

/** lax.conv_transpose takes the strides as its lhs dilation. */
function checkTransposeDilations(stride: Pair, dilation: Pair): void {
  for (const d of [stride, dilation]) {
    if (d.some((v) => v <= 0)) throw new KerasTypeError(`All dilations must be positive, got ${formatValue(d)}.`);
  }
}

/** Python's slice [start:stop] of a length-n dim: where it starts and how long it is. */
function pySlice(n: number, start: number, stop: number): Pair {
  const at = (i: number) => (i < 0 ? Math.max(i + n, 0) : Math.min(i, n));
  return [at(start), Math.max(at(stop) - at(start), 0)];
}

/**
 * conv_transpose 'VALID' fills nH*sH + max(kEff - sH, 0) rows (more than output_size where the windows
 * do not tile it); `output[:, :, pH : oH + 2pH - pH]` crops only when some padding is above 0.
 */
function foldExtent(blocks: Dim, i: number, p: Record<(typeof FOLD_PAIRS)[number], Pair>, crops: boolean): [number, Dim] {
  if (blocks === null) return [0, null];
  const s = p.stride[i];
  const full = blocks * s + Math.max(effectiveKernel(p.kernel_size[i], p.dilation[i]) - s, 0);
  return crops ? pySlice(full, p.padding[i], p.output_size[i] + p.padding[i]) : [0, full];
}

function resolveFold({ t, v, mode }: CallArgs<'x', never>) {
  const shape = t.x.shape;
  if (shape.length !== 3) throw new KerasValueError(`Input must be a 3D tensor. Received: input.shape=${formatShape(shape)}`);
  const p = foldPairs(v);
  const { kernel_size: kernelSize, stride } = p;
  const [batch, ckk] = shape;
  checkSymbolicChannels(ckk, kernelSize, mode);
  const taps = kernelSize[0] * kernelSize[1];
  if (taps === 0 || stride.includes(0)) throw new KerasZeroDivisionError('integer division or modulo by zero');
  const wanted = [0, 1].map((i) => floorDiv(p.output_size[i] + 2 * p.padding[i] - p.dilation[i] * (kernelSize[i] - 1) - 1, stride[i]) + 1);
  const blocks = reshapeBlocks(shape, wanted as Pair);
  const channels = ckk === null ? null : floorDiv(ckk, taps);
  if (channels !== null) checkIdentityKernel(ckk, channels, kernelSize);
  checkTransposeDilations(stride, p.dilation);
  const crops = p.padding.some((d) => d > 0);
  const [top, height] = foldExtent(blocks[0], 0, p, crops);
  const [left, width] = foldExtent(blocks[1], 1, p, crops);
  const sumsFromZero = !(taps === 1 && ckk === 1 && isUnit(stride) && isUnit(p.dilation));
  const attrs: FoldAttrs = { kernelSize, dilation: p.dilation, stride, blocks: blocks as Pair, offset: [top, left], sumsFromZero };
  return { attrs, out: { shape: [batch, channels, height, width], dtype: t.x.dtype } };
}

// ---------------------------------------------------------------------------------------------------
// depth_to_space and space_to_depth: jnp.reshape to rank 6, jnp.transpose, jnp.reshape.

type BlockOp = 'depth_to_space' | 'space_to_depth';

/** The wrapper's `block_size < 2`; Python compares bools and floats too, and nothing else with an int. */
function checkBlockSize(value: unknown): number {
  if (typeof value !== 'number' && typeof value !== 'boolean') {
    throw new KerasTypeError(`'<' not supported between instances of '${typeName(value)}' and 'int'`);
  }
  if (Number(value) < 2) throw new KerasValueError(`\`block_size\` must be at least 2. Received: block_size=${formatValue(value)}`);
  return Number(value);
}

/** Eagerly the backend unpacks `n, h, w, c = x.shape`; symbolically Keras checks with its own words. */
function checkRank4(op: BlockOp, x: Spec, mode: Mode): void {
  const rank = x.shape.length;
  if (rank === 4) return;
  if (mode === 'symbolic') throw new KerasValueError(`\`${op}\` requires a 4D input tensor. Received: x.shape=${formatShape(x.shape)}`);
  throw new KerasValueError(rank < 4 ? `not enough values to unpack (expected 4, got ${rank})` : 'too many values to unpack (expected 4)');
}

/** The rank-6 view jnp.reshape makes: it fails unless the sizes agree (an empty input always does). */
function checkView(x: Spec, view: Dim[]): void {
  if (x.shape.includes(null)) return;
  const size = product(x.shape as number[]);
  if (size !== product(view as number[])) throw new KerasValueError(`cannot reshape array of size ${size} into shape ${reshapeTarget(view as number[])}`);
}

interface BlockCall {
  x: Spec;
  bs: number;
  dataFormat: DataFormat;
  batch: Dim;
  channels: Dim;
  h: Dim;
  w: Dim;
}

/** The wrapper's checks, in its order, then the backend's unpacking of the shape. */
function blockCall(op: BlockOp, { t, v, mode }: CallArgs<'x', never>): BlockCall {
  const dataFormat = standardizeDataFormat(v.data_format);
  const bs = checkBlockSize(v.block_size);
  checkRank4(op, t.x, mode);
  // A float passes `block_size < 2` and fails in jnp.reshape.
  if (!Number.isInteger(bs)) throw intError();
  const { channels, spatial } = splitChannels(t.x.shape, dataFormat);
  return { x: t.x, bs, dataFormat, batch: t.x.shape[0], channels, h: spatial[0], w: spatial[1] };
}

const times = (d: Dim, k: number): Dim => (d === null ? null : d * k);
const over = (d: Dim, k: number): Dim => (d === null ? null : floorDiv(d, k));

function resolveDepthToSpace(args: CallArgs<'x', never>) {
  const { x, bs, dataFormat, batch, channels, h, w } = blockCall('depth_to_space', args);
  const square = bs * bs;
  if (args.mode === 'symbolic' && channels !== null && channels % square !== 0) {
    throw new KerasValueError(`The number of channels (${channels}) must be divisible by block_size**2 (${square}).`);
  }
  const depth = over(channels, square);
  if (args.mode === 'eager') {
    checkView(x, dataFormat === 'channels_last' ? [batch, h, w, bs, bs, depth] : [batch, depth, bs, bs, h, w]);
  }
  const shape = joinChannels(batch, [times(h, bs), times(w, bs)], depth, dataFormat);
  return { attrs: { blockSize: bs, dataFormat }, out: { shape, dtype: x.dtype } };
}

function resolveSpaceToDepth(args: CallArgs<'x', never>) {
  const { x, bs, dataFormat, batch, channels, h, w } = blockCall('space_to_depth', args);
  if (args.mode === 'symbolic') {
    if (h !== null && h % bs !== 0) throw new KerasValueError(`Height (${h}) must be divisible by block_size (${bs}).`);
    if (w !== null && w % bs !== 0) throw new KerasValueError(`Width (${w}) must be divisible by block_size (${bs}).`);
  }
  const [rows, cols] = [over(h, bs), over(w, bs)];
  if (args.mode === 'eager') {
    checkView(x, dataFormat === 'channels_last' ? [batch, rows, bs, cols, bs, channels] : [batch, channels, rows, bs, cols, bs]);
  }
  const shape = joinChannels(batch, [rows, cols], times(channels, bs * bs), dataFormat);
  return { attrs: { blockSize: bs, dataFormat }, out: { shape, dtype: x.dtype } };
}

const windowParams = [kwarg('dilation', 1), kwarg('padding', 0), kwarg('stride', 1)];
const blockParams = [tensor('x'), arg('block_size'), kwarg('data_format', 'channels_last')];

export const patches = {
  // keras-team/keras#21685
  unfold: introduced(
    '3.12',
    defineOp<UnfoldAttrs, 'x'>({ params: [tensor('x'), arg('kernel_size'), ...windowParams], outputs: 1, resolve: resolveUnfold }),
  ),
  // keras-team/keras#22283
  fold: introduced(
    '3.14',
    defineOp<FoldAttrs, 'x'>({
      params: [tensor('x'), arg('output_size'), arg('kernel_size'), ...windowParams],
      outputs: 1,
      resolve: resolveFold,
    }),
  ),
  // keras-team/keras#22112
  depth_to_space: introduced('3.14', defineOp<BlockAttrs, 'x'>({ params: blockParams, outputs: 1, resolve: resolveDepthToSpace })),
  // keras-team/keras#22112
  space_to_depth: introduced('3.14', defineOp<BlockAttrs, 'x'>({ params: blockParams, outputs: 1, resolve: resolveSpaceToDepth })),
};
