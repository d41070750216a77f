/**
 * Fuzz generators of the patches family (src/ops/patches.ts): unfold and fold with int or tuple windows,
 * dilations, paddings and strides (each left out now and then), fold's output sizes that the windows do
 * not tile, depth_to_space and space_to_depth in both layouts and any letter case; float32 with special
 * values, int32 and bool; empty batches; and the argument sets Keras rejects.
 *
 * Kept out of fold's valid calls: values whose float32 sums overflow (3e38: Keras-JAX's float32 sum
 * gives inf where the reference's float64 one does not, docs/deviations.md), and negative block counts
 * (jnp.reshape infers them from L, an accident the golden cases pin).
 */
import * as fc from 'fast-check';
import type { DType } from '../../dtypes.js';
import type { GoldenValue } from '../../golden/cases.js';
import type { GoldenTensor } from '../../golden/safetensors.js';
import type { patches } from '../../ops/patches.js';
import { callOf, floats, SPECIAL_FLOATS, type FuzzCall, type OpGenerators } from '../call.js';
import { boolTensorArb, dtypeArb, floatTensorArb, intTensorArb } from './draws.js';
import { type Fault, type FaultSet, invalidCalls } from './faults.js';
import { boundTolerance, caseVariants, gamma, maxAbsFinite, spatialParamArb, SUM_SPECIALS, type SpatialParam } from './forms.js';

type PatchesOp = keyof typeof patches;
type Values = Record<string, GoldenValue | undefined>;

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const pick = <T>(xs: readonly T[], seed: number): T => xs[seed % xs.length];
const tensorOf = (v: Values, name = 'x') => v[name] as GoldenTensor;
const batchArb = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 2 }), weight: 15 }, { arbitrary: fc.constant(0), weight: 1 });

/** A tensor of `dtype`: float32 with `specials` now and then, int32 of either range, or bool. */
function inputArb(shape: number[], dtype: DType, specials: readonly number[], intRanges: [number, number][]): fc.Arbitrary<GoldenTensor> {
  if (dtype === 'bool') return boolTensorArb(shape);
  if (dtype === 'int32') return intTensorArb(shape, intRanges);
  return floatTensorArb(shape, { scales: [1, 100], specials });
}

// ---------------------------------------------------------------------------------------------- unfold

interface UnfoldDraw {
  shape: number[];
  kernel: SpatialParam;
  dilation: SpatialParam;
  padding: SpatialParam;
  stride: SpatialParam;
}

/** Paddings JAX applies (every entry at least 0) and ones it ignores (none above 0). */
const paddingArb = fc.oneof(
  { arbitrary: spatialParamArb(2, fc.integer({ min: 0, max: 2 }), 0), weight: 5 },
  { arbitrary: spatialParamArb(2, fc.integer({ min: -2, max: 0 })), weight: 1 },
);

const unfoldDrawArb: fc.Arbitrary<UnfoldDraw> = fc
  .record({
    shape: fc.tuple(batchArb, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 })).map((t) => [...t]),
    kernel: spatialParamArb(2, fc.integer({ min: 1, max: 4 })),
    dilation: spatialParamArb(2, fc.integer({ min: 1, max: 3 }), 1),
    padding: paddingArb,
    stride: spatialParamArb(2, fc.integer({ min: 1, max: 3 }), 1),
  })
  .filter((d) => sizeOf(d.shape) * sizeOf(d.kernel.values) <= 20000);

const unfoldValues = (d: UnfoldDraw, x: GoldenTensor): Values => ({
  x,
  kernel_size: d.kernel.arg,
  dilation: d.dilation.arg,
  padding: d.padding.arg,
  stride: d.stride.arg,
});

/** Every output is a copy of an input (or NaN, or a pad's 0): any special value, no tolerance. */
const unfoldValid: fc.Arbitrary<FuzzCall> = fc
  .tuple(unfoldDrawArb, dtypeArb(['float32', 'int32', 'bool']))
  .chain(([d, dtype]) => inputArb(d.shape, dtype, SPECIAL_FLOATS, [[-9, 10], [-(2 ** 31), 2 ** 31 - 1]]).map((x) => callOf('unfold', unfoldValues(d, x))));

/**
 * What Keras-JAX rejects, each in the class it raises: an input of rank 3 or 5 (Keras's words), a
 * window of 0 (XLA's verifier) or below (a reshape), of the wrong length; a stride of 0 or below, or of
 * the wrong length; a dilation of 0 or below; a padding with entries above and below 0, too short to
 * read (p[1]), or a float; no channels.
 */
function unfoldFaults(): FaultSet<Values> {
  const base = unfoldDrawArb.filter((d) => d.shape[0] > 0).chain((d) => floatTensorArb(d.shape).map((x) => unfoldValues(d, x)));
  const shape = (v: Values) => tensorOf(v).shape;
  const faults: Record<string, Fault<Values>> = {
    kernel_size_nonpositive: (v, seed) => ({ ...v, kernel_size: pick([0, -1, [2, 0]], seed) }),
    kernel_size_length: (v, seed) => ({ ...v, kernel_size: pick([[2, 2, 2], [2]], seed) }),
    stride_nonpositive: (v, seed) => ({ ...v, stride: pick([0, [1, -1]], seed) }),
    stride_length: (v) => ({ ...v, stride: [1, 1, 1] }),
    dilation_nonpositive: (v, seed) => ({ ...v, dilation: pick([0, -1, [1, 0]], seed) }),
    padding_mixed: (v) => ({ ...v, padding: [-1, 1] }),
    padding_short: (v) => ({ ...v, padding: [1] }),
    padding_float: (v) => ({ ...v, padding: 1.5 }),
    rank: (v, seed) => ({ ...v, x: floats(seed % 2 ? shape(v).slice(1) : [1, ...shape(v)], seed) }),
    no_channels: (v, seed) => ({ ...v, x: floats([1, 0, ...shape(v).slice(2)], seed) }),
  };
  return {
    base,
    faults,
    call: (v) => callOf('unfold', v),
    apart: [
      ['kernel_size_nonpositive', 'kernel_size_length'],
      ['stride_nonpositive', 'stride_length'],
      ['padding_mixed', 'padding_short'],
      ['padding_mixed', 'padding_float'],
      ['padding_short', 'padding_float'],
      ['rank', 'no_channels'],
    ],
  };
}

// ------------------------------------------------------------------------------------------------ fold

interface FoldDraw {
  channels: number;
  batch: number;
  blocks: number[];
  kernel: SpatialParam;
  dilation: SpatialParam;
  padding: SpatialParam;
  stride: SpatialParam;
  /** Cells past the last window, fewer than a stride: output sizes the windows do not tile. */
  rest: number[];
}

const foldDrawArb: fc.Arbitrary<FoldDraw> = fc
  .record({
    channels: fc.integer({ min: 1, max: 3 }),
    batch: batchArb,
    blocks: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 2, maxLength: 2 }),
    kernel: spatialParamArb(2, fc.integer({ min: 1, max: 4 })),
    dilation: spatialParamArb(2, fc.integer({ min: 1, max: 2 }), 1),
    padding: spatialParamArb(2, fc.integer({ min: 0, max: 2 }), 0),
    stride: spatialParamArb(2, fc.integer({ min: 1, max: 3 }), 1),
    rest: fc.array(fc.nat({ max: 2 }), { minLength: 2, maxLength: 2 }),
  })
  .map((d) => ({ ...d, rest: d.rest.map((r, i) => r % d.stride.values[i]) }))
  .filter((d) => outputSize(d).every((o) => o >= 1));

/** The output_size whose window count is `blocks`: (n - 1) * s + kEff - 2p, plus the rest. */
function outputSize(d: FoldDraw): number[] {
  return d.blocks.map((n, i) => {
    const kEff = (d.kernel.values[i] - 1) * d.dilation.values[i] + 1;
    return (n - 1) * d.stride.values[i] + kEff - 2 * d.padding.values[i] + d.rest[i];
  });
}

const foldShape = (d: FoldDraw) => [d.batch, d.channels * sizeOf(d.kernel.values), sizeOf(d.blocks)];

/** output_size as an int where both are equal, now and then. */
function foldValues(d: FoldDraw, x: GoldenTensor): Values {
  const size = outputSize(d);
  return {
    x,
    output_size: size[0] === size[1] && d.rest[0] % 2 === 0 ? size[0] : size,
    kernel_size: d.kernel.arg,
    dilation: d.dilation.arg,
    padding: d.padding.arg,
    stride: d.stride.arg,
  };
}

/**
 * An output adds the M <= kH*kW values whose windows cover it, in float32 in XLA's order and in a
 * backend's: each off by at most gamma_M * M * max|x|.
 */
function foldTolerance(d: FoldDraw, x: GoldenTensor) {
  const m = sizeOf(d.kernel.values);
  if (x.dtype !== 'float32' || m < 2) return undefined;
  const a = maxAbsFinite(x);
  return boundTolerance(gamma(m) * m * a, 0, `fold: sums of at most M=${m} overlapping values, |error| <= gamma_M * M * max|x| (${a.toPrecision(3)})`);
}

const foldValid: fc.Arbitrary<FuzzCall> = fc
  .tuple(foldDrawArb, dtypeArb(['float32', 'int32', 'bool']))
  .chain(([d, dtype]) =>
    inputArb(foldShape(d), dtype, SUM_SPECIALS, [[-9, 10], [-1e6, 1e6]]).map((x) => callOf('fold', foldValues(d, x), foldTolerance(d, x))),
  );

/**
 * What Keras-JAX rejects: an input of rank 2 or 4 (Keras's words); output_size or padding of the wrong
 * length, or None (Python's unpacking); a window or stride with a 0 (Python's `//`); an L or a C*kH*kW
 * that does not fit (jnp.reshape); a dilation of 0 (jnp.reshape or lax).
 */
function foldFaults(): FaultSet<Values> {
  // With one tap any channel count fits, so channels_mismatch needs two.
  const base = foldDrawArb
    .filter((d) => d.batch > 0 && sizeOf(d.kernel.values) > 1)
    .chain((d) => floatTensorArb(foldShape(d)).map((x) => foldValues(d, x)));
  const shape = (v: Values) => tensorOf(v).shape;
  const faults: Record<string, Fault<Values>> = {
    output_size_length: (v, seed) => ({ ...v, output_size: pick([[3, 3, 3], [3]], seed) }),
    output_size_none: (v) => ({ ...v, output_size: null }),
    padding_length: (v) => ({ ...v, padding: [1] }),
    kernel_size_zero: (v, seed) => ({ ...v, kernel_size: pick([0, [2, 0]], seed) }),
    stride_zero: (v, seed) => ({ ...v, stride: pick([0, [0, 1]], seed) }),
    dilation_zero: (v) => ({ ...v, dilation: 0 }),
    rank: (v, seed) => ({ ...v, x: floats(seed % 2 ? shape(v).slice(1) : [1, ...shape(v)], seed) }),
    blocks_mismatch: (v, seed) => ({ ...v, x: floats([shape(v)[0], shape(v)[1], shape(v)[2] + 1], seed) }),
    channels_mismatch: (v, seed) => ({ ...v, x: floats([shape(v)[0], shape(v)[1] + 1, shape(v)[2]], seed) }),
  };
  return {
    base,
    faults,
    call: (v) => callOf('fold', v),
    apart: [
      ['output_size_length', 'output_size_none'],
      ['rank', 'blocks_mismatch'],
      ['rank', 'channels_mismatch'],
      ['blocks_mismatch', 'channels_mismatch'],
    ],
  };
}

// -------------------------------------------------------------------------------- depth_to_space, space_to_depth

interface BlockDraw {
  batch: number;
  /** depth_to_space's input spatial size, space_to_depth's output one. */
  spatial: number[];
  channels: number;
  blockSize: number;
  layout: 'channels_last' | 'channels_first';
  dataFormat: string | null | undefined;
}

const blockDrawArb: fc.Arbitrary<BlockDraw> = fc
  .record({
    batch: batchArb,
    spatial: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 2 }),
    channels: fc.integer({ min: 1, max: 3 }),
    blockSize: fc.integer({ min: 2, max: 4 }),
    layout: fc.constantFrom<BlockDraw['layout']>('channels_last', 'channels_first'),
    spelling: fc.nat({ max: 5 }),
  })
  .map(({ spelling, ...d }) => ({ ...d, dataFormat: spelled(d.layout, spelling) }));

/** data_format as sent: left out or None (channels_last both), or the layout in some letter case. */
function spelled(layout: BlockDraw['layout'], spelling: number): string | null | undefined {
  if (layout === 'channels_last' && spelling < 2) return spelling ? null : undefined;
  return pick(caseVariants(layout), spelling);
}

/** The input: (N, H, W, C*b*b) for depth_to_space, (N, H*b, W*b, C) for space_to_depth, or channels-first. */
function blockShape(op: 'depth_to_space' | 'space_to_depth', d: BlockDraw): number[] {
  const b = d.blockSize;
  const [spatial, channels] = op === 'depth_to_space' ? [d.spatial, d.channels * b * b] : [d.spatial.map((n) => n * b), d.channels];
  return d.layout === 'channels_last' ? [d.batch, ...spatial, channels] : [d.batch, channels, ...spatial];
}

const blockValues = (d: BlockDraw, x: GoldenTensor): Values => ({ x, block_size: d.blockSize, data_format: d.dataFormat });

function blockValid(op: 'depth_to_space' | 'space_to_depth'): fc.Arbitrary<FuzzCall> {
  return fc
    .tuple(blockDrawArb, dtypeArb(['float32', 'int32', 'bool']))
    .chain(([d, dtype]) => inputArb(blockShape(op, d), dtype, SPECIAL_FLOATS, [[-9, 10], [-(2 ** 31), 2 ** 31 - 1]]).map((x) => callOf(op, blockValues(d, x))));
}

/**
 * What Keras-JAX rejects: a data_format it does not know, a block_size below 2 (both Keras's words), a
 * float or None block_size; an input of rank 3 or 5 (Python's unpacking); channels (depth_to_space) or a
 * height or width (space_to_depth) the block does not divide (jnp.reshape).
 */
function blockFaults(op: 'depth_to_space' | 'space_to_depth'): FaultSet<Values> {
  const base = blockDrawArb.filter((d) => d.batch > 0).chain((d) => floatTensorArb(blockShape(op, d)).map((x) => blockValues(d, x)));
  const shape = (v: Values) => tensorOf(v).shape;
  const spoilt = (v: Values, seed: number) => {
    const s = [...shape(v)];
    const first = String(v.data_format).toLowerCase() === 'channels_first';
    const axis = op === 'depth_to_space' ? (first ? 1 : 3) : first ? 2 + (seed % 2) : 1 + (seed % 2);
    s[axis] += 1;
    return floats(s, seed);
  };
  const faults: Record<string, Fault<Values>> = {
    data_format: (v, seed) => ({ ...v, data_format: pick(['channels_middle', 'NHWC'], seed) }),
    block_size_small: (v, seed) => ({ ...v, block_size: pick([1, 0, -2], seed) }),
    block_size_type: (v, seed) => ({ ...v, block_size: pick([2.5, null], seed) }),
    rank: (v, seed) => ({ ...v, x: floats(seed % 2 ? shape(v).slice(1) : [1, ...shape(v)], seed) }),
    indivisible: (v, seed) => ({ ...v, x: spoilt(v, seed) }),
  };
  return {
    base,
    faults,
    call: (v) => callOf(op, v),
    apart: [['block_size_small', 'block_size_type'], ['rank', 'indivisible']],
  };
}

export const patchesFaults = {
  unfold: unfoldFaults(),
  fold: foldFaults(),
  depth_to_space: blockFaults('depth_to_space'),
  space_to_depth: blockFaults('space_to_depth'),
};

export const patchesGenerators = {
  unfold: { valid: unfoldValid, invalid: invalidCalls(patchesFaults.unfold) },
  fold: { valid: foldValid, invalid: invalidCalls(patchesFaults.fold) },
  depth_to_space: { valid: blockValid('depth_to_space'), invalid: invalidCalls(patchesFaults.depth_to_space) },
  space_to_depth: { valid: blockValid('space_to_depth'), invalid: invalidCalls(patchesFaults.space_to_depth) },
} satisfies Record<PatchesOp, OpGenerators>;
