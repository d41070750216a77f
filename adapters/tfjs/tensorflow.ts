/// <reference types="node" />
/**
 * Starting the `tensorflow` backend: tfjs-node (CPU) or tfjs-node-gpu (CUDA), TensorFlow's C library
 * under TF.js, with a one-line reason when it cannot load.
 */
const TFJS_NODE = '@tensorflow/tfjs-node';
const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';

/** What the `tensorflow` backend of tfjs-node exposes beyond TF.js's KernelBackend. */
interface NodeBackend {
  binding?: { TF_Version?: string };
  isUsingGpuDevice?: boolean;
}

/**
 * tfjs-node (CPU) or tfjs-node-gpu (CUDA): TensorFlow's C library under TF.js. Its native addon is built
 * by scripts/install-libtensorflow.mjs (npm's postinstall; docs/tfjs-tensorflow.md). Importing the package
 * registers the `tensorflow` backend and makes it TF.js's active one, which the adapter's kernels handle
 * like any switch.
 */
export async function startTensorflow() {
  if (typeof process === 'undefined' || !process.versions?.node) {
    throw new Error('tfjs-node is a Node.js native addon; it does not run in a browser.');
  }
  const pkg = await tfjsNodePackage();
  // TensorFlow's INFO lines (oneDNN, CPU features) go to stderr on load; warnings and errors still show.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '1';
  try {
    await import(pkg);
  } catch (e) {
    throw new Error(await whyNotLoaded(pkg, e));
  }
  const tf = await import('@tensorflow/tfjs-core');
  const backend = tf.findBackend('tensorflow') as NodeBackend | null;
  const version = backend?.binding?.TF_Version ?? 'unknown version';
  const unit = backend?.isUsingGpuDevice ? 'GPU' : 'CPU';
  const { createTfjsAdapter } = await import('./index.js');
  const { quirk } = await import('./quirks.js');
  const device = `${unit} (TensorFlow ${version} C library via ${pkg.slice('@tensorflow/'.length)})`;
  return createTfjsAdapter('tensorflow', device, () =>
    backend?.isUsingGpuDevice ? {} : cpuSettings(!quirk.lacksDilatedDepthwise()),
  );
}

/**
 * What picks libtensorflow's CPU kernels, which differ in what they accept and how they round. Whether
 * oneDNN's are on is asked of the kernels themselves (quirks.ts: only oneDNN's depthwise conv takes
 * a dilation), since TensorFlow decides it from the variable or, unset, from the CPU's features.
 */
function cpuSettings(oneDnn: boolean): Record<string, string> {
  const chosen = process.env.TF_ENABLE_ONEDNN_OPTS;
  const why = chosen === undefined ? "TF_ENABLE_ONEDNN_OPTS unset: TensorFlow's default for this CPU" : `TF_ENABLE_ONEDNN_OPTS=${chosen}`;
  const threads = process.env.TF_NUM_INTRAOP_THREADS;
  return {
    oneDNN: `${oneDnn ? 'on' : 'off'} (${why})`,
    'intra-op threads': threads ? `${threads} (TF_NUM_INTRAOP_THREADS)` : `TensorFlow's default (one per logical core)`,
  };
}

/**
 * KERAS_PARITY_TFJS_NODE names the package; otherwise tfjs-node-gpu when present (only `npm run setup:gpu`
 * installs it, so its presence is a choice), else tfjs-node. Only one of the two can be loaded in a process.
 */
async function tfjsNodePackage(): Promise<string> {
  const chosen = process.env.KERAS_PARITY_TFJS_NODE;
  if (chosen) {
    if (chosen !== TFJS_NODE && chosen !== TFJS_NODE_GPU) {
      throw new Error(`KERAS_PARITY_TFJS_NODE must be ${TFJS_NODE} or ${TFJS_NODE_GPU}, not ${chosen}.`);
    }
    return chosen;
  }
  return (await packageDir(TFJS_NODE_GPU)) ? TFJS_NODE_GPU : TFJS_NODE;
}

async function packageDir(pkg: string): Promise<string | undefined> {
  const { createRequire } = await import('node:module');
  const { dirname } = await import('node:path');
  try {
    return dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
  } catch {
    return undefined;
  }
}

/** One line: why the package did not load, from install-libtensorflow's record where it left one. */
async function whyNotLoaded(pkg: string, error: unknown): Promise<string> {
  const { existsSync, readFileSync } = await import('node:fs');
  const { join, relative } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  // This file runs as adapters/tfjs/register.ts (tsx) or dist/adapters/tfjs/register.js.
  const script = ['../../scripts/', '../../../scripts/']
    .map((up) => fileURLToPath(new URL(`${up}install-libtensorflow.mjs`, import.meta.url)))
    .find((p) => existsSync(p));
  const gpu = pkg === TFJS_NODE_GPU ? ' --gpu' : '';
  const fix = script ? `; run \`node ${relative(process.cwd(), script) || script}${gpu}\`` : '';
  const dir = await packageDir(pkg);
  if (!dir) return `${pkg} is not installed (npm install)`;

  let record: { ok?: boolean; reason?: string } | undefined;
  try {
    record = JSON.parse(readFileSync(join(dir, '.libtensorflow.json'), 'utf8'));
  } catch {
    record = undefined;
  }
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n')[0].trim().replace(/\.$/, '');
  if (/native addon module \(tfjs_binding\.node\) can not be found/.test(message)) {
    if (record && !record.ok && record.reason) {
      return `${pkg} has no native addon, libtensorflow could not be installed: ${record.reason}${fix}`;
    }
    return `${pkg} has no native addon, libtensorflow was not installed (npm ran without install scripts?)${fix}`;
  }
  return `${pkg} does not load (${firstLine})${fix}`;
}
