/** Reference losses kernels (to be written). */
import type { Kernels } from '../../src/ops/table.js';
import type { RefArray } from './ndarray.js';

const TODO = (): never => { throw new Error('TODO'); };

export const lossesKernels: Pick<Kernels<RefArray>, 'binary_crossentropy' | 'categorical_crossentropy' | 'sparse_categorical_crossentropy' | 'psnr'> = {
  binary_crossentropy: TODO,
  categorical_crossentropy: TODO,
  sparse_categorical_crossentropy: TODO,
  psnr: TODO,
};
