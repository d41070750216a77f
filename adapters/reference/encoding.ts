/** Reference encoding kernels (to be written). */
import type { Kernels } from '../../src/ops/table.js';
import type { RefArray } from './ndarray.js';

const TODO = (): never => { throw new Error('TODO'); };

export const encodingKernels: Pick<Kernels<RefArray>, 'one_hot' | 'multi_hot'> = {
  one_hot: TODO,
  multi_hot: TODO,
};
