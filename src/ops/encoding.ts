/** Encodings: one_hot and multi_hot. */
import { arg, defineOp, kwarg, tensor } from './op.js';

const TODO = () => { throw new Error('TODO'); };

export const encoding = {
  one_hot: defineOp<unknown, 'x'>({
    params: [tensor('x'), arg('num_classes'), kwarg('axis', -1), kwarg('dtype', null), kwarg('sparse', false)],
    outputs: 1, resolve: TODO,
  }),
  multi_hot: defineOp<unknown, 'inputs'>({
    params: [tensor('inputs'), kwarg('num_classes', null), kwarg('axis', -1), kwarg('dtype', null), kwarg('sparse', false)],
    legacyKeywords: { num_tokens: 'num_classes' },
    outputs: 1, resolve: TODO,
  }),
};
