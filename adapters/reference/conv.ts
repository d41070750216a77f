/** Reference conv kernels (to be written). */
import type { Kernels } from '../../src/ops/table.js';
import type { RefArray } from './ndarray.js';

const TODO = (): never => { throw new Error('TODO'); };

export const convKernels: Pick<Kernels<RefArray>, 'conv' | 'depthwise_conv' | 'separable_conv' | 'conv_transpose'> = {
  conv: TODO,
  depthwise_conv: TODO,
  separable_conv: TODO,
  conv_transpose: TODO,
};
