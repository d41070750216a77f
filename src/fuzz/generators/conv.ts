/**
 * Generators for conv, depthwise_conv, separable_conv and conv_transpose: 1-D to 3-D, both layouts,
 * kernels odd and even, strides and dilations (together too), groups, depthwise multipliers, pointwise
 * kernels grouped or wider than 1, output_padding, the dtype pairs JAX accepts, special values; and the
 * argument sets Keras rejects.
 *
 * Kept out of the valid sets, where keras-parity differs on purpose (docs/deviations.md): mixed dtypes
 * for depthwise, separable and transposed conv; values whose float32 sums overflow (3e38); ranks
 * other than 3 to 5; 'same_lower' padding; negative output_padding; 'valid' sizes that would be
 * negative (Keras raises only symbolically, and `ops.outputSpec` follows it).
 */
import * as fc from 'fast-check';
import type { DType } from '../../dtypes.js';
import type { GoldenValue, ToleranceWithReason } from '../../golden/cases.js';
import { GoldenTensor } from '../../golden/safetensors.js';
import { callOf, floats, type FuzzCall, type OpGenerators } from '../call.js';
import { type FaultSet, invalidCalls } from './faults.js';
import {
  boundTolerance,
  caseVariants,
  dataFormatArb,
  eighths,
  gamma,
  groupIds,
  groupSums,
  layoutShape,
  maxAbsFinite,
  maxOf,
  numeric,
  sizeOf,
  seedArb,
  spatialParamArb,
  withSpecials,
  SUM_SPECIALS,
  type Layout,
  type SpatialParam,
} from './forms.js';

type ConvOp = 'conv' | 'depthwise_conv' | 'separable_conv' | 'conv_transpose';

/** Per rank: largest kernel, extra input length, stride and dilation; 3-D stays tiny. */
const LIMITS: Record<number, { k: number; n: number; s: number; d: number }> = {
  1: { k: 5, n: 9, s: 3, d: 3 },
  2: { k: 3, n: 5, s: 3, d: 2 },
  3: { k: 2, n: 3, s: 2, d: 2 },
};

/** The big draws' limits: longer inputs and kernels, so that sums run long. */
const BIG_LIMITS: Record<number, { k: number; n: number; s: number; d: number }> = {
  1: { k: 7, n: 40, s: 3, d: 3 },
  2: { k: 4, n: 14, s: 2, d: 2 },
  3: { k: 3, n: 5, s: 2, d: 2 },
};

/** One draw in ten is big: up to 8 channels per group and long inputs, where float32 rounding shows. */
const bigArb = fc.integer({ min: 0, max: 9 }).map((v) => v === 0);
const channelsArb = (big: boolean) => fc.integer({ min: 1, max: big ? 8 : 3 });

const effective = (k: number, d: number) => (k - 1) * d + 1;

interface ConvDraw {
  rank: number;
  kernel: number[];
  strides: SpatialParam;
  dilation: SpatialParam;
  padding: { same: boolean; arg: string | undefined };
  /** Input spatial sizes: 'valid' ones never below the dilated kernel, so no size is negative. */
  sizes: number[];
  layout: Layout;
  dataFormat: GoldenValue | undefined;
  batch: number;
}

const paddingArb = fc.oneof(
  fc.constant({ same: false, arg: undefined }),
  fc.constantFrom(...caseVariants('valid')).map((arg) => ({ same: false, arg })),
  fc.constantFrom('same', 'same', ...caseVariants('same')).map((arg) => ({ same: true, arg })),
);

/** conv, depthwise and separable take dilation_rate=None as no dilation (conv_transpose does not). */
function dilationArb(rank: number, allowNone: boolean): fc.Arbitrary<SpatialParam> {
  const dilated = spatialParamArb(rank, fc.constantFrom(1, 1, 2, LIMITS[rank].d), 1);
  if (!allowNone) return dilated;
  return fc.oneof({ arbitrary: dilated, weight: 6 }, { arbitrary: fc.constant({ values: Array<number>(rank).fill(1), arg: null }), weight: 1 });
}

function geometryArb(transpose: boolean, big: boolean): fc.Arbitrary<ConvDraw> {
  return fc.integer({ min: 1, max: 3 }).chain((rank) => {
    const L = (big ? BIG_LIMITS : LIMITS)[rank];
    const perDim = (max: number, min = 1) => fc.array(fc.integer({ min, max }), { minLength: rank, maxLength: rank });
    return fc
      .record({
        kernel: perDim(L.k),
        // conv_transpose's strides too may be left out: 3.11 defaults it to 1, and forKeras passes the 1
        // to a Keras that requires it.
        strides: spatialParamArb(rank, fc.integer({ min: 1, max: L.s }), 1),
        dilation: dilationArb(rank, !transpose),
        padding: paddingArb,
        extra: perDim(L.n, 0),
        format: dataFormatArb,
        batch: fc.integer({ min: 1, max: 2 }),
      })
      .map(({ extra, format, ...g }) => {
        const sizes = extra.map((e, i) =>
          transpose || g.padding.same ? e + 1 : effective(g.kernel[i], g.dilation.values[i]) + e,
        );
        return { ...g, rank, sizes, layout: format.layout, dataFormat: format.arg };
      });
  });
}

/** The keywords every conv op shares; `undefined` ones are left out. */
function windowKwargs(g: ConvDraw) {
  return { padding: g.padding.arg, data_format: g.dataFormat, dilation_rate: g.dilation.arg };
}

/** How the operands are typed: input, kernel (and pointwise kernel); only pairs JAX runs without deviating. */
interface Values {
  dtypes: readonly DType[];
  seed: number;
  scale: number;
  /** Fraction of the input's elements made NaN, +-inf, +-0 or subnormal (float operands only). */
  specials: number;
}

function valuesArb(pairs: readonly (readonly DType[])[]): fc.Arbitrary<Values> {
  return fc.record({
    dtypes: fc.constantFrom(...pairs),
    seed: seedArb,
    scale: fc.constantFrom(1, 1, 0.05, 20),
    specials: fc.constantFrom(0, 0, 0, 0.05, 0.3),
  });
}

const allFloat = (dtypes: readonly DType[]) => dtypes.every((d) => d === 'float32');

/** The input, with specials only where every operand is float: casting NaN or inf to int32 is undefined. */
function input(shape: number[], v: Values): GoldenTensor {
  const x = numeric(shape, v.dtypes[0], v.seed, v.scale, 50);
  return v.specials > 0 && allFloat(v.dtypes) ? withSpecials(x, v.seed, v.specials, SUM_SPECIALS) : x;
}

const kernelOf = (shape: number[], dtype: DType, seed: number) => numeric(shape, dtype, seed, 1, 5);

/** max over the groups kept by `keep` (axes of `t`) of the sum of |t| over the other axes. */
function maxL1(t: GoldenTensor, keep: number[]): number {
  const axes = t.shape.map((_, i) => i).filter((i) => !keep.includes(i));
  return maxOf(groupSums(groupIds(t.shape, axes), (i) => Math.abs(t.data[i])));
}

/**
 * One float32 sum of `terms` products per output, with |x| <= A over finite inputs and, per output
 * channel, sum |w| <= W: Higham's |error| <= gamma_K * sum|x*w| <= gamma_K * A * W.
 */
function sumTolerance(op: string, terms: number, a: number, w: number): ToleranceWithReason | undefined {
  const why =
    `${op}: float32 sums of K=${terms} products per output; |error| <= gamma_K * sum|x*w| <= gamma_K * max|x| * ` +
    `max_o sum|w[..., o]| with max|x|=${a.toPrecision(4)}, max_o sum|w|=${w.toPrecision(4)}`;
  return boundTolerance(gamma(terms) * a * w, 0, why);
}

// conv ------------------------------------------------------------------------------------------

const CONV_DTYPES: DType[][] = [
  ['float32', 'float32'], ['float32', 'float32'], ['float32', 'float32'], ['float32', 'float32'],
  ['int32', 'int32'], ['bool', 'bool'],
  // JAX casts the input to the kernel's dtype: truncated to int32, made 0/1, or widened to float32.
  ['float32', 'int32'], ['float32', 'bool'], ['int32', 'float32'], ['bool', 'float32'],
];

interface ConvPlan {
  g: ConvDraw;
  groups: number;
  kernelIn: number;
  filters: number;
  v: Values;
}

const convPlanArb: fc.Arbitrary<ConvPlan> = bigArb.chain((big) =>
  fc.record({
    g: geometryArb(false, big),
    groups: fc.constantFrom(1, 1, 1, 2, 3),
    kernelIn: channelsArb(big),
    perGroup: fc.integer({ min: 1, max: 3 }),
    v: valuesArb(CONV_DTYPES),
  }),
).map(({ perGroup, ...p }) => ({ ...p, filters: p.groups * perGroup }));

function convCall(p: ConvPlan): FuzzCall {
  const { g, v } = p;
  const x = input(layoutShape(g.batch, g.sizes, p.groups * p.kernelIn, g.layout), v);
  const kernel = kernelOf([...g.kernel, p.kernelIn, p.filters], v.dtypes[1], v.seed + 1);
  const tolerance = v.dtypes[1] === 'float32'
    ? sumTolerance('conv', sizeOf(g.kernel) * p.kernelIn, maxAbsFinite(x), maxL1(kernel, [g.rank + 1]))
    : undefined;
  return callOf('conv', { inputs: x, kernel, strides: g.strides.arg, ...windowKwargs(g) }, tolerance);
}

// depthwise_conv --------------------------------------------------------------------------------

const SAME_DTYPES: DType[][] = [['float32', 'float32'], ['float32', 'float32'], ['float32', 'float32'], ['int32', 'int32'], ['bool', 'bool']];

interface DepthwisePlan {
  g: ConvDraw;
  channels: number;
  multiplier: number;
  v: Values;
}

const depthwisePlanArb: fc.Arbitrary<DepthwisePlan> = bigArb.chain((big) =>
  fc.record({
    g: geometryArb(false, big),
    channels: channelsArb(big),
    multiplier: fc.integer({ min: 1, max: 3 }),
    v: valuesArb(SAME_DTYPES),
  }),
);

function depthwiseCall(p: DepthwisePlan): FuzzCall {
  const { g, v } = p;
  const x = input(layoutShape(g.batch, g.sizes, p.channels, g.layout), v);
  const kernel = kernelOf([...g.kernel, p.channels, p.multiplier], v.dtypes[1], v.seed + 1);
  // Output channel c*M + m sums over the taps of kernel[..., c, m] alone.
  const tolerance = v.dtypes[1] === 'float32'
    ? sumTolerance('depthwise_conv', sizeOf(g.kernel), maxAbsFinite(x), maxL1(kernel, [g.rank, g.rank + 1]))
    : undefined;
  return callOf('depthwise_conv', { inputs: x, kernel, strides: g.strides.arg, ...windowKwargs(g) }, tolerance);
}

// separable_conv --------------------------------------------------------------------------------

/**
 * Input and depthwise kernel share a dtype (JAX's depthwise takes no mix); the depthwise result is
 * cast to the pointwise kernel's dtype. Where that truncates floats to int32, the floats are exact
 * multiples of 1/8, so float32 rounding cannot move a value across an integer.
 */
const SEPARABLE_DTYPES: DType[][] = [
  ['float32', 'float32', 'float32'], ['float32', 'float32', 'float32'], ['float32', 'float32', 'float32'],
  ['int32', 'int32', 'int32'], ['bool', 'bool', 'bool'], ['float32', 'float32', 'int32'], ['int32', 'int32', 'float32'],
];

interface SeparablePlan extends DepthwisePlan {
  /** The pointwise kernel's spatial size is 2 (not 1) in every dim where the depthwise result allows it. */
  wide: boolean;
  pointwiseGroups: number;
  perGroup: number;
}

const separablePlanArb: fc.Arbitrary<SeparablePlan> = bigArb.chain((big) =>
  fc.record({
    g: geometryArb(false, big),
    channels: channelsArb(big),
    multiplier: fc.integer({ min: 1, max: 3 }),
    v: valuesArb(SEPARABLE_DTYPES),
    wide: fc.boolean(),
    pointwiseGroups: fc.constantFrom(1, 1, 1, 2, 3),
    perGroup: fc.integer({ min: 1, max: 3 }),
  }),
);

/** The depthwise result's spatial sizes (shapes.ts's rule, which the pointwise 'valid' conv must fit). */
function windowSizes(g: ConvDraw): number[] {
  return g.sizes.map((n, i) => {
    const s = g.strides.values[i];
    return g.padding.same ? Math.ceil(n / s) : Math.floor((n - effective(g.kernel[i], g.dilation.values[i])) / s) + 1;
  });
}

function separableCall(p: SeparablePlan): FuzzCall {
  const { g, v } = p;
  const mid = p.channels * p.multiplier;
  // Groups must divide the depthwise channels; fall back to 1 where the drawn count does not.
  const pg = mid % p.pointwiseGroups === 0 ? p.pointwiseGroups : 1;
  const pk = windowSizes(g).map((m, i) => (p.wide && m >= g.dilation.values[i] + 1 ? 2 : 1));
  const exact = v.dtypes[0] === 'float32' && v.dtypes[2] !== 'float32';
  const x = exact ? eighths(layoutShape(g.batch, g.sizes, p.channels, g.layout), v.seed) : input(layoutShape(g.batch, g.sizes, p.channels, g.layout), v);
  const depthwise = exact ? eighths([...g.kernel, p.channels, p.multiplier], v.seed + 1, 2) : kernelOf([...g.kernel, p.channels, p.multiplier], v.dtypes[1], v.seed + 1);
  const pointwise = kernelOf([...pk, mid / pg, pg * p.perGroup], v.dtypes[2], v.seed + 2);
  const values = { inputs: x, depthwise_kernel: depthwise, pointwise_kernel: pointwise, strides: g.strides.arg, ...windowKwargs(g) };
  return callOf('separable_conv', values, v.dtypes[2] === 'float32' ? separableTolerance(x, depthwise, pointwise, g, pk, mid / pg) : undefined);
}

/**
 * Two sums: the depthwise one (K1 taps, then rounded to float32) and the pointwise one (K2 terms).
 * |y1| <= A*W1 and its error is <= gamma_(K1+1)*A*W1; the pointwise error adds W2 times that and
 * gamma_K2*W2*max|y1|, together <= gamma_(K1+1+K2) * A*W1*W2.
 */
function separableTolerance(x: GoldenTensor, dw: GoldenTensor, pw: GoldenTensor, g: ConvDraw, pk: number[], pwIn: number) {
  const [k1, k2] = [sizeOf(g.kernel), sizeOf(pk) * pwIn];
  const [a, w1, w2] = [maxAbsFinite(x), maxL1(dw, [g.rank, g.rank + 1]), maxL1(pw, [g.rank + 1])];
  const why =
    `separable_conv: a depthwise float32 sum of K1=${k1} products, rounded, then a pointwise sum of K2=${k2}; ` +
    `|error| <= gamma_(K1+1+K2) * max|x| * max sum|w_depthwise| * max sum|w_pointwise| with max|x|=${a.toPrecision(4)}, ` +
    `${w1.toPrecision(4)}, ${w2.toPrecision(4)}`;
  return boundTolerance(gamma(k1 + 1 + k2) * a * w1 * w2, 0, why);
}

// conv_transpose --------------------------------------------------------------------------------

interface TransposePlan {
  g: ConvDraw;
  inChannels: number;
  filters: number;
  /** Per dim 0..stride + 1 (JAX takes output_padding >= stride too); left out, None, an int, or a tuple with None entries. */
  outputPadding: { arg: GoldenValue | undefined };
  v: Values;
}

function outputPaddingArb(strides: number[]): fc.Arbitrary<{ arg: GoldenValue | undefined }> {
  const minStride = Math.min(...strides);
  const perDim = fc.tuple(...strides.map((s) => fc.option(fc.integer({ min: 0, max: s + 1 }), { nil: null, freq: 4 })));
  return fc.oneof(
    fc.constant({ arg: undefined }),
    fc.constant({ arg: null }),
    fc.integer({ min: 0, max: minStride }).map((v) => ({ arg: v })),
    perDim.map((vs) => ({ arg: vs })),
  );
}

const transposePlanArb: fc.Arbitrary<TransposePlan> = bigArb.chain((big) =>
  geometryArb(true, big).chain((g) =>
    fc.record({
      g: fc.constant(g),
      inChannels: channelsArb(big),
      filters: fc.integer({ min: 1, max: 3 }),
      outputPadding: outputPaddingArb(g.strides.values),
      v: valuesArb(SAME_DTYPES),
    }),
  ),
);

function transposeCall(p: TransposePlan): FuzzCall {
  const { g, v } = p;
  const x = input(layoutShape(g.batch, g.sizes, p.inChannels, g.layout), v);
  const kernel = kernelOf([...g.kernel, p.filters, p.inChannels], v.dtypes[1], v.seed + 1);
  // Each output sums at most prod(kernel) taps of C_in products (XLA's dilated zeros add nothing).
  const tolerance = v.dtypes[1] === 'float32'
    ? sumTolerance('conv_transpose', sizeOf(g.kernel) * p.inChannels, maxAbsFinite(x), maxL1(kernel, [g.rank]))
    : undefined;
  const values = { inputs: x, kernel, strides: g.strides.arg, output_padding: p.outputPadding.arg, ...windowKwargs(g) };
  return callOf('conv_transpose', values, tolerance);
}

// invalid ---------------------------------------------------------------------------------------

/**
 * What Keras 3.6 rejects, each from a valid call with one argument spoilt. Kinds whose result JAX
 * accepts though keras-parity refuses (rank 2 or 6 inputs, mixed dtypes, negative output_padding,
 * 'same_lower') are deviations, not errors, and are not here.
 */
const COMMON_KINDS = [
  'data_format', 'padding', 'strides_length', 'strides_nonpositive', 'dilation_length', 'dilation_nonpositive',
  'kernel_rank', 'empty_window', 'channels',
] as const;
type Kind = (typeof COMMON_KINDS)[number] | 'strides_none' | 'groups_filters' | 'pointwise_channels' | 'pointwise_rank' | 'dilation_none';

const OP_KINDS: Record<ConvOp, readonly Kind[]> = {
  conv: [...COMMON_KINDS, 'strides_none', 'groups_filters'],
  depthwise_conv: [...COMMON_KINDS, 'strides_none'],
  separable_conv: [...COMMON_KINDS, 'pointwise_channels', 'pointwise_rank'],
  // Not 'padding': conv_transpose meets a bare AssertionError there (an excluded golden case says why).
  conv_transpose: [...COMMON_KINDS.filter((k) => k !== 'padding'), 'dilation_none'],
};

const BAD_FORMATS = ['NCHW', 'NHWC', 'channels_middle', ''];
const BAD_PADDINGS = ['full', 'causal', 'valid ', 'none', ''];

/** A float tensor whose values do not matter: the call must fail on its shape or arguments. */
const any = (shape: number[], seed: number) => floats(shape, seed);

function spoil(op: ConvOp, kind: Kind, call: FuzzCall, seed: number): FuzzCall {
  const args = [...call.args];
  const kwargs = { ...call.kwargs };
  const x = args[0] as GoldenTensor;
  const rank = x.shape.length - 2;
  const pick = <T>(xs: readonly T[]) => xs[seed % xs.length];
  // The kernel, or separable_conv's depthwise kernel.
  const kernel = args[1] as GoldenTensor;
  const withKernel = (shape: number[]) => (args[1] = any(shape, seed));
  const stridesAt = op === 'conv_transpose' ? 2 : -1;
  const setStrides = (v: GoldenValue) => (stridesAt >= 0 ? (args[stridesAt] = v) : (kwargs.strides = v));
  const channelsLast = kwargs.data_format === undefined || kwargs.data_format === null || String(kwargs.data_format).toLowerCase() === 'channels_last';
  const channels = channelsLast ? x.shape[x.shape.length - 1] : x.shape[1];
  switch (kind) {
    case 'data_format': kwargs.data_format = pick(BAD_FORMATS); break;
    case 'padding': kwargs.padding = pick(BAD_PADDINGS); break;
    case 'strides_length': setStrides(Array<number>(rank === 1 || seed % 2 ? rank + 1 : rank - 1).fill(1)); break;
    case 'strides_nonpositive': setStrides(seed % 2 ? 0 : -1); break;
    case 'strides_none': setStrides(null); break;
    case 'dilation_length': kwargs.dilation_rate = Array<number>(rank + 1).fill(1); break;
    case 'dilation_nonpositive': kwargs.dilation_rate = seed % 2 ? 0 : -2; break;
    case 'dilation_none': kwargs.dilation_rate = null; break;
    // A kernel of higher rank meets a bare AssertionError in conv_transpose (we raise ValueError: an
    // excluded golden case says why), so there it is always of lower rank.
    case 'kernel_rank': withKernel(op !== 'conv_transpose' && (seed % 2 || rank === 1) ? [2, ...kernel.shape] : kernel.shape.slice(1)); break;
    case 'empty_window': withKernel(kernel.shape.map((d, i) => (i === (seed % rank) ? 0 : d))); break;
    case 'channels': withKernel(mismatchedChannels(op, kernel.shape, channels)); break;
    case 'groups_filters': {
      // groups = C_in / kernel_in = 2 does not divide an odd number of filters.
      args[1] = any([...kernel.shape.slice(0, -2), 1, 3], seed);
      args[0] = any(channelsLast ? [...x.shape.slice(0, -1), 2] : [x.shape[0], 2, ...x.shape.slice(2)], seed);
      break;
    }
    case 'pointwise_channels': {
      const pw = args[2] as GoldenTensor;
      const mid = kernel.shape.at(-1)! * kernel.shape.at(-2)!;
      args[2] = any([...pw.shape.slice(0, -2), mid + 1, pw.shape.at(-1)!], seed);
      break;
    }
    case 'pointwise_rank': {
      const pw = args[2] as GoldenTensor;
      args[2] = any(seed % 2 || rank === 1 ? [1, ...pw.shape] : pw.shape.slice(1), seed);
      break;
    }
  }
  return { op, args, kwargs };
}

/** A kernel whose channel dim cannot match the input's `channels`. */
function mismatchedChannels(op: ConvOp, shape: readonly number[], channels: number): number[] {
  const s = [...shape];
  // conv: C_in % (C_in + 1) != 0; depthwise and separable need shape[-2] == C_in; transpose shape[-1] == C_in.
  if (op === 'conv_transpose') s[s.length - 1] = channels + 1;
  else s[s.length - 2] = channels + 1;
  return s;
}

/** Kinds that spoil the same argument: a second one replaces what the first spoilt. */
const SAME_ARGUMENT: readonly (readonly Kind[])[] = [
  ['kernel_rank', 'empty_window', 'channels', 'groups_filters'],
  ['strides_length', 'strides_nonpositive', 'strides_none'],
  ['dilation_length', 'dilation_nonpositive', 'dilation_none'],
  ['pointwise_channels', 'pointwise_rank'],
];

/** Invalid calls from valid float32 ones: the spoilt arguments are then the only reasons to fail. */
function faultsOf(op: ConvOp, valid: fc.Arbitrary<FuzzCall>): FaultSet<FuzzCall> {
  const faults = Object.fromEntries(OP_KINDS[op].map((kind) => [kind, (call: FuzzCall, seed: number) => spoil(op, kind, call, seed)]));
  const apart = SAME_ARGUMENT.flatMap((group) => group.flatMap((a, i) => group.slice(i + 1).map((b) => [a, b] as const)));
  return { base: valid, faults, call: (c) => c, apart };
}

const floatValues = { dtypes: ['float32', 'float32', 'float32'] as DType[], scale: 1, specials: 0 };

export const convFaults = {
  conv: faultsOf('conv', convPlanArb.map((p) => convCall({ ...p, v: { ...p.v, ...floatValues } }))),
  depthwise_conv: faultsOf('depthwise_conv', depthwisePlanArb.map((p) => depthwiseCall({ ...p, v: { ...p.v, ...floatValues } }))),
  separable_conv: faultsOf('separable_conv', separablePlanArb.map((p) => separableCall({ ...p, v: { ...p.v, ...floatValues } }))),
  conv_transpose: faultsOf('conv_transpose', transposePlanArb.map((p) => transposeCall({ ...p, v: { ...p.v, ...floatValues } }))),
} satisfies Record<ConvOp, FaultSet<FuzzCall>>;

export const convGenerators = {
  conv: { valid: convPlanArb.map(convCall), invalid: invalidCalls(convFaults.conv) },
  depthwise_conv: { valid: depthwisePlanArb.map(depthwiseCall), invalid: invalidCalls(convFaults.depthwise_conv) },
  separable_conv: { valid: separablePlanArb.map(separableCall), invalid: invalidCalls(convFaults.separable_conv) },
  conv_transpose: { valid: transposePlanArb.map(transposeCall), invalid: invalidCalls(convFaults.conv_transpose) },
} satisfies Record<ConvOp, OpGenerators>;
