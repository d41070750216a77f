/**
 * The generators of every op, by family. Until the family files land this holds a few simple ops
 * (relu, softmax, one_hot, moments), enough to drive the fuzz runner, its command and its specs; the
 * runner works from whichever ops are present.
 */
import * as fc from 'fast-check';
import { anyTensor, callOf, floats, ints, type Generators } from '../call.js';

/** 0 to 4 dims of 0 to 4 (a zero-size tensor now and then). */
const shape = (minRank = 0, maxRank = 4) => fc.array(fc.integer({ min: 0, max: 4 }), { minLength: minRank, maxLength: maxRank });
const seed = fc.nat();
/** float32 normal values, sometimes with NaN, infinities, signed zeros and extremes mixed in. */
const floatTensor = (s: fc.Arbitrary<number[]>) =>
  fc.tuple(s, seed, fc.constantFrom(0, 0, 0.2)).map(([sh, sd, specials]) => floats(sh, sd, { specials }));
/** Distinct axes of a rank, in any order. */
const axesOf = (rank: number) => fc.uniqueArray(fc.integer({ min: 0, max: rank - 1 }), { minLength: 1, maxLength: rank });

export const GENERATORS: Partial<Generators> = {
  relu: {
    valid: fc.oneof(
      floatTensor(shape()).map((x) => callOf('relu', { x })),
      fc.tuple(shape(), seed, fc.constantFrom('int32', 'bool') as fc.Arbitrary<'int32' | 'bool'>).map(([sh, sd, dtype]) =>
        callOf('relu', { x: anyTensor(sh, dtype, sd) }),
      ),
    ),
    // An unknown keyword: Keras's TypeError names it.
    invalid: floatTensor(shape()).map((x) => ({ ...callOf('relu', { x }), kwargs: { approximate: true } })),
  },
  softmax: {
    valid: floatTensor(shape(1)).chain((x) => {
      const rank = x.shape.length;
      const axis = fc.oneof(fc.integer({ min: -rank, max: rank - 1 }), fc.constant(null), axesOf(rank).map((a) => a.sort((p, q) => p - q)));
      return axis.map((a) => callOf('softmax', { x, axis: a }));
    }),
    // An axis past the rank: Keras reads x.shape[axis] first (IndexError).
    invalid: floatTensor(shape(1, 3)).chain((x) =>
      fc.integer({ min: x.shape.length, max: x.shape.length + 2 }).map((axis) => callOf('softmax', { x, axis })),
    ),
  },
  one_hot: {
    valid: fc
      .tuple(shape(0, 3), seed, fc.integer({ min: 1, max: 5 }), fc.constantFrom(undefined, 'float32', 'int32', 'bool'))
      .chain(([sh, sd, numClasses, dtype]) =>
        fc.integer({ min: -1, max: sh.length }).map((axis) =>
          // Out-of-range class ids (-1, num_classes) give all-zero rows in Keras.
          callOf('one_hot', { x: ints(sh, -1, numClasses + 1, sd), num_classes: numClasses, axis, dtype }),
        ),
      ),
    invalid: fc
      .tuple(shape(0, 3), seed, fc.integer({ min: 1, max: 5 }))
      .map(([sh, sd, numClasses]) => callOf('one_hot', { x: ints(sh, 0, numClasses, sd), num_classes: numClasses, axis: sh.length + 1 })),
  },
  // Normal values only: NaN or 3e38 beside ordinary values makes the float32 sum depend on its order.
  moments: {
    valid: fc.tuple(shape(1, 3), seed).map(([sh, sd]) => floats(sh, sd)).chain((x) =>
      fc.tuple(axesOf(x.shape.length), fc.boolean()).map(([axes, keepdims]) => callOf('moments', { x, axes, keepdims })),
    ),
    invalid: floatTensor(shape(1, 3)).map((x) => callOf('moments', { x, axes: [x.shape.length] })),
  },
};
