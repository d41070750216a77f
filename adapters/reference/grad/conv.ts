/**
 * Backward rules of the convolutions: jax.vjp of Keras's ops on JAX. conv and depthwise_conv are one
 * lax.conv_general_dilated (depthwise: groups = C over its kernel read as (*k, 1, C*M)); separable_conv is
 * depthwise_conv, then a stride-1 'valid' conv of its result. lax's transpose rules give the input's
 * gradient as the transposed conv of the cotangent, each group alone (its taps add at x[o*s + j*d - lo],
 * taps in the padding dropped), and the kernel's as the correlation of the input with the cotangent over
 * the batch and the output positions. Both sum in float64 and round once (the kernel's products each
 * rounded to float32 first: an input near float32's top overflows there as in XLA), where XLA sums in
 * float32 in its own order: tools/golden/grad_tolerances.py bounds the difference. separable_conv's
 * cotangent of the depthwise result is stored in float32 between the two stages, as XLA stores it.
 */
import type { ConvAttrs, SeparableConvAttrs } from '../../../src/ops/conv.js';
import { windowPads } from '../../../src/ops/shapes.js';
import type { Vjps } from '../../../src/ops/table.js';
import {
  castValues,
  depthwiseShape,
  fromGrid,
  pointwiseWindow,
  positions,
  separableDepthwise,
  tapsAt,
  toGrid,
  transposedConv,
  windowTables,
  type Grid,
  type GroupedWindow,
} from '../conv.js';
import { fromValues, sizeOf, values, type RefArray } from '../ndarray.js';

const f32 = Math.fround;

type ConvVjps = Required<Pick<Vjps<RefArray>, 'conv' | 'depthwise_conv' | 'separable_conv'>>;

/** Channels [from, from + count) of a grid. */
function channelSlice(g: Grid, from: number, count: number): Grid {
  const cells = g.vals.length / g.channels;
  const vals = new Float64Array(cells * count);
  for (let i = 0; i < cells; i++) vals.set(g.vals.subarray(i * g.channels + from, i * g.channels + from + count), i * count);
  return { ...g, vals, channels: count };
}

/** Output channels [from, from + count) of a kernel (*k, C_in, C_out), as a kernel of its own. */
function kernelSlice(kernel: Float64Array, cout: number, from: number, count: number): Float64Array {
  const rows = kernel.length / cout;
  const out = new Float64Array(rows * count);
  for (let r = 0; r < rows; r++) out.set(kernel.subarray(r * cout + from, r * cout + from + count), r * count);
  return out;
}

/** The grids' channels side by side: groups back into one grid. */
function concatGroups(parts: Grid[]): Grid {
  const channels = parts.reduce((n, p) => n + p.channels, 0);
  const cells = sizeOf([parts[0].batch, ...parts[0].spatial]);
  const vals = new Float64Array(cells * channels);
  let from = 0;
  for (const p of parts) {
    for (let i = 0; i < cells; i++) vals.set(p.vals.subarray(i * p.channels, (i + 1) * p.channels), i * channels + from);
    from += p.channels;
  }
  return { ...parts[0], vals, channels };
}

/** Per spatial dim, the padding lax puts before the input ('same': half, rounded down). */
const padsBefore = (inSpatial: number[], kSpatial: number[], geo: GroupedWindow) =>
  kSpatial.map((k, d) => windowPads(inSpatial[d], k, geo.strides[d], geo.dilationRate[d], geo.padding)[0]);

/**
 * The input's gradient: per group, the cotangent's channels carried back through that group's kernel
 * (*k, C_in/groups, C_out/groups), which transposedConv reads as (*k, its C_out, its C_in).
 */
export function inputGradient(ct: Grid, kernel: Float64Array, kernelShape: number[], geo: GroupedWindow, inSpatial: number[]): Grid {
  const kSpatial = kernelShape.slice(0, -2);
  const [cinG, cout] = kernelShape.slice(-2);
  const coutG = cout / geo.groups;
  const crops = padsBefore(inSpatial, kSpatial, geo);
  const parts = Array.from({ length: geo.groups }, (_, g) => {
    const kg = kernelSlice(kernel, cout, g * coutG, coutG);
    return transposedConv(channelSlice(ct, g * coutG, coutG), kg, [...kSpatial, cinG, coutG], crops, geo, inSpatial);
  });
  return parts.length === 1 ? parts[0] : concatGroups(parts);
}

/** The kernel's gradient, (*k, C_in/groups, C_out): sum over batch and output positions of x[o*s + j*d - lo] ct[o], within each group. */
export function kernelGradient(x: Grid, ct: Grid, kernelShape: number[], geo: GroupedWindow): Float64Array {
  const kSpatial = kernelShape.slice(0, -2);
  const cinG = kernelShape.at(-2)!;
  const cout = ct.channels;
  const coutG = cout / geo.groups;
  const tables = windowTables(x.spatial, kSpatial, geo, ct.spatial);
  const [inSize, outSize] = [sizeOf(x.spatial), sizeOf(ct.spatial)];
  const dk = new Float64Array(sizeOf(kernelShape));
  let p = 0;
  for (const at of positions(ct.spatial)) {
    const { kOffs, tOffs } = tapsAt(tables, at, kSpatial, x.spatial);
    for (let b = 0; b < x.batch; b++) {
      const ctBase = (b * outSize + p) * cout;
      for (let t = 0; t < kOffs.length; t++) {
        const xBase = (b * inSize + tOffs[t]) * x.channels;
        for (let g = 0; g < geo.groups; g++) {
          for (let ci = 0; ci < cinG; ci++) {
            const xv = x.vals[xBase + g * cinG + ci];
            const kb = (kOffs[t] * cinG + ci) * cout + g * coutG;
            // Each product rounded to float32 as XLA's: 3e38 * 1.5 is inf there, and against a -inf term NaN.
            for (let oc = 0; oc < coutG; oc++) dk[kb + oc] += f32(xv * ct.vals[ctBase + g * coutG + oc]);
          }
        }
      }
    }
    p++;
  }
  return dk;
}

type Layout = Pick<ConvAttrs, 'dataFormat'>;

/** conv's and depthwise_conv's: the grouped conv's gradients asked for, the kernel's in `kernelShape` as lax reads it. */
function convT(inputs: RefArray, kernel: RefArray, ct: RefArray, geo: GroupedWindow & Layout, kernelShape: number[], wrt: readonly string[]) {
  const grads: { inputs?: RefArray; kernel?: RefArray } = {};
  const x = toGrid(inputs, geo.dataFormat, ct.dtype);
  const g = toGrid(ct, geo.dataFormat, 'float32');
  if (wrt.includes('kernel')) grads.kernel = fromValues(kernelGradient(x, g, kernelShape, geo), kernel.shape, kernel.dtype);
  if (wrt.includes('inputs')) {
    const kv = castValues(values(kernel), ct.dtype);
    grads.inputs = fromGrid(inputGradient(g, kv, kernelShape, geo, x.spatial), geo.dataFormat, inputs.dtype);
  }
  return grads;
}

/** separable_conv's: the pointwise conv's two gradients, then the depthwise conv's from its cotangent, stored in float32. */
function separableT(inputs: RefArray, dw: RefArray, pw: RefArray, ct: RefArray, attrs: SeparableConvAttrs, wrt: readonly string[]) {
  const grads: { inputs?: RefArray; depthwise_kernel?: RefArray; pointwise_kernel?: RefArray } = {};
  const { x, mid } = separableDepthwise(inputs, dw, attrs, ct.dtype);
  const g = toGrid(ct, attrs.dataFormat, 'float32');
  const pointwise = pointwiseWindow(attrs);
  if (wrt.includes('pointwise_kernel')) {
    grads.pointwise_kernel = fromValues(kernelGradient(mid, g, pw.shape, pointwise), pw.shape, pw.dtype);
  }
  if (!wrt.includes('inputs') && !wrt.includes('depthwise_kernel')) return grads;
  const gMid = inputGradient(g, castValues(values(pw), ct.dtype), pw.shape, pointwise, mid.spatial);
  gMid.vals = castValues(gMid.vals, 'float32');
  const depthwise = { ...attrs, groups: x.channels };
  const dwShape = depthwiseShape(dw.shape);
  if (wrt.includes('depthwise_kernel')) {
    grads.depthwise_kernel = fromValues(kernelGradient(x, gMid, dwShape, depthwise), dw.shape, dw.dtype);
  }
  if (wrt.includes('inputs')) {
    const dx = inputGradient(gMid, castValues(values(dw), attrs.depthwiseDtype), dwShape, depthwise, x.spatial);
    grads.inputs = fromGrid(dx, attrs.dataFormat, inputs.dtype);
  }
  return grads;
}

export const convVjps: ConvVjps = {
  conv: ({ inputs, kernel }, attrs, _out, ct, wrt) => convT(inputs, kernel, ct, attrs, kernel.shape, wrt),
  depthwise_conv: ({ inputs, kernel }, attrs, _out, ct, wrt) =>
    convT(inputs, kernel, ct, { ...attrs, groups: kernel.shape.at(-2)! }, depthwiseShape(kernel.shape), wrt),
  separable_conv: ({ inputs, depthwise_kernel: dw, pointwise_kernel: pw }, attrs, _out, ct, wrt) => separableT(inputs, dw, pw, ct, attrs, wrt),
};
