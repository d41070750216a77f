/** Reference attention kernels (to be written). */
import type { Kernels } from '../../src/ops/table.js';
import type { RefArray } from './ndarray.js';

const TODO = (): never => { throw new Error('TODO'); };

export const attentionKernels: Pick<Kernels<RefArray>, 'dot_product_attention'> = {
  dot_product_attention: TODO,
};
