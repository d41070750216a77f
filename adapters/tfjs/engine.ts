/**
 * The one TF.js engine every tfjs-* adapter shares. TF.js has a single active backend, so each kernel
 * call first makes its adapter's backend the active one; once a backend is initialised TF.js switches
 * synchronously.
 */
import * as tf from '@tensorflow/tfjs-core';

export type TfjsBackend = 'cpu' | 'wasm' | 'tensorflow' | 'webgl' | 'webgpu';

/** Starts a TF.js backend; TF.js's setBackend returns false and keeps another one, so we raise. */
export async function startBackend(name: TfjsBackend): Promise<void> {
  let ok = false;
  let cause = '';
  try {
    ok = await tf.setBackend(name);
  } catch (e) {
    cause = e instanceof Error ? e.message : String(e);
  }
  if (!ok || tf.getBackend() !== name) {
    throw new Error(`TF.js could not start its ${name} backend${cause ? `: ${cause}` : ''}.`);
  }
}

/** Makes `name` active; synchronous because the backend was initialised by startBackend. */
export function activate(name: TfjsBackend): void {
  if (tf.getBackend() === name) return;
  void tf.setBackend(name);
  if (tf.getBackend() !== name) throw new Error(`TF.js did not switch to its ${name} backend.`);
}
