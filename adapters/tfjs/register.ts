/** The TF.js backends keras-parity registers, each started on first use. */
import type { BackendFactory } from '../../src/backend/registry.js';

export const TFJS_BACKENDS: Record<string, BackendFactory> = {
  'tfjs-cpu': async () => {
    await import('@tensorflow/tfjs-backend-cpu');
    const { createTfjsAdapter } = await import('./index.js');
    return createTfjsAdapter('cpu', 'CPU (TF.js JavaScript kernels)');
  },
  'tfjs-wasm': async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    const { createTfjsAdapter } = await import('./index.js');
    return createTfjsAdapter('wasm', 'CPU (TF.js WebAssembly, SIMD)');
  },
  'tfjs-tensorflow': async () => (await import('./tensorflow.js')).startTensorflow(),
};
