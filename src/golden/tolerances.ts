/**
 * THE tolerance table: every tolerance looser than the default (float32 atol = rtol = 1e-6, int32 and
 * bool exact) that a golden case does not carry itself. One line per entry, each with its reason; a
 * case id or an id prefix ending in `*`, an adapter name, a prefix such as `tfjs-*`, or `*`. The loosest
 * matching atol and rtol apply, and reports still print the measured errors. Entries that match no
 * golden case fail the conformance spec.
 */
import type { ToleranceEntry } from './policy.js';

export const TOLERANCES: readonly ToleranceEntry[] = [
  {
    case: 'separable_conv/2d-same-s2-d2-channels_first-k3-n9x8-m2',
    adapter: '*',
    atol: 4e-6,
    rtol: 1e-6,
    why:
      "Keras's own float32 rounding: one of 160 outputs is a near-cancelling sum (-0.0800 from terms near 1); " +
      'Keras-JAX gives -0.07999671, JAX in float64 -0.07999934, the reference -0.07999984 (abs 3.8e-6).',
  },
  {
    case: 'conv/2d-valid-s3-d1-channels_last-k4x3-n10x9',
    adapter: 'tfjs-webgpu',
    atol: 2e-6,
    rtol: 1e-6,
    why:
      'A near-cancelling sum, rounded in float32 in another order: output [0,2,2,3] is -0.0059946 (float64) from ' +
      'products whose magnitudes add up to 24.9; Keras-JAX gives -0.00599551, webgpu (SwiftShader, headless ' +
      'Chromium) -0.00599408: abs 1.43e-6 from Keras, 5.2e-7 from float64. The 71 other outputs are within the default.',
  },
  {
    case: 'glu/default-f32-subnormal-sigmoid-6x2',
    adapter: 'tfjs-web*',
    atol: 1e-6,
    rtol: 3e-6,
    why:
      "webgl's and webgpu's exp (SwiftShader, headless Chromium) at the bottom of float32: sigmoid(-87) = 1.6458e-38 " +
      'comes out 2.03e-6 high relatively (21 ULP), so 3e38 * sigmoid(-87) is 4.9374447 where Keras has 4.9374347; ' +
      'the 5 other outputs are exact.',
  },
  // polar's valid cases, by abs_'s dtype; its huge angles are excluded there (src/golden/exclusions.ts).
  ...['polar/f32-*', 'polar/i32-*', 'polar/bool-*'].map((prefix) => ({
    case: prefix,
    adapter: 'tfjs-web*',
    atol: 1e-5,
    rtol: 5e-4,
    why:
      "webgl's and webgpu's sin and cos (SwiftShader, headless Chromium) are float32 approximations: over polar's " +
      'cases with angles within +-10 they are off by up to 1.9e-4 relatively (abs 1.1e-3 at |abs_| = 7); JAX is within 1 ULP.',
  })),
];

/**
 * Looser tolerances of gradient cases (golden/grad/), by the forward case's id: the same entries as
 * TOLERANCES, each with the derivation or measurement that sets it.
 */
export const GRADIENT_TOLERANCES: readonly ToleranceEntry[] = [
  // polar's gradient cases, by abs_'s dtype (its huge angles are excluded: src/golden/exclusions.ts).
  ...['polar/f32-*', 'polar/i32-*', 'polar/bool-*'].map((prefix) => ({
    case: prefix,
    adapter: 'tfjs-web*',
    atol: 1e-3,
    rtol: 5e-4,
    why:
      "webgl's and webgpu's sin and cos (SwiftShader, headless Chromium) are off by up to ~2e-4 relatively, as in the " +
      "forward cases' entry; the gradients cr cos + ci sin and -(abs_ cr) sin + (abs_ ci) cos carry that times their " +
      'terms, which may cancel. Measured on both (max): abs 9.57e-4 at |value| 5 (negative_abs-6, angle), rel 6.2e-3 ' +
      'at abs 3.2e-4 where the terms cancel (2x3x4x5, abs_), rel 1.8e-4 at 2.5e37 (large_abs-8, angle).',
  })),

];
