/** Statistics and normalisation: moments, batch_normalization, normalize. */
import { arg, defineOp, kwarg, optionalTensor, tensor } from './op.js';

const TODO = () => { throw new Error('TODO'); };

export const normalization = {
  moments: defineOp<unknown, 'x', never, 2>({
    params: [tensor('x'), arg('axes'), kwarg('keepdims', false), kwarg('synchronized', false)],
    outputs: 2, resolve: TODO,
  }),
  batch_normalization: defineOp<unknown, 'x' | 'mean' | 'variance', 'offset' | 'scale'>({
    params: [tensor('x'), tensor('mean'), tensor('variance'), arg('axis'), optionalTensor('offset'), optionalTensor('scale'), kwarg('epsilon', 1e-3)],
    outputs: 1, resolve: TODO,
  }),
  normalize: defineOp<unknown, 'x'>({
    params: [tensor('x'), kwarg('axis', -1), kwarg('order', 2), kwarg('epsilon', null)],
    outputs: 1, resolve: TODO,
  }),
};
