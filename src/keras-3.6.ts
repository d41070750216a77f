/**
 * keras-parity with its ops pinned to Keras 3.6.0: `import { ops } from 'keras-parity/keras-3.6'`.
 * Everything else is the main entry's; its types know only 3.6.0's names and parameters.
 */
import { opsFor } from './ops/api.js';

export * from './index.js';
export const ops = opsFor('3.6.0');
