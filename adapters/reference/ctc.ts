/** Reference ctc kernels (to be written). */
import type { Kernels } from '../../src/ops/table.js';
import type { RefArray } from './ndarray.js';

const TODO = (): never => { throw new Error('TODO'); };

export const ctcKernels: Pick<Kernels<RefArray>, 'ctc_loss' | 'ctc_decode'> = {
  ctc_loss: TODO,
  ctc_decode: TODO,
};
