/**
 * Generators for ctc_loss and ctc_decode (greedy and beam search): batch, time and class sizes from
 * 1, labels with repeats, blanks and out-of-range classes, lengths from 0 to past the padded size and
 * negative, every blank index, peaked logits whose decodings repeat and skip, exact ties for greedy
 * decoding (argmax takes the first), special values; and the argument sets Keras rejects.
 *
 * Kept out, where keras-parity differs on purpose (docs/deviations.md): float labels and lengths,
 * mask_index outside [0, C), mismatched batch sizes, top_paths or beam_width below 1, non-boolean
 * merge_repeated; and integer-valued logits in beam search, whose exact score ties JAX breaks by
 * float32 rounding. A mismatched batch of lengths is drawn only beside an unknown strategy, which
 * Keras reports first.
 */
import * as fc from 'fast-check';
import type { GoldenValue, ToleranceWithReason } from '../../golden/cases.js';
import { GoldenTensor } from '../../golden/safetensors.js';
import { callOf, floats, ints, prng, type FuzzCall, type OpGenerators } from '../call.js';
import { type Fault, type FaultSet, invalidCalls } from './faults.js';
import { boundTolerance, gamma, maxOf, omittable, seedArb, withSpecials, U } from './forms.js';

interface Sizes {
  batch: number;
  steps: number;
  classes: number;
}

/** One draw in ten is big (up to 40 steps and 30 classes; beam search half that, its paths grow fast). */
const sizesArb = (minClasses: number, beam = false): fc.Arbitrary<Sizes> =>
  fc.integer({ min: 0, max: 9 }).chain((v) =>
    fc.record({
      batch: fc.integer({ min: 1, max: v === 0 ? 4 : 3 }),
      steps: fc.integer({ min: 1, max: v === 0 ? (beam ? 20 : 40) : 8 }),
      classes: fc.integer({ min: minClasses, max: v === 0 ? (beam ? 12 : 30) : 6 }),
    }),
  );

/** The blank: left out (0), or any class. `allowNone`: ctc_decode's None means the last class. */
function maskIndexArb(classes: number, allowNone: boolean): fc.Arbitrary<{ blank: number; arg: GoldenValue | undefined }> {
  const options = [
    fc.constant({ blank: 0, arg: undefined as GoldenValue | undefined }),
    fc.integer({ min: 0, max: classes - 1 }).map((blank) => ({ blank, arg: blank as GoldenValue | undefined })),
  ];
  if (allowNone) options.push(fc.constant({ blank: classes - 1, arg: null }));
  return fc.oneof(...options);
}

type LogitsKind = 'normal' | 'peaked' | 'int32';

interface LogitsDraw {
  kind: LogitsKind;
  scale: number;
  seed: number;
  /** Fraction of entries made NaN or an infinity. */
  specials: number;
}

const logitsArb = (kinds: LogitsKind[], specials: boolean): fc.Arbitrary<LogitsDraw> =>
  fc.record({
    kind: fc.constantFrom(...kinds),
    scale: fc.constantFrom(1, 1, 3, 10),
    seed: seedArb,
    specials: specials ? fc.constantFrom(0, 0, 0, 0.05) : fc.constant(0),
  });

/** Normal logits, a drawn class per frame raised by 3 over noise (decodings with runs), or small ints (ties). */
function logits(s: Sizes, d: LogitsDraw): GoldenTensor {
  const shape = [s.batch, s.steps, s.classes];
  if (d.kind === 'int32') return ints(shape, -3, 4, d.seed);
  const x = floats(shape, d.seed, { scale: d.kind === 'peaked' ? 1 : d.scale });
  if (d.kind === 'peaked') {
    const next = prng(d.seed + 1);
    let peak = 0;
    for (let f = 0; f < s.batch * s.steps; f++) {
      // Keep the previous frame's class half the time: runs to merge, or to keep apart with a blank.
      if (next() < 0.5) peak = Math.floor(next() * s.classes);
      x.data[f * s.classes + peak] += 3;
    }
  }
  return d.specials > 0 ? withSpecials(x, d.seed, d.specials, [NaN, Infinity, -Infinity]) : x;
}

/** Lengths in [0, size]; with `wild`, now and then -1 or -2, or past the size (Keras clamps both). */
function lengths(batch: number, size: number, seed: number, wild: boolean): GoldenTensor {
  const next = prng(seed);
  const outside = () => (next() < 0.5 ? -1 - Math.floor(next() * 2) : size + 1 + Math.floor(next() * 3));
  const data = Int32Array.from({ length: batch }, () => (wild && next() < 0.3 ? outside() : Math.floor(next() * (size + 1))));
  return new GoldenTensor('', 'int32', [batch], data);
}

/**
 * A log-space recursion over T steps (the CTC forward pass, or beam search's path scores): each step
 * adds a log-probability, whose float32 error is at most E_lp = u*R + gamma_C + 8u + 0.37*C*u + 4u*log C
 * (log_softmax over C classes with logit range R per frame), and rounds a logaddexp of values no
 * larger than the result (+ log 2 per step): (T+1)*(E_lp + 6u + 1.4*T*u) absolute plus 2(T+1)u relative.
 */
function recursionTolerance(op: string, x: GoldenTensor, s: Sizes): ToleranceWithReason | undefined {
  let range = 0;
  for (let f = 0; f < s.batch * s.steps; f++) {
    const frame = Array.from(x.data.subarray(f * s.classes, (f + 1) * s.classes));
    if (frame.every(Number.isFinite)) range = Math.max(range, Math.max(...frame) - Math.min(...frame));
  }
  const c = s.classes;
  const eLp = U * range + gamma(c) + 8 * U + 0.37 * c * U + 4 * U * Math.log(c);
  const t = s.steps;
  const why = `${op}: a float32 log-space recursion over T=${t} steps of log_softmax over C=${c} classes (max logit range ${range.toPrecision(4)}): |error| <= (T+1)*(E_lp + 6u + 1.4Tu) + 2(T+1)u*|result|`;
  return boundTolerance((t + 1) * (eLp + 6 * U + 1.4 * t * U), 2 * (t + 1) * U, why);
}

// ctc_loss --------------------------------------------------------------------------------------

interface LossPlan {
  s: Sizes;
  labelLength: number;
  mask: { blank: number; arg: GoldenValue | undefined };
  logits: LogitsDraw;
  /** Labels that equal the blank or lie outside [0, C) (Keras-JAX's one-hot row is then zero). */
  oddLabels: boolean;
  wildLengths: boolean;
  seed: number;
}

const lossPlanArb: fc.Arbitrary<LossPlan> = sizesArb(1).chain((s) =>
  fc.record({
    s: fc.constant(s),
    labelLength: fc.integer({ min: 0, max: Math.min(12, Math.max(5, s.steps >> 1)) }),
    mask: maskIndexArb(s.classes, false),
    logits: logitsArb(['normal', 'normal', 'peaked', 'int32'], true),
    oddLabels: fc.integer({ min: 0, max: 4 }).map((v) => v === 0),
    wildLengths: fc.integer({ min: 0, max: 4 }).map((v) => v === 0),
    seed: seedArb,
  }),
);

/** Labels other than the blank, drawn from few classes so that repeats (which need a blank between) are common. */
function labels(p: LossPlan): GoldenTensor {
  const next = prng(p.seed);
  const { batch, classes } = p.s;
  const others = [...Array(classes).keys()].filter((c) => c !== p.mask.blank);
  const data = Int32Array.from({ length: batch * p.labelLength }, () => {
    if (p.oddLabels && next() < 0.3) return [p.mask.blank, classes, classes + 2, -1][Math.floor(next() * 4)];
    return others.length ? others[Math.floor(next() * Math.min(others.length, 3))] : p.mask.blank;
  });
  return new GoldenTensor('', 'int32', [batch, p.labelLength], data);
}

function lossCall(p: LossPlan): FuzzCall {
  const output = logits(p.s, p.logits);
  const values = {
    target: labels(p),
    output,
    target_length: lengths(p.s.batch, p.labelLength, p.seed + 1, p.wildLengths),
    output_length: lengths(p.s.batch, p.s.steps, p.seed + 2, p.wildLengths),
    mask_index: p.mask.arg,
  };
  return callOf('ctc_loss', values, recursionTolerance('ctc_loss', output, p.s));
}

// ctc_decode ------------------------------------------------------------------------------------

interface DecodePlan {
  s: Sizes;
  beam: boolean;
  strategyArg: GoldenValue | undefined;
  mask: { blank: number; arg: GoldenValue | undefined };
  logits: LogitsDraw;
  mergeRepeated: boolean | undefined;
  beamWidth: number | undefined;
  topPaths: number | undefined;
  wildLengths: boolean;
  seed: number;
}

/**
 * greedy (left out or named) or beam_search. Greedy reads merge_repeated and ignores the beam
 * arguments; beam search the reverse: both are passed now and then anyway.
 */
const decodePlanArb: fc.Arbitrary<DecodePlan> = fc.boolean().chain((beam) =>
  sizesArb(1, beam).chain((s) =>
    fc.record({
      s: fc.constant(s),
      beam: fc.constant(beam),
      strategyArg: beam ? fc.constant('beam_search') : fc.constantFrom(undefined, 'greedy'),
      mask: maskIndexArb(s.classes, true),
      // Integer logits tie exactly; beam search ranks paths by float32 scores, so it gets real-valued ones.
      logits: logitsArb(beam ? ['normal', 'normal', 'peaked'] : ['normal', 'peaked', 'int32'], !beam),
      mergeRepeated: beam ? omittable(fc.boolean(), 5, 1) : omittable(fc.boolean(), 1, 1),
      beamWidth: beam ? omittable(fc.integer({ min: 1, max: 8 }), 1, 5) : omittable(fc.integer({ min: 1, max: 8 }), 2, 1),
      topPaths: beam ? omittable(fc.integer({ min: 1, max: 10 }), 1, 3) : omittable(fc.integer({ min: 1, max: 10 }), 2, 1),
      wildLengths: fc.integer({ min: 0, max: 4 }).map((v) => v === 0),
      seed: seedArb,
    }),
  ),
);

/** Greedy scores are -sum over T frames of the frame's max: gamma_T * sum|max| per sample. */
function greedyTolerance(x: GoldenTensor, s: Sizes): ToleranceWithReason | undefined {
  const sums = Array.from({ length: s.batch }, (_, b) => {
    let sum = 0;
    for (let t = 0; t < s.steps; t++) {
      const frame = x.data.subarray((b * s.steps + t) * s.classes, (b * s.steps + t + 1) * s.classes);
      const m = Math.max(...frame);
      if (Number.isFinite(m)) sum += Math.abs(m);
    }
    return sum;
  });
  const why = `ctc_decode greedy: scores are float32 sums of T=${s.steps} frame maxima, max sum|max| ${maxOf(sums).toPrecision(4)}: |error| <= gamma_T * sum|max|`;
  return boundTolerance(gamma(s.steps) * maxOf(sums), 0, why);
}

function decodeCall(p: DecodePlan): FuzzCall {
  const inputs = logits(p.s, p.logits);
  const values = {
    inputs,
    sequence_lengths: lengths(p.s.batch, p.s.steps, p.seed + 1, p.wildLengths),
    strategy: p.strategyArg,
    beam_width: p.beamWidth,
    top_paths: p.topPaths,
    merge_repeated: p.mergeRepeated,
    mask_index: p.mask.arg,
  };
  const tolerance = p.beam ? recursionTolerance('ctc_decode beam_search', inputs, p.s) : greedyTolerance(inputs, p.s);
  return callOf('ctc_decode', values, tolerance);
}

// invalid ---------------------------------------------------------------------------------------

const f32 = (shape: number[], seed: number) => floats(shape, seed);

/** Spoils one argument of a call: `change` gets copies of its args and kwargs to edit. */
const spoil = (change: (args: GoldenTensor[], kwargs: Record<string, GoldenValue>, seed: number) => void): Fault<FuzzCall> =>
  (call, seed) => {
    const args = [...call.args] as GoldenTensor[];
    const kwargs = { ...call.kwargs };
    change(args, kwargs, seed);
    return { op: call.op, args, kwargs };
  };

/** Wrong ranks, no time steps, a mask_index that is not an int. */
const lossFaults: FaultSet<FuzzCall> = {
  base: lossPlanArb.map(lossCall),
  call: (c) => c,
  faults: {
    target_rank: spoil((args, _, seed) => {
      const [b, , c = 2] = args[1].shape;
      args[0] = ints(seed % 2 ? [b] : [b, args[0].shape[1], 2], 0, c, seed);
    }),
    output_rank: spoil((args, _, seed) => {
      const [b, t, c] = args[1].shape;
      args[1] = f32(seed % 2 ? [b, t] : [b, t, c, 2], seed);
    }),
    no_time_steps: spoil((args, _, seed) => {
      const [b, , c] = args[1].shape;
      args[1] = f32([b, 0, c], seed);
    }),
    mask_index: spoil((_, kwargs, seed) => (kwargs.mask_index = seed % 2 ? null : 0.5)),
  },
  // Both replace the output.
  apart: [['output_rank', 'no_time_steps']],
};

/** Unknown strategies (matched as written: 'Greedy' too), beam_width 0, wrong ranks, beam search over no time steps. */
const decodeFaults: FaultSet<FuzzCall> = {
  base: decodePlanArb.map(decodeCall),
  call: (c) => c,
  faults: {
    strategy: spoil((_, kwargs, seed) => (kwargs.strategy = ['Greedy', 'BEAM_SEARCH', 'beam', '', null][seed % 5])),
    beam_width: spoil((_, kwargs) => Object.assign(kwargs, { strategy: 'beam_search', beam_width: 0 })),
    inputs_rank: spoil((args, _, seed) => {
      const [b, t, c] = args[0].shape;
      args[0] = f32(seed % 2 ? [b, t] : [b, t, c, 2], seed);
    }),
    beam_no_time_steps: spoil((args, kwargs, seed) => {
      const [b, , c] = args[0].shape;
      kwargs.strategy = 'beam_search';
      args[0] = f32([b, 0, c], seed);
    }),
    // keras-parity asks for a batch of lengths (docs/deviations.md); Keras fails later, or broadcasts.
    lengths_batch: spoil((args, _, seed) => {
      const b = args[0].shape[0];
      args[1] = ints([b + 1 + (seed % 2)], 0, 2, seed);
    }),
  },
  apart: [
    // The strategy is what one of them sets.
    ['strategy', 'beam_width'],
    ['strategy', 'beam_no_time_steps'],
    // Both replace the inputs.
    ['inputs_rank', 'beam_no_time_steps'],
  ],
  // A deviation alone: drawn only with a fault Keras reports before it.
  only: { lengths_batch: ['strategy'] },
};

export const ctcFaults = { ctc_loss: lossFaults, ctc_decode: decodeFaults };

export const ctcGenerators = {
  ctc_loss: { valid: lossPlanArb.map(lossCall), invalid: invalidCalls(lossFaults) },
  ctc_decode: { valid: decodePlanArb.map(decodeCall), invalid: invalidCalls(decodeFaults) },
} satisfies Record<string, OpGenerators>;
