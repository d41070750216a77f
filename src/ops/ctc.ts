/** CTC: ctc_loss and ctc_decode (greedy and beam search). */
import { formatShape, formatValue } from '../format.js';
import type { Spec } from '../dtypes.js';
import { KerasIndexError, KerasTypeError, KerasValueError } from '../errors.js';
import { checkBool, checkDtype, checkRank, isInt } from './args.js';
import { defineOp, kwarg, tensor } from './op.js';

export type CtcLossAttrs = {
  /** The blank class, in [0, C). */
  maskIndex: number;
};

export type CtcDecodeAttrs =
  | { strategy: 'greedy'; mergeRepeated: boolean; maskIndex: number }
  | {
      strategy: 'beam_search';
      beamWidth: number;
      /** How many paths come back: top_paths, but at most the 2 * beam_width rows Keras keeps. */
      topPaths: number;
      maskIndex: number;
    };

/** Keras's CTCLoss.compute_output_spec check: dims compared as Python does, so None != 2 fails. */
function checkFirstDim(name1: string, shape1: (number | null)[], name2: string, shape2: (number | null)[]) {
  if (shape1[0] !== shape2[0]) {
    throw new KerasValueError(
      `Arguments \`${name1}\` and \`${name2}\` must have the same first dimension. ` +
        `Received shapes: \`${formatShape(shape1)}\` and \`${formatShape(shape2)}\`.`,
    );
  }
}

/** Labels and lengths: JAX truncates floats to int32 silently; we ask for integers (docs/deviations.md). */
function checkIntegers(t: Record<string, Spec>, names: string[]) {
  for (const name of names) checkDtype(t[name], ['int32', 'bool'], name);
}

/**
 * The blank class. JAX does not wrap it: out of range, ctc_loss slices an empty column (a shape
 * error) or wraps Python-style, greedy decoding finds no blank and beam search writes a blank into
 * another class or none (NaN scores). We require 0 <= mask_index < C when C is known.
 */
function resolveMaskIndex(value: unknown, classes: number | null, allowNone: boolean): number {
  if (allowNone && value === null) return classes === null ? -1 : classes - 1;
  if (!isInt(value)) {
    const what = allowNone ? 'an integer or None' : 'an integer';
    throw new KerasTypeError(`Argument \`mask_index\` must be ${what}. Received: mask_index=${formatValue(value)}`);
  }
  if (classes !== null && (value < 0 || value >= classes)) {
    throw new KerasValueError(
      `Argument \`mask_index\` must be in [0, ${classes}), the range of the class axis. Received: mask_index=${value}`,
    );
  }
  return value;
}

function checkPositiveInt(value: unknown, name: string): number {
  if (!isInt(value)) {
    throw new KerasTypeError(`Argument \`${name}\` must be an integer. Received: ${name}=${formatValue(value)}`);
  }
  if (value < 1) throw new KerasValueError(`Argument \`${name}\` must be >= 1. Received: ${name}=${value}`);
  return value;
}

/**
 * JAX's scan (ctc_loss, time-major: axis 0) and beam search (axis 1) index the last time step; T = 0
 * fails there with JAX's IndexError, which we raise with its words (greedy decoding accepts T = 0).
 */
function checkTimeSteps(spec: Spec, name: string, axis: number) {
  if (spec.shape[1] === 0) {
    throw new KerasIndexError(
      `index is out of bounds for axis ${axis} with size 0 (argument \`${name}\` has no time step: ` +
        `${name}.shape=${formatShape(spec.shape)})`,
    );
  }
}

export const ctc = {
  ctc_loss: defineOp<CtcLossAttrs, 'target' | 'output' | 'target_length' | 'output_length'>({
    params: [tensor('target'), tensor('output'), tensor('target_length'), tensor('output_length'), kwarg('mask_index', 0)],
    outputs: 1,
    resolve: ({ t, v }) => {
      checkRank(t.target, [2], 'target');
      checkRank(t.output, [3], 'output');
      checkRank(t.target_length, [1], 'target_length');
      checkRank(t.output_length, [1], 'output_length');
      checkFirstDim('target', t.target.shape, 'output', t.output.shape);
      checkFirstDim('target_length', t.target_length.shape, 'target', t.target.shape);
      checkFirstDim('output_length', t.output_length.shape, 'output', t.output.shape);
      checkIntegers(t, ['target', 'target_length', 'output_length']);
      // JAX slices by mask_index before its scan meets T = 0.
      const maskIndex = resolveMaskIndex(v.mask_index, t.output.shape[2], false);
      checkTimeSteps(t.output, 'output', 0);
      // result_type(output.dtype, "float32"): int32 and bool logits are promoted too.
      return { attrs: { maskIndex }, out: { shape: [t.target.shape[0]], dtype: 'float32' } };
    },
  }),
  ctc_decode: defineOp<CtcDecodeAttrs, 'inputs' | 'sequence_lengths', never, 2>({
    params: [tensor('inputs'), tensor('sequence_lengths'), kwarg('strategy', 'greedy'), kwarg('beam_width', 100), kwarg('top_paths', 1), kwarg('merge_repeated', true), kwarg('mask_index', 0)],
    outputs: 2,
    noGradient: 'a decode picks paths by argmax and beam search; its paths are integers and its scores are not differentiated in Keras',
    resolve: ({ t, v, mode }) => {
      // JAX picks the decoder by strategy before it looks at the inputs' shape. Keras's symbolic call
      // accepts any strategy; we raise in both modes (docs/deviations.md).
      if (v.strategy !== 'greedy' && v.strategy !== 'beam_search') {
        throw new KerasValueError(
          `Invalid strategy ${formatValue(v.strategy)}. Supported values are 'greedy' and 'beam_search'.`,
        );
      }
      const { inputs, sequence_lengths: lengths } = t;
      checkRank(inputs, [3], 'inputs');
      checkRank(lengths, [1], 'sequence_lengths');
      // Keras does not check this; JAX fails with a broadcasting error.
      if (inputs.shape[0] !== null && lengths.shape[0] !== null) {
        checkFirstDim('sequence_lengths', lengths.shape, 'inputs', inputs.shape);
      }
      checkIntegers(t, ['sequence_lengths']);
      const [batch, steps, classes] = inputs.shape;
      const maskIndex = resolveMaskIndex(v.mask_index, classes, true);
      const decoded = (paths: number) => ({ shape: [paths, batch, steps], dtype: 'int32' as const });
      const scores = (paths: number) => ({ shape: [batch, paths], dtype: 'float32' as const });
      if (v.strategy === 'greedy') {
        const mergeRepeated = checkBool(v.merge_repeated, 'merge_repeated');
        return { attrs: { strategy: 'greedy', mergeRepeated, maskIndex }, out: [decoded(1), scores(1)] };
      }
      // Beam search indexes the first time step before a beam_width of 0 fails.
      checkTimeSteps(inputs, 'inputs', 1);
      const beamWidth = checkPositiveInt(v.beam_width, 'beam_width');
      const requested = checkPositiveInt(v.top_paths, 'top_paths');
      // Eager JAX slices the 2 * beam_width ranked rows, so it returns fewer than asked for past that.
      const topPaths = mode === 'eager' ? Math.min(requested, 2 * beamWidth) : requested;
      return {
        attrs: { strategy: 'beam_search', beamWidth, topPaths, maskIndex },
        out: [decoded(topPaths), scores(topPaths)],
      };
    },
  }),
};
