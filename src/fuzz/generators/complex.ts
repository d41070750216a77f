/**
 * Fuzz generators of the complex family (src/ops/complex.ts): polar over ranks 0 to 4 with empty
 * tensors, abs_ and angle of any dtype (int32 and bool promote), shapes that broadcast against each other,
 * magnitudes up to 3e38 and angles up to 1e38, and the special values. The default float32 tolerance
 * holds: each part is two float32 roundings (the cosine or sine, then the product) on either side, and
 * XLA's cos and sin are within 1 ULP of the correctly rounded value.
 */
import fc from 'fast-check';
import type { DType } from '../../dtypes.js';
import type { GoldenValue } from '../../golden/cases.js';
import type { GoldenTensor } from '../../golden/safetensors.js';
import type { complex } from '../../ops/complex.js';
import { callOf, floats, SPECIAL_FLOATS, type FuzzCall, type OpGenerators } from '../call.js';
import { boolTensorArb, dtypeArb, floatTensorArb, intTensorArb, mixedShapeArb, shapeArb, withConventions } from './draws.js';
import { invalidCalls, type FaultSet } from './faults.js';

const ABS_SCALES = [1e-39, 0.1, 1, 10, 1e4, 1e30];
/** Angles past 2^24 leave no fraction in float32: range reduction is all that is left to get right. */
const ANGLE_SCALES = [0.1, 1, 3.14159, 100, 1e6, 1e20];
const INT_RANGES = [[-8, 9], [-1000, 1001], [-(2 ** 31), 2 ** 31 - 1]] as const;

function inputArb(shape: number[], dtype: DType, scales: number[]): fc.Arbitrary<GoldenTensor> {
  if (dtype === 'int32') return intTensorArb(shape, INT_RANGES);
  if (dtype === 'bool') return boolTensorArb(shape);
  return floatTensorArb(shape, { scales, specials: SPECIAL_FLOATS });
}

/** An operand's shape against the broadcast `shape`: its trailing dims, some of them 1. */
function operandShapeArb(shape: number[]): fc.Arbitrary<number[]> {
  return fc
    .tuple(fc.integer({ min: 0, max: shape.length }), fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }))
    .map(([drop, ones]) => shape.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
}

const operandArb = (shape: number[], scales: number[]) =>
  fc.tuple(operandShapeArb(shape), dtypeArb(['float32', 'int32', 'bool'])).chain(([s, dtype]) => inputArb(s, dtype, scales));

const polarValid: fc.Arbitrary<FuzzCall> = withConventions(
  mixedShapeArb(0, 4)
    .chain((shape) => fc.record({ abs_: operandArb(shape, ABS_SCALES), angle: operandArb(shape, ANGLE_SCALES) }))
    .map((values) => callOf('polar', values)),
);

type Values = { abs_: GoldenValue; angle: GoldenValue };

/** What numpy cannot make a numeric array of: JAX's TypeError for a string, ValueError for a ragged list. */
const NOT_A_TENSOR: GoldenValue[] = ['abc', [[1.5, 2.5], [3.5]]];

/** A shape that does not broadcast with `shape` (rank 1 or more, no 0 or 1 in it): same rank or one more. */
function clashing(shape: readonly number[], seed: number): number[] {
  const grown = [...shape.slice(0, -1), shape[shape.length - 1] + 1];
  return seed % 2 ? grown : [2, ...grown];
}

const polarFaults: FaultSet<Values> = {
  base: shapeArb({ minRank: 1, maxRank: 3, empty: false })
    .map((s) => s.map((d) => d + 1))
    .chain((s) => fc.record({ abs_: inputArb(s, 'float32', [1]), angle: inputArb(s, 'float32', [1]) })),
  faults: {
    shape: (v, seed) => ({ ...v, angle: floats(clashing((v.abs_ as GoldenTensor).shape, seed), seed) }),
    // Declared last: it replaces a tensor whose shape `shape` reads.
    not_a_tensor: (v, seed) => ({ ...v, [seed % 2 ? 'abs_' : 'angle']: NOT_A_TENSOR[(seed >> 1) % NOT_A_TENSOR.length] }),
  },
  call: (v) => callOf('polar', v),
};

export const complexFaults = { polar: polarFaults };

export const complexGenerators = {
  polar: { valid: polarValid, invalid: invalidCalls(polarFaults) },
} satisfies Record<keyof typeof complex, OpGenerators>;
