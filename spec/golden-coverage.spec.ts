/**
 * Pairwise coverage of the goldens: for each op of tools/golden/pairwise-factors.json, every pair of
 * levels of two of its factors (rank x strides, dilation x padding, ...) must appear in at least one
 * valid case of golden/<op>.json. Cases are classified from the recorded call itself, so a later edit of
 * the catalogue cannot drop a pair without this spec naming it; every Keras version's set is checked, with
 * the factor sets of `later_ops` in the sets of their `since` release or newer.
 * KERAS_PARITY_GOLDEN_DIR reads goldens from another directory (one set, or keras-<version>/ sets), as the
 * conformance spec does.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { GoldenTensor, loadOp, opsOf, readManifest, type GoldenCase, type GoldenValue } from '../src/golden/index.js';
import { directorySource, goldenSetDirs } from '../src/golden/node.js';
import { compareVersions } from '../src/keras-versions.js';
import { lowerPadding, standardizeDataFormat } from '../src/ops/args.js';
import { OP_TABLE, type AnyOpDef } from '../src/ops/table.js';

const GOLDEN_DIR = process.env.KERAS_PARITY_GOLDEN_DIR ?? fileURLToPath(new URL('../golden/', import.meta.url));
const FACTORS_FILE = fileURLToPath(new URL('../tools/golden/pairwise-factors.json', import.meta.url));

/** An exclusion takes a pair, or with `level` one level, away from `ops` (every op when absent). */
interface Exclusion {
  pair?: Record<string, string>;
  level?: Record<string, string>;
  ops?: string[];
  why: string;
}

interface Declaration {
  factors: Record<string, { about: string; levels: Record<string, unknown> }>;
  ops: Record<string, string[]>;
  /** Factor sets of a later Keras: checked in the sets of Keras `since` or newer. */
  later_ops: Record<string, { since: string; factors: string[] }>;
  excluded: Exclusion[];
}

const DECLARATION: Declaration = JSON.parse(readFileSync(FACTORS_FILE, 'utf8'));

/** One op's factors, whose pairs the golden sets of Keras `since` (null: every one) or newer must hold. */
interface FactorSet {
  op: string;
  factors: string[];
  since: string | null;
}

function factorSets(decl: Declaration): FactorSet[] {
  return [
    ...Object.entries(decl.ops).map(([op, factors]) => ({ op, factors, since: null })),
    ...Object.entries(decl.later_ops).map(([op, { since, factors }]) => ({ op, factors, since })),
  ];
}

type Levels = Record<string, string>;

/** The call's arguments by Keras parameter name, Keras's defaults where the call leaves one out. */
function bindCall(c: GoldenCase): Record<string, GoldenValue> {
  const def = OP_TABLE[c.op as keyof typeof OP_TABLE] as AnyOpDef;
  const bound: Record<string, GoldenValue> = {};
  def.params.forEach((p, i) => {
    if (i < c.args.length) bound[p.name] = c.args[i];
    else if (!p.required) bound[p.name] = p.default as GoldenValue;
  });
  for (const [k, v] of Object.entries(c.kwargs)) bound[def.legacyKeywords?.[k] ?? k] = v;
  return bound;
}

function shapeOf(v: GoldenValue): readonly number[] {
  if (!(v instanceof GoldenTensor)) throw new Error(`expected a tensor, got ${JSON.stringify(v)}`);
  return v.shape;
}

/** An int or a tuple, per spatial dim. */
function perDim(v: GoldenValue, rank: number): (number | null)[] {
  if (Array.isArray(v)) return v as (number | null)[];
  return Array<number | null>(rank).fill(v as number | null);
}

// Each factor's classifier: the resolved value of a call to its level name in the declaration. Where
// the class needs more than one value (a bias against the full shape), VALUES gives the level itself.
const level = (l: string) => l;
const flag = (b: boolean) => String(b);
const givenLevel = (v: unknown) => (v === null ? 'none' : 'given');
const CLASSIFY: Record<string, (v: any) => string> = {
  rank: (n: number) => String(n),
  data_format: (f: string) => f,
  padding: (p: string) => p,
  strides: tupleLevel,
  dilation: tupleLevel,
  window: windowLevel,
  groups: countLevel,
  multiplier: countLevel,
  output_padding: outputPaddingLevel,
  dtype: level,
  second_dtype: level,
  tensor_rank: (n: number) => (n > 2 ? '>2' : String(n)),
  values: level,
  axis: axisLevel,
  axes: level,
  keepdims: flag,
  from_logits: flag,
  approximate: flag,
  is_causal: flag,
  merge_repeated: flag,
  negative_slope: coefficientLevel,
  alpha: coefficientLevel,
  b: coefficientLevel,
  order: (o: number) => (o === 1 || o === 2 ? String(o) : 'other'),
  epsilon: givenLevel,
  offset: givenLevel,
  scale: givenLevel,
  bias: level,
  mask: level,
  heads: level,
  query_length: level,
  strategy: level,
  beam_width: countLevel,
  top_paths: countLevel,
  mask_index: (m: number | null) => (m === null ? 'none' : m === 0 ? '0' : 'other'),
  sequence_lengths: level,
  target_lengths: level,
  labels: level,
  dtype_argument: (d: string | null) => d ?? 'none',
  target_shape: level,
  max_val: (v: number) => (Number.isInteger(v) ? 'whole' : 'fractional'),
  axis_form: level,
  gamma: givenLevel,
  beta: givenLevel,
  output_size: level,
  form: (v: unknown) => (Array.isArray(v) ? 'tuple' : 'int'),
  zero_padding: paddingLevel,
  block_size: (n: number) => (n === 2 ? '2' : '>2'),
  threshold: signedLevel,
  default_value: signedLevel,
  flash_attention: (v: boolean | null) => (v === null ? 'none' : flag(v)),
  mask_dtype: level,
};

/** A whole number counts as an int: a golden's JSON, as JavaScript, does not tell 2.0 from 2. */
function signedLevel(v: number): string {
  if (v === 0) return '0';
  const kind = Number.isInteger(v) ? 'int' : 'fraction';
  return `${kind}${v < 0 ? '<' : '>'}0`;
}

function paddingLevel(t: number[]): string {
  if (!t.some((p) => p > 0)) return '0';
  return t.every((p) => p === t[0]) ? '>0' : 'unequal';
}

/** An int axis as written and where it points in a rank-`rank` tensor; a tuple; None. */
function axisFormLevel(a: GoldenValue, rank: number): string {
  if (a === null || Array.isArray(a)) return a === null ? 'none' : 'tuple';
  const axis = a as number;
  if (axis === -1) return '-1';
  if (axis >= 0) return axis === rank - 1 ? 'last' : 'other';
  return 'negative';
}

function axisLevel(a: number | number[] | null): string {
  if (a === null) return 'none';
  if (Array.isArray(a)) return 'tuple';
  return a === -1 ? '-1' : a === 0 ? '0' : 'other';
}

function coefficientLevel(s: number): string {
  if (s < 0) return '<0';
  if (s === 0) return '0';
  return s < 1 ? 'fraction' : s === 1 ? '1' : '>1';
}

function tupleLevel(t: number[]): string {
  if (t.every((d) => d === 1)) return '1';
  return t.every((d) => d === t[0]) ? '>1' : 'unequal';
}

function windowLevel(t: number[]): string {
  const classes = new Set(t.map((k) => (k === 1 ? '1' : k % 2 === 0 ? 'even' : 'odd')));
  return classes.size === 1 ? [...classes][0] : 'mixed';
}

function countLevel(n: number): string {
  return n === 1 ? '1' : '>1';
}

function outputPaddingLevel(t: (number | null)[] | null): string {
  if (t === null || t.every((d) => d === null)) return 'none';
  return t.some((d) => d !== null && d > 0) ? '>0' : '0';
}

/** What the conv family shares: layout, padding and the window's geometry. */
function windowValues(call: Record<string, GoldenValue>, kernel: readonly number[]) {
  const rank = kernel.length - 2;
  const dilation = call.dilation_rate === null ? 1 : call.dilation_rate;
  return {
    rank,
    data_format: standardizeDataFormat(call.data_format),
    padding: lowerPadding(call.padding),
    strides: perDim(call.strides, rank),
    dilation: perDim(dilation, rank),
    window: kernel.slice(0, rank),
  };
}

function channelsIn(input: readonly number[], dataFormat: string): number {
  return dataFormat === 'channels_first' ? input[1] : input[input.length - 1];
}

function convValues(call: Record<string, GoldenValue>) {
  const kernel = shapeOf(call.kernel);
  const v = windowValues(call, kernel);
  return { ...v, groups: channelsIn(shapeOf(call.inputs), v.data_format) / kernel[kernel.length - 2] };
}

function depthwiseValues(kernelName: string) {
  return (call: Record<string, GoldenValue>) => {
    const kernel = shapeOf(call[kernelName]);
    return { ...windowValues(call, kernel), multiplier: kernel[kernel.length - 1] };
  };
}

function transposeValues(call: Record<string, GoldenValue>) {
  const v = windowValues(call, shapeOf(call.kernel));
  const op = call.output_padding === null ? null : perDim(call.output_padding, v.rank);
  return { ...v, output_padding: op };
}

function poolValues(call: Record<string, GoldenValue>) {
  const rank = shapeOf(call.inputs).length - 2;
  const window = perDim(call.pool_size, rank);
  return {
    rank,
    data_format: standardizeDataFormat(call.data_format),
    padding: lowerPadding(call.padding),
    strides: perDim(call.strides ?? call.pool_size, rank),
    window,
  };
}

function tensorOf(v: GoldenValue): GoldenTensor {
  shapeOf(v);
  return v as GoldenTensor;
}

const numbers = (v: GoldenValue): number[] => Array.from(tensorOf(v).data, Number);

/** dtype, rank and whether inf or NaN is among the values, of the op's data input. */
function dataValues(v: GoldenValue) {
  const t = tensorOf(v);
  return {
    dtype: t.dtype,
    tensor_rank: t.shape.length,
    values: numbers(t).every(Number.isFinite) ? 'finite' : 'nonfinite',
  };
}

function labelsLevel(labels: number[], classes: number): string {
  return labels.every((l) => l >= 0 && l < classes) ? 'in_range' : 'out_of_range';
}

/** full: every length covers `size`; short: some does not. */
function lengthsLevel(lengths: GoldenValue, size: number): string {
  return numbers(lengths).every((l) => l >= size) ? 'full' : 'short';
}

function activationValues(call: Record<string, GoldenValue>) {
  return { ...dataValues(call.x), ...call };
}

function encodingValues(input: string) {
  return (call: Record<string, GoldenValue>) => ({
    ...dataValues(call[input]),
    axis: call.axis,
    labels: labelsLevel(numbers(call[input]), call.num_classes as number),
    dtype_argument: call.dtype,
  });
}

function lossValues(call: Record<string, GoldenValue>) {
  const output = dataValues(call.output);
  return {
    ...call,
    dtype: tensorOf(call.target).dtype,
    second_dtype: output.dtype,
    tensor_rank: output.tensor_rank,
    values: output.values,
  };
}

function sparseLossValues(call: Record<string, GoldenValue>) {
  const [target, output] = [shapeOf(call.target), shapeOf(call.output)];
  const axis = call.axis as number;
  const classes = output[axis < 0 ? axis + output.length : axis];
  return {
    ...lossValues(call),
    target_shape: target.length === output.length ? 'trailing1' : 'squeezed',
    labels: labelsLevel(numbers(call.target).map(Math.trunc), classes),
  };
}

function momentsValues(call: Record<string, GoldenValue>) {
  const rank = shapeOf(call.x).length;
  const axes = typeof call.axes === 'number' ? [call.axes] : (call.axes as number[] | null);
  const distinct = axes && new Set(axes.map((a) => (a + rank) % rank)).size;
  const level =
    axes?.length === 0 ? 'empty' : axes === null || distinct === rank ? 'all' : axes.length === 1 ? 'one' : 'several';
  return { ...dataValues(call.x), axes: level, keepdims: call.keepdims };
}

function ctcLossValues(call: Record<string, GoldenValue>) {
  return {
    dtype: tensorOf(call.output).dtype,
    mask_index: call.mask_index,
    sequence_lengths: lengthsLevel(call.output_length, shapeOf(call.output)[1]),
    target_lengths: lengthsLevel(call.target_length, shapeOf(call.target)[1]),
  };
}

function ctcDecodeValues(call: Record<string, GoldenValue>) {
  return {
    ...call,
    dtype: tensorOf(call.inputs).dtype,
    sequence_lengths: lengthsLevel(call.sequence_lengths, shapeOf(call.inputs)[1]),
  };
}

/** query (B, T, N, H), key (B, S, K, H); a bias or mask is full at (B, N, T, S). */
function attentionValues(call: Record<string, GoldenValue>) {
  const [[b, t, n], [, s, k]] = [shapeOf(call.query), shapeOf(call.key)];
  const full = [b, n, t, s];
  const extra = (v: GoldenValue) =>
    v === null ? 'none' : shapeOf(v).join() === full.join() ? 'full' : 'broadcast';
  return {
    dtype: tensorOf(call.query).dtype,
    heads: n === k ? 'mha' : k === 1 ? 'mqa' : 'gqa',
    bias: extra(call.bias),
    mask: extra(call.mask),
    is_causal: call.is_causal,
    scale: call.scale,
    query_length: t === s ? 'equal' : t < s ? 'shorter' : 'longer',
    flash_attention: call.flash_attention,
    mask_dtype: call.mask === null ? 'none' : tensorOf(call.mask).dtype,
  };
}

/** The adaptive pools' output_size against the input's spatial dims (1-D reads output_size[0] alone). */
function adaptivePoolValues(call: Record<string, GoldenValue>) {
  const input = tensorOf(call.inputs);
  const dataFormat = standardizeDataFormat(call.data_format);
  const rank = input.shape.length - 2;
  const spatial = dataFormat === 'channels_first' ? input.shape.slice(2) : input.shape.slice(1, -1);
  const sizes = perDim(call.output_size, rank).slice(0, rank) as number[];
  const outputSize = sizes.every((o) => o === 1)
    ? '1'
    : sizes.some((o, i) => o > spatial[i])
      ? 'larger'
      : sizes.every((o, i) => spatial[i] % o === 0)
        ? 'divides'
        : 'uneven';
  return { rank, data_format: dataFormat, output_size: outputSize, form: call.output_size, dtype: input.dtype };
}

/** unfold's and fold's window arguments, per spatial dim of their 2-D images. */
function patchesValues(call: Record<string, GoldenValue>) {
  return {
    window: perDim(call.kernel_size, 2),
    strides: perDim(call.stride, 2),
    dilation: perDim(call.dilation, 2),
    zero_padding: perDim(call.padding, 2),
    form: call.kernel_size,
    dtype: tensorOf(call.x).dtype,
  };
}

function blockValues(call: Record<string, GoldenValue>) {
  const dtype = tensorOf(call.x).dtype;
  return { data_format: standardizeDataFormat(call.data_format), block_size: call.block_size, dtype };
}

/** The call with its axis's form and its data input's values; rms_normalization reads a 0-D x as (1,). */
function axisOpValues(minRank: number) {
  return (call: Record<string, GoldenValue>) => {
    const data = dataValues(call.x);
    return { ...call, ...data, axis_form: axisFormLevel(call.axis, Math.max(data.tensor_rank, minRank)) };
  };
}

/** Per op: a bound call to the values of its factors. */
const VALUES: Record<string, (call: Record<string, GoldenValue>) => Record<string, unknown>> = {
  conv: convValues,
  depthwise_conv: depthwiseValues('kernel'),
  separable_conv: depthwiseValues('depthwise_kernel'),
  conv_transpose: transposeValues,
  max_pool: poolValues,
  average_pool: poolValues,
  ...Object.fromEntries(
    [
      ...['relu', 'relu6', 'sigmoid', 'softplus', 'softsign', 'silu', 'log_sigmoid', 'leaky_relu', 'hard_sigmoid'],
      ...['hard_silu', 'elu', 'selu', 'gelu', 'softmax', 'log_softmax', 'batch_normalization', 'normalize'],
    ].map((op) => [op, activationValues]),
  ),
  one_hot: encodingValues('x'),
  multi_hot: encodingValues('inputs'),
  binary_crossentropy: lossValues,
  categorical_crossentropy: lossValues,
  sparse_categorical_crossentropy: sparseLossValues,
  psnr: (call) => ({ ...dataValues(call.x1), second_dtype: tensorOf(call.x2).dtype, max_val: call.max_val }),
  moments: momentsValues,
  ctc_loss: ctcLossValues,
  ctc_decode: ctcDecodeValues,
  dot_product_attention: attentionValues,
  glu: axisOpValues(0),
  sparsemax: axisOpValues(0),
  rms_normalization: axisOpValues(1),
  layer_normalization: axisOpValues(0),
  ...Object.fromEntries(
    [
      ...['celu', 'hard_shrink', 'soft_shrink', 'squareplus', 'hard_tanh', 'tanh_shrink', 'sparse_plus'],
      ...['sparse_sigmoid', 'threshold'],
    ].map((op) => [op, activationValues]),
  ),
  adaptive_max_pool: adaptivePoolValues,
  adaptive_average_pool: adaptivePoolValues,
  unfold: patchesValues,
  fold: patchesValues,
  depth_to_space: blockValues,
  space_to_depth: blockValues,
};

function levelsOf(c: GoldenCase, factors: string[]): Levels {
  const values = VALUES[c.op](bindCall(c));
  return Object.fromEntries(factors.map((f) => [f, CLASSIFY[f](values[f])]));
}

const pairKey = (f: string, a: string, g: string, b: string) => `${f}=${a} x ${g}=${b}`;

const appliesTo = (e: Exclusion, op: string) => e.ops === undefined || e.ops.includes(op);

/**
 * Every pair of levels of two of the op's factors, in declaration order, minus the excluded ones; a pair
 * holding an excluded level counts as excluded for that level's reason.
 */
function requiredPairs(
  decl: Declaration,
  op: string,
  factors: string[],
): { wanted: string[]; excluded: Map<string, string> } {
  const rules = decl.excluded.filter((e) => appliesTo(e, op));
  const levelWhy = (f: string, a: string) => rules.find((e) => e.level?.[f] === a)?.why;
  const excluded = new Map<string, string>();
  const wanted: string[] = [];
  factors.forEach((f, i) =>
    factors.slice(i + 1).forEach((g) => {
      for (const a of Object.keys(decl.factors[f].levels)) {
        for (const b of Object.keys(decl.factors[g].levels)) {
          const why =
            levelWhy(f, a) ?? levelWhy(g, b) ?? rules.find((e) => e.pair?.[f] === a && e.pair?.[g] === b)?.why;
          if (why) excluded.set(pairKey(f, a, g, b), why);
          else wanted.push(pairKey(f, a, g, b));
        }
      }
    }),
  );
  return { wanted, excluded };
}

/** pair -> ids of the valid cases holding it. */
function coveredPairs(factors: string[], cases: GoldenCase[]): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  for (const c of cases.filter((c) => 'outputs' in c.expected)) {
    const levels = levelsOf(c, factors);
    factors.forEach((f, i) =>
      factors.slice(i + 1).forEach((g) => {
        const key = pairKey(f, levels[f], g, levels[g]);
        seen.set(key, [...(seen.get(key) ?? []), c.id]);
      }),
    );
  }
  return seen;
}

/** Lines naming each missing pair, and each excluded pair that a valid case holds after all. */
function coverageProblems(decl: Declaration, op: string, cases: GoldenCase[], factors = decl.ops[op]): string[] {
  const { wanted, excluded } = requiredPairs(decl, op, factors);
  const seen = coveredPairs(factors, cases);
  const missing = wanted.filter((p) => !seen.has(p)).map((p) => `${op}: no valid case has ${p}`);
  const wrong = [...excluded]
    .filter(([p]) => seen.has(p))
    .map(([p, why]) => `${op}: ${p} is excluded ("${why}") but ${seen.get(p)![0]} has it`);
  return [...missing, ...wrong];
}

/** Whether a Keras version's golden set must hold a factor set's pairs. */
const checkedIn = (set: FactorSet, keras: string) => set.since === null || compareVersions(set.since, keras) <= 0;

/** Each Keras version's cases of the declared ops it has goldens for. */
const SETS = goldenSetDirs(GOLDEN_DIR).map(({ keras, dir }) => {
  const source = directorySource(dir);
  const manifest = readManifest(source);
  const declared = new Set(factorSets(DECLARATION).filter((set) => checkedIn(set, keras)).map((set) => set.op));
  const ops = [...declared].filter((op) => opsOf(manifest).includes(op));
  return { keras, loaded: new Map(ops.map((op) => [op, loadOp(source, manifest, op).cases])) };
});
/** The seed's, for the checks of the checker itself. */
const loaded = SETS[0]?.loaded ?? new Map<string, GoldenCase[]>();

describe('pairwise coverage of the goldens (tools/golden/pairwise-factors.json)', () => {
  it('declares classifiable factors whose example values fall in their own levels', () => {
    for (const [name, factor] of Object.entries(DECLARATION.factors)) {
      expect(CLASSIFY, `a classifier for ${name}`).to.have.property(name);
      for (const [level, example] of Object.entries(factor.levels)) {
        expect(CLASSIFY[name](example), `${name} example ${JSON.stringify(example)}`).to.equal(level);
      }
    }
  });

  it('excludes only pairs or levels of declared factors of declared ops, each with a reason', () => {
    for (const { pair, level, ops, why } of DECLARATION.excluded) {
      expect(Object.keys(pair ?? level ?? {})).to.have.length(pair ? 2 : 1);
      expect(pair === undefined || level === undefined, 'a pair or a level, not both').to.equal(true);
      for (const [f, l] of Object.entries(pair ?? level!)) {
        expect(DECLARATION.factors[f]?.levels, f).to.have.property(l);
      }
      for (const op of ops ?? []) expect(factorSets(DECLARATION).some((set) => set.op === op), op).to.equal(true);
      if (level) expect(ops, 'a level is taken from named ops').to.be.an('array');
      expect(why.trim()).to.not.equal('');
    }
  });

  it('gives each later factor set declared factors and a Keras release that has the op', () => {
    for (const [op, { since, factors }] of Object.entries(DECLARATION.later_ops)) {
      expect(since, op).to.match(/^3\.\d+$/);
      const def = OP_TABLE[op as keyof typeof OP_TABLE] as AnyOpDef;
      expect(compareVersions(def.since ?? '3.6', since), `${op} came in ${def.since}`).to.be.at.most(0);
      for (const f of factors) expect(DECLARATION.factors, `${op}: ${f}`).to.have.property(f);
    }
  });

  it('checks a later factor set only in the sets of its release or newer', () => {
    const set = { op: 'unfold', factors: [], since: '3.12' };
    const checked = ['3.6.0', '3.12.0', '3.15.1'].map((keras) => checkedIn(set, keras));
    expect(checked).to.deep.equal([false, true, true]);
  });

  for (const { keras, loaded: cases } of SETS) {
    for (const { op, factors } of factorSets(DECLARATION).filter((set) => checkedIn(set, keras))) {
      it(`${op} (Keras ${keras}): every pair of ${factors.join(', ')} is in a valid case`, () => {
        if (!cases.has(op)) expect.fail(`no goldens of ${op} in the Keras ${keras} set`);
        const problems = coverageProblems(DECLARATION, op, cases.get(op)!, factors);
        if (problems.length > 0) expect.fail(problems.join('\n'));
      });
    }
  }

  it('names a pair once the only cases holding it are gone', () => {
    const cases = loaded.get('conv')!;
    const seen = coveredPairs(DECLARATION.ops.conv, cases);
    const [pair, ids] = [...seen].sort((a, b) => a[1].length - b[1].length)[0];
    const problems = coverageProblems(DECLARATION, 'conv', cases.filter((c) => !ids.includes(c.id)));
    expect(problems).to.include(`conv: no valid case has ${pair}`);
  });

  it('names a pair that holds an excluded level when a valid case holds it', () => {
    const decl = { ...DECLARATION, excluded: [{ level: { dtype: 'int32' }, ops: ['relu'], why: 'for this test' }] };
    const problems = coverageProblems(decl, 'relu', loaded.get('relu')!);
    const named = /^relu: dtype=int32 x tensor_rank=2 is excluded \("for this test"\)/;
    expect(problems.some((p) => named.test(p))).to.equal(true);
  });

  it('names an excluded pair that a valid case holds', () => {
    const decl = { ...DECLARATION, excluded: [{ pair: { rank: '2', window: 'mixed' }, why: 'for this test' }] };
    const problems = coverageProblems(decl, 'max_pool', loaded.get('max_pool')!);
    expect(problems.some((p) => p.startsWith('max_pool: rank=2 x window=mixed is excluded'))).to.equal(true);
  });
});
