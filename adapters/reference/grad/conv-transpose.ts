/**
 * Backward rule of conv_transpose: jax.vjp of Keras's op on JAX. Keras calls lax.conv_transpose, a
 * convolution of the input dilated by the strides (zeros between its cells) and padded, with the flipped
 * kernel; JAX transposes it into two strided convolutions of the cotangent g:
 * - the input's: each input cell reads g at the output cells its taps reached, against the kernel,
 *   dx[i, ci] = sum over taps j and output channels oc of g[i*s + j*d - crop, oc] * kernel[j, oc, ci];
 * - the kernel's: each tap sums the input against g over the batch and the input cells,
 *   dk[j, oc, ci] = sum over b, i of x[b, i, ci] * g[b, i*s + j*d - crop, oc].
 * Only the pairs inside the output meet, as in the forward's scatter (conv.ts, transposedConv): in JAX's
 * convolutions the padding and the strides' zeros are the dilated input's and meet the cotangent alone,
 * so an input's NaN or infinity reaches only the kernel taps it was multiplied by. Sums in float64,
 * rounded once to float32.
 */
import type { ConvTransposeAttrs } from '../../../src/ops/conv.js';
import { convTransposeCrops } from '../../../src/ops/shapes.js';
import type { Vjps } from '../../../src/ops/table.js';
import { fromGrid, positions, tapsAt, toGrid, transposedTables } from '../conv.js';
import { fromValues, sizeOf, values, type RefArray } from '../ndarray.js';

type ConvTransposeVjps = Required<Pick<Vjps<RefArray>, 'conv_transpose'>>;

/** Both gradients in one walk of the forward's taps: each pair (input cell, output cell) gives to both. */
function convTransposeT(x: RefArray, kernel: RefArray, ct: RefArray, attrs: ConvTransposeAttrs): { inputs: RefArray; kernel: RefArray } {
  const xg = toGrid(x, attrs.dataFormat, 'float32');
  const g = toGrid(ct, attrs.dataFormat, 'float32');
  const k = values(kernel);
  const kSpatial = kernel.shape.slice(0, -2);
  const [cout, cin] = kernel.shape.slice(-2);
  const tables = transposedTables(xg.spatial, kSpatial, convTransposeCrops(kernel.shape, attrs), attrs, g.spatial);
  const [inSize, outSize] = [sizeOf(xg.spatial), sizeOf(g.spatial)];
  const dx = new Float64Array(xg.vals.length);
  const dk = new Float64Array(k.length);
  let p = 0;
  for (const at of positions(xg.spatial)) {
    const { kOffs, tOffs } = tapsAt(tables, at, kSpatial, g.spatial);
    for (let b = 0; b < xg.batch; b++) {
      const xBase = (b * inSize + p) * cin;
      for (let t = 0; t < kOffs.length; t++) {
        const gBase = (b * outSize + tOffs[t]) * cout;
        const kBase = kOffs[t] * cout * cin;
        for (let oc = 0; oc < cout; oc++) {
          const gv = g.vals[gBase + oc];
          const kb = kBase + oc * cin;
          for (let ci = 0; ci < cin; ci++) {
            dx[xBase + ci] += gv * k[kb + ci];
            dk[kb + ci] += gv * xg.vals[xBase + ci];
          }
        }
      }
    }
    p++;
  }
  return { inputs: fromGrid({ ...xg, vals: dx }, attrs.dataFormat, 'float32'), kernel: fromValues(dk, kernel.shape, 'float32') };
}

export const convTransposeVjps: ConvTransposeVjps = {
  conv_transpose: ({ inputs, kernel }, attrs, _out, ct) => convTransposeT(inputs, kernel, ct, attrs),
};
