/** Convolutions: conv, depthwise_conv, separable_conv, conv_transpose. */
import { arg, defineOp, kwarg, tensor } from './op.js';

const TODO = () => { throw new Error('TODO'); };

export const conv = {
  conv: defineOp<unknown, 'inputs' | 'kernel'>({
    params: [tensor('inputs'), tensor('kernel'), kwarg('strides', 1), kwarg('padding', 'valid'), kwarg('data_format', null), kwarg('dilation_rate', 1)],
    outputs: 1, resolve: TODO,
  }),
  depthwise_conv: defineOp<unknown, 'inputs' | 'kernel'>({
    params: [tensor('inputs'), tensor('kernel'), kwarg('strides', 1), kwarg('padding', 'valid'), kwarg('data_format', null), kwarg('dilation_rate', 1)],
    outputs: 1, resolve: TODO,
  }),
  separable_conv: defineOp<unknown, 'inputs' | 'depthwise_kernel' | 'pointwise_kernel'>({
    params: [tensor('inputs'), tensor('depthwise_kernel'), tensor('pointwise_kernel'), kwarg('strides', 1), kwarg('padding', 'valid'), kwarg('data_format', null), kwarg('dilation_rate', 1)],
    outputs: 1, resolve: TODO,
  }),
  conv_transpose: defineOp<unknown, 'inputs' | 'kernel'>({
    params: [tensor('inputs'), tensor('kernel'), arg('strides'), kwarg('padding', 'valid'), kwarg('output_padding', null), kwarg('data_format', null), kwarg('dilation_rate', 1)],
    outputs: 1, resolve: TODO,
  }),
};
