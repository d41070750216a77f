/** Reference pooling kernels (to be written). */
import type { Kernels } from '../../src/ops/table.js';
import type { RefArray } from './ndarray.js';

const TODO = (): never => { throw new Error('TODO'); };

export const poolingKernels: Pick<Kernels<RefArray>, 'max_pool' | 'average_pool'> = {
  max_pool: TODO,
  average_pool: TODO,
};
