/** Reference normalization kernels (to be written). */
import type { Kernels } from '../../src/ops/table.js';
import type { RefArray } from './ndarray.js';

const TODO = (): never => { throw new Error('TODO'); };

export const normalizationKernels: Pick<Kernels<RefArray>, 'moments' | 'batch_normalization' | 'normalize'> = {
  moments: TODO,
  batch_normalization: TODO,
  normalize: TODO,
};
