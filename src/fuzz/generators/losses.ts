/**
 * Generators for binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy and
 * psnr: ranks 0 to 4 and empty tensors, probabilities (normalised or not, on and past the clip at
 * 1e-7 and 1 - 1e-7) or logits (small to saturating), class axes positive, negative, None and tuples,
 * out-of-range sparse labels (Keras-JAX's loss 0), the int32 and bool a JavaScript 0/1 array becomes,
 * special values; and the argument sets Keras rejects.
 *
 * Kept out, where keras-parity differs on purpose (docs/deviations.md): non-boolean from_logits, psnr
 * with a tensor max_val, sparse_categorical_crossentropy of a scalar target and a scalar output;
 * probabilities with negative entries, whose renormalising sum cancels, so float32 rounding decides
 * which side of the clip they land.
 */
import * as fc from 'fast-check';
import type { DType } from '../../dtypes.js';
import type { GoldenValue, ToleranceWithReason } from '../../golden/cases.js';
import { GoldenTensor } from '../../golden/safetensors.js';
import { bools, callOf, floats, ints, prng, type FuzzCall, type OpGenerators } from '../call.js';
import { type Fault, type FaultSet, invalidCalls } from './faults.js';
import {
  axisArb,
  boundTolerance,
  gamma,
  groupIds,
  groupSums,
  maxOf,
  sizeOf,
  seedArb,
  shuffledArb,
  withSpecials,
  U,
} from './forms.js';

const dimsArb = (rank: number, max = 5) => fc.array(fc.integer({ min: 1, max }), { minLength: rank, maxLength: rank });
/** One shape in ten is big, up to (20, 1000): many classes, long sums. */
const shapeArb = (minRank: number, maxRank: number) =>
  fc.oneof(
    { arbitrary: fc.integer({ min: minRank, max: maxRank }).chain((r) => dimsArb(r)), weight: 9 },
    { arbitrary: fc.tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 100, max: 1000 })), weight: 1 },
  );
/** One draw in ten empties the first dim. */
const emptyArb = fc.integer({ min: 0, max: 9 }).map((v) => v === 0);
const emptied = (shape: number[], empty: boolean) => (empty && shape.length > 0 ? [0, ...shape.slice(1)] : shape);

function tensorOf(dtype: DType, shape: readonly number[], data: ArrayLike<number>): GoldenTensor {
  const typed = dtype === 'float32' ? Float32Array.from(data) : dtype === 'int32' ? Int32Array.from(data) : Uint8Array.from(data, (v) => (v ? 1 : 0));
  return new GoldenTensor('', dtype, [...shape], typed);
}

/** from_logits: false (Keras's default) left out or passed, or true. */
const fromLogitsArb = fc.constantFrom<[boolean, GoldenValue | undefined]>([false, undefined], [false, false], [true, true], [true, true]);

/** XLA's (and TF.js's) exp and log stay within a few ulp: a budget of 4 each. */
const FN_ULPS = 4;

// outputs ---------------------------------------------------------------------------------------

type OutputKind = 'probs' | 'probs_unnormalised' | 'probs_clip' | 'probs_int32' | 'probs_bool' | 'logits' | 'logits_int32';

interface OutputDraw {
  kind: OutputKind;
  seed: number;
  scale: number;
  specials: number;
}

/** Probabilities also sit on the clip bounds and past them (0, 1, 1e-8); logits reach saturation. */
const PROB_SPECIALS = [NaN, Infinity, 0, -0, 1, 1e-8] as const;
const LOGIT_SPECIALS = [NaN, Infinity, -Infinity, -0, 1e4, -1e4, 100, -100] as const;

const outputArb = (fromLogits: boolean, allowBool = true): fc.Arbitrary<OutputDraw> =>
  fc.record({
    kind: fromLogits
      ? fc.constantFrom<OutputKind>('logits', 'logits', 'logits', 'logits_int32')
      : fc.constantFrom<OutputKind>('probs', 'probs', 'probs_unnormalised', 'probs_clip', 'probs_int32', ...(allowBool ? ['probs_bool' as const] : [])),
    seed: seedArb,
    scale: fc.constantFrom(1, 1, 3, 30),
    specials: fc.constantFrom(0, 0, 0, 0.1),
  });

/** `t` divided by its sums along `axes`: a distribution per output. */
function normalise(t: GoldenTensor, axes: readonly number[]): GoldenTensor {
  const grouping = groupIds(t.shape, axes);
  const sums = groupSums(grouping, (i) => t.data[i]);
  return tensorOf('float32', t.shape, Array.from(t.data, (v, i) => v / sums[grouping.ids[i]]));
}

/** Probabilities (normalised along `axes` when given), positives to renormalise, clip-bound values, 0/1 ints or bools, or logits. */
function output(shape: number[], d: OutputDraw, axes: readonly number[] | null): GoldenTensor {
  if (d.kind === 'probs_int32') return ints(shape, 0, 2, d.seed);
  if (d.kind === 'probs_bool') return axes ? someTrue(shape, axes, d.seed) : bools(shape, d.seed);
  if (d.kind === 'logits_int32') return ints(shape, -3, 4, d.seed);
  let t: GoldenTensor;
  if (d.kind === 'logits') t = floats(shape, d.seed, { scale: d.scale });
  else if (d.kind === 'probs_unnormalised') t = floats(shape, d.seed, { low: 0.1, high: 3 });
  else if (d.kind === 'probs_clip') t = pickEach(shape, d.seed, [0, 1, 1e-7, 0.5, 1 - 1e-7, 1e-8]);
  else t = axes ? normalise(floats(shape, d.seed, { low: 0.02, high: 1 }), axes) : floats(shape, d.seed, { low: 0.01, high: 0.99 });
  return d.specials > 0 ? withSpecials(t, d.seed, d.specials, d.kind === 'logits' ? LOGIT_SPECIALS : PROB_SPECIALS) : t;
}

/**
 * Bools with a True in every group along `axes`. Keras-JAX renormalises bools by dividing by their
 * count, which XLA rewrites as select(p, 1/count, 0): an all-False group gives 0 there, not 0/0 = NaN
 * as in keras-parity (a mismatch left to be fixed; until then not drawn).
 */
function someTrue(shape: number[], axes: readonly number[], seed: number): GoldenTensor {
  const random = bools(shape, seed);
  const hot = categoricalTarget('onehot_bool', shape, axes, seed + 1);
  return tensorOf('bool', shape, Array.from(random.data, (v, i) => v | hot.data[i]));
}

function pickEach(shape: readonly number[], seed: number, values: readonly number[]): GoldenTensor {
  const next = prng(seed);
  return tensorOf('float32', shape, Array.from({ length: sizeOf(shape) }, () => values[Math.floor(next() * values.length)]));
}

// tolerances ------------------------------------------------------------------------------------

/**
 * -sum(t * log p) over the class axes, p from `out` by renormalise-then-clip or log_softmax; every
 * term t * (-log p) >= 0, so nothing cancels. Per output g with K classes and target mass
 * T_g = sum|t|, float32 misses log p_i by at most
 *   probabilities: gamma_(K+1) (the sum, the division) + 4 ulp of |log p_i| (log itself);
 *   logits: u*|x_i - max| (the shift) + E, E = gamma_K + 8u + 0.37*K*u + 4u*log K (the exps, whose
 *   argument errors weigh exp(-d)*d <= 1/e, their sum and its log);
 * and the final sum adds gamma_(K+1) relative. `target` null stands for one-hot rows (T_g <= 1).
 */
function crossentropyTolerance(op: string, target: GoldenTensor | null, out: GoldenTensor, axes: readonly number[], logits: boolean): ToleranceWithReason | undefined {
  const grouping = groupIds(out.shape, axes);
  const k = Math.max(1, sizeOf(axes.map((a) => out.shape[a])));
  const t = (i: number) => (target ? Math.abs(target.data[i]) : 1);
  const mass = maxOf(target ? groupSums(grouping, t) : [1]);
  const rtol = gamma(k + 1) + FN_ULPS * U;
  if (!logits) {
    const why = `${op} from probabilities, K=${k} classes, max target mass T=${mass.toPrecision(3)}: |error| <= T*gamma_(K+1) + (gamma_(K+1) + 4u)*|loss|`;
    return boundTolerance(mass * gamma(k + 1), rtol, why);
  }
  // Groups holding NaN or an infinity give NaN or an infinity, which are compared exactly.
  const broken = groupSums(grouping, (i) => (Number.isFinite(out.data[i]) ? 0 : 1));
  const max = new Float64Array(grouping.groups).fill(-Infinity);
  grouping.ids.forEach((g, i) => (max[g] = Math.max(max[g], out.data[i])));
  // One-hot rows (`target` null) pick one class: the group's sum bounds its shift.
  const shifts = groupSums(grouping, (i) => (broken[grouping.ids[i]] ? 0 : t(i) * (max[grouping.ids[i]] - out.data[i])));
  const spread = maxOf(shifts);
  const e = gamma(k) + 8 * U + 0.37 * k * U + FN_ULPS * U * Math.log(k);
  const why =
    `${op} from logits, K=${k} classes, max target mass T=${mass.toPrecision(3)}, max sum t*|x - max| S=${spread.toPrecision(4)}: ` +
    `|error| <= T*E + u*S + (gamma_(K+1) + 4u)*|loss|, E = gamma_K + 8u + 0.37Ku + 4u*log K`;
  return boundTolerance(mass * e + U * spread, rtol, why);
}

// binary_crossentropy ---------------------------------------------------------------------------

type TargetKind = 'soft' | 'hard' | 'int32' | 'bool';

/** Soft targets in [0, 1], hard 0/1 floats, or the int32 and bool a JavaScript 0/1 array becomes. */
function binaryTarget(kind: TargetKind, shape: number[], seed: number): GoldenTensor {
  if (kind === 'soft') return floats(shape, seed, { low: 0, high: 1 });
  if (kind === 'bool') return bools(shape, seed);
  const t = ints(shape, 0, 2, seed);
  return kind === 'int32' ? t : tensorOf('float32', shape, t.data);
}

interface BinaryPlan {
  shape: number[];
  logits: [boolean, GoldenValue | undefined];
  target: TargetKind;
  seed: number;
  out: OutputDraw;
}

const binaryPlanArb: fc.Arbitrary<BinaryPlan> = fromLogitsArb.chain((logits) =>
  fc.record({
    shape: fc.tuple(shapeArb(0, 4), emptyArb).map(([s, e]) => emptied(s, e)),
    logits: fc.constant(logits),
    target: fc.constantFrom<TargetKind>('soft', 'soft', 'hard', 'int32', 'bool'),
    seed: seedArb,
    out: outputArb(logits[0]),
  }),
);

/**
 * Elementwise, no sum: two non-negative terms, each a log (or log_sigmoid) within a few ulp, so Keras's
 * default tolerance holds and no call carries its own.
 */
function binaryCall(p: BinaryPlan): FuzzCall {
  const target = binaryTarget(p.target, p.shape, p.seed);
  return callOf('binary_crossentropy', { target, output: output(p.shape, p.out, null), from_logits: p.logits[1] });
}

// categorical_crossentropy ----------------------------------------------------------------------

interface AxesDraw {
  /** The class axes, normalised. */
  axes: number[];
  arg: GoldenValue | undefined;
}

/** axis: left out (-1), an int either sign, None (every axis), or a tuple (any order, either sign). */
function classAxesArb(rank: number): fc.Arbitrary<AxesDraw> {
  const tuple = fc
    .subarray([...Array(rank).keys()], { minLength: 1 })
    .chain((axes) => shuffledArb(axes))
    .chain((axes) => fc.tuple(...axes.map((a) => fc.constantFrom(a, a - rank))).map((arg) => ({ axes: [...axes].sort((a, b) => a - b), arg: arg as GoldenValue })));
  return fc.oneof<fc.Arbitrary<AxesDraw>[]>(
    fc.constant({ axes: [rank - 1], arg: undefined }),
    axisArb(rank).map(({ axis, arg }) => ({ axes: [axis], arg })),
    fc.constant({ axes: [...Array(rank).keys()], arg: null }),
    tuple,
  );
}

type CategoricalTarget = 'onehot' | 'soft' | 'onehot_int32' | 'onehot_bool';

/** One 1 per output group (a class drawn per group), or a random distribution over the group. */
function categoricalTarget(kind: CategoricalTarget, shape: number[], axes: readonly number[], seed: number): GoldenTensor {
  if (kind === 'soft') return normalise(floats(shape, seed, { low: 0.01, high: 1 }), axes);
  const grouping = groupIds(shape, axes);
  const k = sizeOf(axes.map((a) => shape[a]));
  const next = prng(seed);
  const chosen = Array.from({ length: grouping.groups }, () => Math.floor(next() * k));
  const seen = new Int32Array(grouping.groups);
  const data = Array.from(grouping.ids, (g) => (seen[g]++ === chosen[g] ? 1 : 0));
  return tensorOf(kind === 'onehot_int32' ? 'int32' : kind === 'onehot_bool' ? 'bool' : 'float32', shape, data);
}

interface CategoricalPlan {
  shape: number[];
  axes: AxesDraw;
  logits: [boolean, GoldenValue | undefined];
  target: CategoricalTarget;
  seed: number;
  out: OutputDraw;
}

const categoricalPlanArb: fc.Arbitrary<CategoricalPlan> = fc
  .tuple(shapeArb(1, 4), fromLogitsArb)
  .chain(([shape, logits]) =>
    fc.record({
      shape: fc.constant(shape),
      axes: classAxesArb(shape.length),
      logits: fc.constant(logits),
      target: fc.constantFrom<CategoricalTarget>('onehot', 'onehot', 'soft', 'onehot_int32', 'onehot_bool'),
      seed: seedArb,
      out: outputArb(logits[0]),
    }),
  );

function categoricalCall(p: CategoricalPlan): FuzzCall {
  const target = categoricalTarget(p.target, p.shape, p.axes.axes, p.seed);
  // A bool target multiplies as XLA's select(t, log p, 0), so Keras-JAX drops a NaN or -inf log p
  // where t is False and keras-parity does not (0 * NaN): a mismatch left to be fixed, not drawn.
  const out = output(p.shape, target.dtype === 'bool' ? { ...p.out, specials: 0 } : p.out, p.axes.axes);
  const tolerance = crossentropyTolerance('categorical_crossentropy', target, out, p.axes.axes, p.logits[0]);
  return callOf('categorical_crossentropy', { target, output: out, from_logits: p.logits[1], axis: p.axes.arg }, tolerance);
}

// sparse_categorical_crossentropy ---------------------------------------------------------------

type LabelKind = 'int32' | 'bool' | 'float32' | 'float32_fraction';

interface SparsePlan {
  /** The output's shape; dims after `axis` fit one_hot(target, C, axis) (each equal to the one before, or 1). */
  shape: number[];
  axis: { axis: number; arg: GoldenValue | undefined };
  /** A trailing 1 on the labels, which Keras squeezes. */
  trailing1: boolean;
  labels: LabelKind;
  /** Fraction of labels outside [0, C): Keras-JAX's one-hot row is then all zero, a loss of 0. */
  outOfRange: number;
  logits: [boolean, GoldenValue | undefined];
  seed: number;
  out: OutputDraw;
}

/** one_hot(target, C, axis) has shape labels[:axis] + (C,) + labels[axis:]; it must broadcast with the output. */
function fitOneHot(dims: number[], axis: number, keep: boolean[]): number[] {
  const shape = [...dims];
  for (let i = axis + 1; i < shape.length; i++) {
    if (shape[i - 1] !== 1 && shape[i] !== 1 && shape[i] !== shape[i - 1]) shape[i] = keep[i] ? shape[i - 1] : 1;
  }
  return shape;
}

function sparseAxisArb(rank: number): fc.Arbitrary<{ axis: number; arg: GoldenValue | undefined }> {
  return fc.oneof(
    { arbitrary: fc.constant({ axis: rank - 1, arg: undefined }), weight: 3 },
    { arbitrary: fc.constantFrom(-1, rank - 1).map((arg) => ({ axis: rank - 1, arg })), weight: 1 },
    { arbitrary: axisArb(rank), weight: 2 },
  );
}

const sparsePlanArb: fc.Arbitrary<SparsePlan> = fc
  .tuple(shapeArb(1, 4), fromLogitsArb)
  .chain(([dims, logits]) =>
    fc.record({
      dims: fc.constant(dims),
      keep: fc.array(fc.boolean(), { minLength: dims.length, maxLength: dims.length }),
      axis: sparseAxisArb(dims.length),
      trailing1: fc.boolean(),
      labels: fc.constantFrom<LabelKind>('int32', 'int32', 'int32', 'bool', 'float32', 'float32_fraction'),
      outOfRange: fc.constantFrom(0, 0, 0, 0.3),
      logits: fc.constant(logits),
      seed: seedArb,
      out: outputArb(logits[0]),
    }),
  )
  .map(({ dims, keep, ...p }) => ({ ...p, shape: fitOneHot(dims, p.axis.axis, keep) }));

/** Labels of the output's shape without its last dim; floats are truncated by Keras, bools read as 0/1. */
function sparseLabels(p: SparsePlan): GoldenTensor {
  const shape = [...p.shape.slice(0, -1), ...(p.trailing1 ? [1] : [])];
  const classes = p.shape[p.axis.axis];
  const next = prng(p.seed);
  const values = Array.from({ length: sizeOf(shape) }, () => {
    const wild = next() < p.outOfRange;
    return wild ? Math.floor(next() * (classes + 5)) - 2 : Math.floor(next() * classes);
  });
  if (p.labels === 'bool') return bools(shape, p.seed);
  if (p.labels === 'int32') return tensorOf('int32', shape, values);
  // Truncation toward zero: 2.5 -> 2, -0.5 -> 0, -1.5 -> -1.
  const fraction = p.labels === 'float32_fraction' ? 0.5 : 0;
  return tensorOf('float32', shape, values.map((v) => (v < 0 ? v - fraction : v + fraction)));
}

function sparseCall(p: SparsePlan): FuzzCall {
  const target = sparseLabels(p);
  const out = output(p.shape, p.out, [p.axis.axis]);
  const tolerance = crossentropyTolerance('sparse_categorical_crossentropy', null, out, [p.axis.axis], p.logits[0]);
  return callOf('sparse_categorical_crossentropy', { target, output: out, from_logits: p.logits[1], axis: p.axis.arg }, tolerance);
}

// psnr ------------------------------------------------------------------------------------------

const PSNR_DTYPES: DType[][] = [
  ['float32', 'float32'], ['float32', 'float32'], ['float32', 'float32'], ['int32', 'int32'],
  ['float32', 'int32'], ['int32', 'float32'], ['bool', 'float32'], ['float32', 'bool'],
];

interface PsnrPlan {
  shape: number[];
  dtypes: DType[];
  maxVal: number;
  /** x2 = x1 + noise * |max_val|; 0 makes them identical (mse 0: +inf). */
  noise: number;
  seed: number;
  nan: boolean;
}

const psnrPlanArb: fc.Arbitrary<PsnrPlan> = fc.record({
  shape: fc.tuple(shapeArb(0, 4), emptyArb).map(([s, e]) => emptied(s, e)),
  dtypes: fc.constantFrom(...PSNR_DTYPES),
  // log10(0) = -inf, log10(-1) = NaN; int32 x2 truncates 1.5 to 1, bool x2 makes any nonzero 1.
  maxVal: fc.constantFrom(1, 1, 255, 255, 0.5, 2, 1.5, 1e-3, 1e4, 0, -1),
  noise: fc.constantFrom(0, 0.01, 0.1, 0.1, 1),
  seed: seedArb,
  nan: fc.integer({ min: 0, max: 9 }).map((v) => v === 0),
});

/** Images in [0, |max_val|], or 0..255 integers; the second one noisier. */
function psnrInputs(p: PsnrPlan): [GoldenTensor, GoldenTensor] {
  const range = Math.abs(p.maxVal) || 1;
  const base = floats(p.shape, p.seed, { low: 0, high: range });
  const noise = floats(p.shape, p.seed + 1, { scale: p.noise * range });
  const make = (dtype: DType, vals: ArrayLike<number>, seed: number) =>
    dtype === 'float32' ? tensorOf('float32', p.shape, vals) : dtype === 'bool' ? bools(p.shape, seed) : ints(p.shape, 0, 256, seed);
  const x1 = make(p.dtypes[0], base.data, p.seed);
  const x2 = make(p.dtypes[1], Array.from(base.data, (v, i) => v + noise.data[i]), p.dtypes[0] === p.dtypes[1] && p.noise === 0 ? p.seed : p.seed + 2);
  return [p.nan && x1.dtype === 'float32' ? withSpecials(x1, p.seed, 0.2, [NaN, Infinity]) : x1, x2];
}

/** max_val as JAX converts it to x2's dtype. */
function castMaxVal(v: number, dtype: DType): number {
  return dtype === 'float32' ? Math.fround(v) : dtype === 'int32' ? Math.trunc(v) : v !== 0 ? 1 : 0;
}

/**
 * 20*log10(max_val) - 10*log10(mse): mse is a float32 mean of N non-negative squares (relative error
 * gamma_(N+3) with the difference, the square and the division), which moves 10*log10(mse) by
 * 10/ln 10 * gamma_(N+3); each log10 (a log and a division) adds 8 ulp of its own size.
 */
function psnrTolerance(x1: GoldenTensor, x2: GoldenTensor, maxVal: number): ToleranceWithReason | undefined {
  const n = x1.data.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (x1.data[i] - x2.data[i]) ** 2;
  const mse = sum / n;
  const a = 20 * Math.log10(castMaxVal(maxVal, x2.dtype));
  const b = 10 * Math.log10(mse);
  // A NaN or an infinity in the result is compared exactly.
  if (!Number.isFinite(a) || !Number.isFinite(b)) return undefined;
  const atol = (10 / Math.LN10) * gamma(n + 3) + 2 * FN_ULPS * U * (Math.abs(a) + Math.abs(b));
  const why = `psnr: float32 mean of N=${n} squares, mse=${mse.toPrecision(4)}: |error| <= 10/ln10 * gamma_(N+3) + 8u*(|20 log10 max_val| + |10 log10 mse|)`;
  return boundTolerance(atol, U, why);
}

function psnrCall(p: PsnrPlan): FuzzCall {
  const [x1, x2] = psnrInputs(p);
  return callOf('psnr', { x1, x2, max_val: p.maxVal }, psnrTolerance(x1, x2, p.maxVal));
}

// invalid ---------------------------------------------------------------------------------------

/** A different shape of the same size or rank: dims swapped, one grown, or one more dim. */
function otherShape(shape: readonly number[], seed: number): number[] {
  const s = [...shape];
  if (s.length >= 2 && s[0] !== s[1] && seed % 3 === 0) return [s[1], s[0], ...s.slice(2)];
  if (s.length >= 1 && seed % 3 === 1) return [...s.slice(0, -1), s[s.length - 1] + 1];
  return [...s, 2];
}

function withArgs(call: FuzzCall, args: GoldenValue[], kwargs: Record<string, GoldenValue> = {}): FuzzCall {
  return { op: call.op, args, kwargs: { ...call.kwargs, ...kwargs } };
}

const f32 = (shape: readonly number[], seed: number) => floats(shape, seed, { low: 0.05, high: 0.95 });
const boolOutput = (call: FuzzCall, seed: number) =>
  withArgs(call, [call.args[0], bools((call.args[1] as GoldenTensor).shape, seed)], { from_logits: true });

const spoilt = (faults: Record<string, Fault<FuzzCall>>, base: fc.Arbitrary<FuzzCall>, apart: [string, string][] = []): FaultSet<FuzzCall> =>
  ({ base, faults, call: (c) => c, apart });

/** An output of another shape than the target's. */
const otherOutput: Fault<FuzzCall> = (call, seed) => {
  const [target, out] = call.args as GoldenTensor[];
  return withArgs(call, [target, f32(otherShape(out.shape, seed), seed)]);
};

/** An axis past the output's rank. */
const axisPast: Fault<FuzzCall> = (call, seed) => {
  const rank = (call.args[1] as GoldenTensor).shape.length;
  return withArgs(call, call.args, { axis: seed % 2 ? rank + (seed % 3) : -rank - 1 - (seed % 3) });
};

/** Keras requires equal shapes (no broadcasting); JAX cannot negate a bool output for from_logits. */
const binaryFaults = spoilt({ shape: otherOutput, bool_output: boolOutput }, binaryPlanArb.map(binaryCall));

/** Shapes, rank 0, an axis past the rank or repeated, bool logits. Rank 0 replaces both tensors: it comes first. */
const categoricalFaults = spoilt(
  {
    rank0: (call, seed) => withArgs(call, [f32([], seed), f32([], seed + 1)]),
    shape: otherOutput,
    axis_past: axisPast,
    axis_repeated: (call, seed) => {
      const rank = (call.args[1] as GoldenTensor).shape.length;
      return rank ? withArgs(call, call.args, { axis: [seed % rank, (seed % rank) - rank] }) : withArgs(call, call.args, { axis: [0, 0] });
    },
    bool_output: boolOutput,
  },
  categoricalPlanArb.map(categoricalCall),
  [['axis_past', 'axis_repeated']],
);

/** Labels that are not the output's shape without its last dim, a scalar output, a bad axis, bool logits. */
const sparseFaults = spoilt(
  {
    rank0: (call, seed) => withArgs(call, [ints([2], 0, 2, seed), f32([], seed)]),
    // axis 0 of a (2, 3) output: one_hot(target, 2, axis=0) is (2, 2), which does not broadcast.
    axis0: (call, seed) => {
      const classes = 2 + (seed % 3);
      return withArgs(call, [ints([classes], 0, classes, seed), f32([classes, classes + 1], seed)], { axis: 0 });
    },
    labels: (call, seed) => {
      const [target, out] = call.args as GoldenTensor[];
      const labels = target.shape.length ? otherShape(target.shape, seed) : [2];
      return withArgs(call, [ints(labels.map((d) => (d === 1 ? 2 : d)), 0, 2, seed), out]);
    },
    axis_past: axisPast,
    bool_output: boolOutput,
  },
  sparsePlanArb.map(sparseCall),
  [['rank0', 'axis0'], ['axis0', 'axis_past']],
);

/** Different shapes (eagerly compared), or two bools, which JAX cannot subtract. */
const psnrFaults = spoilt(
  {
    shape: (call, seed) => {
      const [x1, , maxVal] = call.args as [GoldenTensor, GoldenTensor, GoldenValue];
      return withArgs(call, [x1, f32(otherShape(x1.shape, seed), seed), maxVal]);
    },
    bools: (call, seed) => {
      const [x1, x2, maxVal] = call.args as [GoldenTensor, GoldenTensor, GoldenValue];
      return withArgs(call, [bools(x1.shape, seed), bools(x2.shape, seed + 1), maxVal]);
    },
  },
  psnrPlanArb.map(psnrCall),
);

export const lossesFaults = {
  binary_crossentropy: binaryFaults,
  categorical_crossentropy: categoricalFaults,
  sparse_categorical_crossentropy: sparseFaults,
  psnr: psnrFaults,
};

export const lossesGenerators = {
  binary_crossentropy: { valid: binaryPlanArb.map(binaryCall), invalid: invalidCalls(binaryFaults) },
  categorical_crossentropy: { valid: categoricalPlanArb.map(categoricalCall), invalid: invalidCalls(categoricalFaults) },
  sparse_categorical_crossentropy: { valid: sparsePlanArb.map(sparseCall), invalid: invalidCalls(sparseFaults) },
  psnr: { valid: psnrPlanArb.map(psnrCall), invalid: invalidCalls(psnrFaults) },
} satisfies Record<string, OpGenerators>;
