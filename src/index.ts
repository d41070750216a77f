/** keras-parity for Node: the public API, with the reference and the Node TF.js backends registered. */
import { referenceAdapter } from '../adapters/reference/index.js';
import { TFJS_BACKENDS } from '../adapters/tfjs/register.js';
import { registerAdapter, registerBackend } from './backend/registry.js';

export * from './public.js';

registerAdapter(referenceAdapter);
for (const [name, factory] of Object.entries(TFJS_BACKENDS)) registerBackend(name, factory);
