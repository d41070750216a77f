/**
 * keras-parity for web pages (bundled as dist/browser/keras-parity.js by scripts/build-browser.mjs): the
 * public API of src/index.ts, with the reference backend and TF.js's page backends registered as
 * tfjs-webgl, tfjs-webgpu and tfjs-wasm. Nothing here may import a Node module.
 */
import { referenceAdapter } from '../../adapters/reference/index.js';
import { browserBackends } from '../../adapters/tfjs/browser.js';
import { registerAdapter, registerBackend } from '../backend/registry.js';

export * from '../public.js';

/** The bundle's own folder: the build copies the tfjs-backend-wasm .wasm files beside it. */
let wasmDirectory = new URL('./', import.meta.url).href;

/**
 * Where tfjs-wasm fetches its .wasm files (a folder URL), for a page that serves them elsewhere than
 * beside this bundle (after bundling it again, say). Call it before the first setBackend('tfjs-wasm').
 */
export function setWasmDirectory(url: string): void {
  wasmDirectory = url.endsWith('/') ? url : `${url}/`;
}

registerAdapter(referenceAdapter);
for (const [name, factory] of Object.entries(browserBackends({ wasmDirectory: () => wasmDirectory }))) {
  registerBackend(name, factory);
}
