/**
 * keras-parity with its ops pinned to Keras 3.15.1: `import { ops } from 'keras-parity/keras-3.15'`. The
 * main entry follows the newest supported Keras, which may move on; this one stays.
 */
import { opsFor } from './ops/api.js';

export * from './index.js';
export const ops = opsFor('3.15.1');
