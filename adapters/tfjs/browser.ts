/**
 * The TF.js backends of a web page: webgl, webgpu and wasm, each started on first use. Node has none of
 * the first two and its own wasm (adapters/tfjs/register.ts); the browser entry (src/browser/index.ts)
 * registers these under the same adapter names a page calls setBackend with.
 */
import type { BackendFactory } from '../../src/backend/registry.js';
import { startBackend } from './engine.js';

/** Where the page's tfjs-backend-wasm .wasm files are served (a folder URL ending in `/`). */
export interface BrowserBackendOptions {
  wasmDirectory: () => string;
}

/** The mantissa bits of a float32: keras-parity compares at float32 tolerance, so fewer are refused. */
const FLOAT32_MANTISSA = 23;

export function browserBackends(options: BrowserBackendOptions): Record<string, BackendFactory> {
  return {
    'tfjs-webgl': startWebgl,
    'tfjs-webgpu': startWebgpu,
    'tfjs-wasm': () => startWasm(options.wasmDirectory()),
  };
}

async function startWebgl() {
  await import('@tensorflow/tfjs-backend-webgl');
  const tf = await import('@tensorflow/tfjs-core');
  // Otherwise TF.js quietly runs ops whose inputs are small and still on the host on its CPU kernels,
  // and a webgl result would be a CPU result.
  tf.env().set('WEBGL_CPU_FORWARD', false);
  await startBackend('webgl');
  const gl = (tf.backend() as unknown as WebglBackend).gpgpu.gl;
  checkWebglPrecision({
    float32Textures: tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED'),
    shaderBits: gl.getShaderPrecisionFormat(gl.FRAGMENT_SHADER, gl.HIGH_FLOAT)?.precision ?? 0,
    // 1 + 2^-23 is the float32 after 1; with fewer mantissa bits the sum rounds back to 1.
    sumAboveOne: tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2 ** -FLOAT32_MANTISSA)).dataSync()[0]),
  });
  const { createTfjsAdapter } = await import('./index.js');
  return createTfjsAdapter('webgl', `WebGL ${tf.env().getNumber('WEBGL_VERSION')}: ${webglRenderer(gl)}`);
}

/** What the webgl backend exposes beyond TF.js's KernelBackend. */
interface WebglBackend {
  gpgpu: { gl: WebGLRenderingContext };
}

/**
 * What decides whether a WebGL context computes in float32. (TF.js's floatPrecision() cannot tell: it
 * says 16 whenever float32 textures are on.)
 */
interface WebglPrecision {
  /** TF.js's WEBGL_RENDER_FLOAT32_ENABLED: textures hold float32, not float16. */
  float32Textures: boolean;
  /** The fragment shader's highp float mantissa bits (23 for float32). */
  shaderBits: number;
  /** 1 + 2^-23 computed on the device and read back. */
  sumAboveOne: number;
}

/** Raises, saying what was measured, when a WebGL context cannot give float32 results. */
function checkWebglPrecision(p: WebglPrecision): void {
  const float32 = p.float32Textures && p.shaderBits >= FLOAT32_MANTISSA && p.sumAboveOne === 1 + 2 ** -FLOAT32_MANTISSA;
  if (float32) return;
  throw new Error(
    "TF.js's webgl backend computes below float32 here (float32 textures " +
      `${p.float32Textures ? 'on' : 'off: float16'}, fragment shader highp float ${p.shaderBits} mantissa bits, ` +
      `1 + 2^-23 computes as ${p.sumAboveOne}): its results cannot be compared at float32 tolerance.`,
  );
}

/** The renderer string, unmasked where the browser allows (it names SwiftShader, or the real GPU). */
function webglRenderer(gl: WebGLRenderingContext): string {
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

async function startWebgpu() {
  if (typeof navigator === 'undefined' || !('gpu' in navigator)) {
    throw new Error('this browser has no WebGPU (navigator.gpu); Chromium needs --enable-unsafe-webgpu where it is off.');
  }
  await import('@tensorflow/tfjs-backend-webgpu');
  const tf = await import('@tensorflow/tfjs-core');
  // As for webgl: without this, ops on small host-resident inputs run on TF.js's CPU kernels.
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  await startBackend('webgpu');
  const { createTfjsAdapter } = await import('./index.js');
  return createTfjsAdapter('webgpu', `WebGPU: ${await webgpuAdapterName()}`);
}

/** The parts of WebGPU's GPUAdapterInfo used here (TypeScript's DOM library has no WebGPU types). */
interface GpuAdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
}

async function webgpuAdapterName(): Promise<string> {
  const gpu = (navigator as unknown as { gpu: { requestAdapter(): Promise<{ info?: GpuAdapterInfo } | null> } }).gpu;
  const info = (await gpu.requestAdapter())?.info;
  const parts = [info?.vendor, info?.architecture, info?.device, info?.description].filter((s) => s && s.trim());
  return parts.length ? parts.join(' ') : 'adapter without info';
}

async function startWasm(directory: string) {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // The .wasm binaries are served beside the bundle, not where TF.js would look (its own script's URL).
  wasm.setWasmPaths(directory);
  const tf = await import('@tensorflow/tfjs-core');
  await startBackend('wasm');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  const { createTfjsAdapter } = await import('./index.js');
  const features = [simd ? 'SIMD' : 'no SIMD', threads ? 'threads' : 'one thread'].join(', ');
  return createTfjsAdapter('wasm', `CPU (TF.js WebAssembly in the page, ${features})`);
}
