// @ts-check
/**
 * The example's inputs: sizes (presets) and seeded values. The page and spec/example-page.spec.ts both
 * import this module, so a seed gives the same float32 inputs in the browser and in Node. It imports
 * nothing: plain numbers in, Float32Arrays out.
 */

/**
 * @typedef {{ conv: { input: number[], kernel: number[] }, attention: { query: number[] } }} Preset
 * conv: the input (batch, height, width, channels) and the kernel (height, width, in, out), channels_last.
 * attention: query, key and value share one shape (batch, sequence, heads, head size).
 */

/** @type {Record<string, Preset>} */
export const PRESETS = {
  small: { conv: { input: [1, 16, 16, 4], kernel: [3, 3, 4, 8] }, attention: { query: [1, 16, 2, 8] } },
  medium: { conv: { input: [1, 64, 64, 16], kernel: [3, 3, 16, 32] }, attention: { query: [1, 128, 4, 32] } },
  large: { conv: { input: [1, 128, 128, 32], kernel: [3, 3, 32, 64] }, attention: { query: [2, 256, 8, 64] } },
};

/** @typedef {{ values: Float32Array, shape: number[] }} Input */

/**
 * mulberry32: a small 32-bit generator whose arithmetic (Math.imul, shifts) is exact in every
 * JavaScript engine, so a seed draws the same numbers everywhere. Values lie in [0, 1).
 * @param {number} seed
 * @returns {() => number}
 */
export function generator(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Values uniform in [-1, 1), rounded to float32 once here, so every backend starts from the same bits.
 * @param {() => number} next
 * @param {number[]} shape
 * @returns {Input}
 */
function uniform(next, shape) {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = 2 * next() - 1;
  return { values, shape };
}

/**
 * @param {string} name
 * @returns {Preset}
 */
export function preset(name) {
  const found = PRESETS[name];
  if (!found) throw new RangeError(`Unknown preset: ${name}. Presets: ${Object.keys(PRESETS).join(', ')}.`);
  return found;
}

/**
 * @param {string} presetName
 * @param {number} seed
 * @returns {{ input: Input, kernel: Input }}
 */
export function convInputs(presetName, seed) {
  const { conv } = preset(presetName);
  const next = generator(seed);
  return { input: uniform(next, conv.input), kernel: uniform(next, conv.kernel) };
}

/**
 * Drawn from a stream of their own (the seed mixed with a constant), so changing the conv preset does
 * not change the attention inputs.
 * @param {string} presetName
 * @param {number} seed
 * @returns {{ query: Input, key: Input, value: Input }}
 */
export function attentionInputs(presetName, seed) {
  const { attention } = preset(presetName);
  const next = generator(seed ^ 0x9e3779b9);
  return { query: uniform(next, attention.query), key: uniform(next, attention.query), value: uniform(next, attention.query) };
}
