/** Pooling: max_pool and average_pool, 1-D to 3-D, either data_format. */
import { arg, defineOp, kwarg, tensor } from './op.js';

const poolParams = [tensor('inputs'), arg('pool_size'), kwarg('strides', null), kwarg('padding', 'valid'), kwarg('data_format', null)];

export const pooling = {
  max_pool: defineOp<unknown, 'inputs'>({ params: poolParams, outputs: 1, resolve: () => { throw new Error('TODO'); } }),
  average_pool: defineOp<unknown, 'inputs'>({ params: poolParams, outputs: 1, resolve: () => { throw new Error('TODO'); } }),
};
