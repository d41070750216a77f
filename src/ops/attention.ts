/** dot_product_attention: MHA, GQA and MQA, bias, boolean mask, top-left causal mask, scale. */
import { defineOp, kwarg, optionalTensor, tensor } from './op.js';

const TODO = () => { throw new Error('TODO'); };

export const attention = {
  dot_product_attention: defineOp<unknown, 'query' | 'key' | 'value', 'bias' | 'mask'>({
    params: [tensor('query'), tensor('key'), tensor('value'), optionalTensor('bias'), optionalTensor('mask'), kwarg('scale', null), kwarg('is_causal', false)],
    outputs: 1, resolve: TODO,
  }),
};
