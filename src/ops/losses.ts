/** Losses and metrics: the three crossentropies and psnr. */
import { arg, defineOp, kwarg, tensor } from './op.js';

const TODO = () => { throw new Error('TODO'); };

export const losses = {
  binary_crossentropy: defineOp<unknown, 'target' | 'output'>({
    params: [tensor('target'), tensor('output'), kwarg('from_logits', false)],
    outputs: 1, resolve: TODO,
  }),
  categorical_crossentropy: defineOp<unknown, 'target' | 'output'>({
    params: [tensor('target'), tensor('output'), kwarg('from_logits', false), kwarg('axis', -1)],
    outputs: 1, resolve: TODO,
  }),
  sparse_categorical_crossentropy: defineOp<unknown, 'target' | 'output'>({
    params: [tensor('target'), tensor('output'), kwarg('from_logits', false), kwarg('axis', -1)],
    outputs: 1, resolve: TODO,
  }),
  psnr: defineOp<unknown, 'x1' | 'x2'>({
    params: [tensor('x1'), tensor('x2'), arg('max_val')],
    outputs: 1, resolve: TODO,
  }),
};
