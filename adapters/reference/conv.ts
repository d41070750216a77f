/**
 * Reference convolutions. conv, depthwise_conv and separable_conv share one N-D grouped convolution
 * (lax.conv_general_dilated with feature_group_count); conv_transpose scatter-adds into the output.
 * Both work channels-last in float64 and walk, per output position, only the kernel taps that land
 * inside the input, with the channel loops innermost in memory order.
 */
import type { DType } from '../../src/dtypes.js';
import type { DataFormat } from '../../src/ops/args.js';
import type { Kernels } from '../../src/ops/table.js';
import type { ConvWindow, ConvAttrs, SeparableConvAttrs } from '../../src/ops/conv.js';
import { convTransposeCrops, samePads, splitChannels, windowOutputLength } from '../../src/ops/shapes.js';
import { fromValues, sizeOf, transpose, values, type RefArray } from './ndarray.js';

type ConvKernels = Pick<Kernels<RefArray>, 'conv' | 'depthwise_conv' | 'separable_conv' | 'conv_transpose'>;

/** A conv operand in channels-last layout: (batch, ...spatial, channels), as float64 values. */
export interface Grid {
  vals: Float64Array;
  batch: number;
  spatial: number[];
  channels: number;
}

/**
 * Values as they are once stored in `dtype`: JAX casts before convolving, and separable_conv's depthwise
 * result is a float32 tensor before the pointwise conv reads it.
 */
export function castValues(vals: Float64Array, dtype: DType): Float64Array {
  if (dtype === 'int32') return vals.map(Math.trunc);
  if (dtype === 'bool') return vals.map((v) => (v !== 0 ? 1 : 0));
  return vals.map(Math.fround);
}

export function toGrid(x: RefArray, dataFormat: DataFormat, dtype: DType): Grid {
  const rank = x.shape.length;
  const vals = castValues(values(x), dtype);
  if (dataFormat === 'channels_last') {
    return { vals, batch: x.shape[0], spatial: x.shape.slice(1, -1), channels: x.shape[rank - 1] };
  }
  const perm = [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
  return { vals: transpose(vals, x.shape, perm), batch: x.shape[0], spatial: x.shape.slice(2), channels: x.shape[1] };
}

export function fromGrid(g: Grid, dataFormat: DataFormat, dtype: DType): RefArray {
  const shape = [g.batch, ...g.spatial, g.channels];
  if (dataFormat === 'channels_last') return fromValues(g.vals, shape, dtype);
  const rank = shape.length;
  const perm = [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];
  return fromValues(transpose(g.vals, shape, perm), perm.map((p) => shape[p]), dtype);
}

/**
 * For one spatial dim: per position, the kernel taps j with their target index target(pos, j), kept
 * when the target lies in [0, limit). Stored flat as [j0, t0, j1, t1, ...].
 */
export function tapTable(positions: number, k: number, limit: number, target: (pos: number, j: number) => number): number[][] {
  return Array.from({ length: positions }, (_, pos) => {
    const pairs: number[] = [];
    for (let j = 0; j < k; j++) {
      const t = target(pos, j);
      if (t >= 0 && t < limit) pairs.push(j, t);
    }
    return pairs;
  });
}

/**
 * The N-D taps of one position (its index per dim in `at`): flat kernel-spatial offsets and flat
 * target-spatial offsets, row-major, from the per-dim tables.
 */
export function tapsAt(tables: number[][][], at: number[], kernelSpatial: number[], targetSpatial: number[]) {
  let kOffs = [0];
  let tOffs = [0];
  tables.forEach((table, d) => {
    const pairs = table[at[d]];
    const nextK: number[] = [];
    const nextT: number[] = [];
    for (let i = 0; i < kOffs.length; i++) {
      for (let p = 0; p < pairs.length; p += 2) {
        nextK.push(kOffs[i] * kernelSpatial[d] + pairs[p]);
        nextT.push(tOffs[i] * targetSpatial[d] + pairs[p + 1]);
      }
    }
    kOffs = nextK;
    tOffs = nextT;
  });
  return { kOffs, tOffs };
}

/** Every multi-index of `shape`, row-major. */
export function* positions(shape: number[]): Generator<number[]> {
  const at = new Array<number>(shape.length).fill(0);
  if (shape.some((n) => n === 0)) return;
  for (;;) {
    yield at;
    let d = shape.length - 1;
    while (d >= 0 && ++at[d] === shape[d]) at[d--] = 0;
    if (d < 0) return;
  }
}

/** Per spatial dim, the input cell each output position reads at each kernel tap (tapTable). */
export function windowTables(inSpatial: number[], kSpatial: number[], geo: ConvWindow, outSpatial: number[]): number[][][] {
  return kSpatial.map((k, d) => {
    const [before] = geo.padding === 'same' ? samePads(inSpatial[d], k, geo.strides[d], geo.dilationRate[d]) : [0];
    const { strides: s, dilationRate: r } = geo;
    return tapTable(outSpatial[d], k, inSpatial[d], (o, j) => o * s[d] - before + j * r[d]);
  });
}

/** A conv's window and its groups, as the grouped conv loop reads them. */
export type GroupedWindow = ConvWindow & Pick<ConvAttrs, 'groups'>;

/**
 * lax.conv_general_dilated, channels-last: kernel (*k, C_in/groups, C_out); group g reads input
 * channels [g*Cin_g, (g+1)*Cin_g) and writes output channels [g*Cout_g, (g+1)*Cout_g).
 */
function groupedConv(x: Grid, kernel: Float64Array, kernelShape: number[], geo: GroupedWindow, outSpatial: number[]): Grid {
  const kSpatial = kernelShape.slice(0, -2);
  const cinG = kernelShape.at(-2)!;
  const cout = kernelShape.at(-1)!;
  const coutG = cout / geo.groups;
  const tables = windowTables(x.spatial, kSpatial, geo, outSpatial);
  const inSize = sizeOf(x.spatial);
  const outSize = sizeOf(outSpatial);
  const out = new Float64Array(x.batch * outSize * cout);
  let p = 0;
  for (const at of positions(outSpatial)) {
    const { kOffs, tOffs } = tapsAt(tables, at, kSpatial, x.spatial);
    for (let b = 0; b < x.batch; b++) {
      const outBase = (b * outSize + p) * cout;
      for (let g = 0; g < geo.groups; g++) {
        const ob = outBase + g * coutG;
        for (let t = 0; t < kOffs.length; t++) {
          const xBase = (b * inSize + tOffs[t]) * x.channels + g * cinG;
          const kBase = kOffs[t] * cinG * cout + g * coutG;
          for (let ci = 0; ci < cinG; ci++) {
            const xv = x.vals[xBase + ci];
            const kb = kBase + ci * cout;
            let oc = 0;
            // Four outputs a step (each still sums in tap, then channel, order): fewer loop tests.
            for (; oc + 3 < coutG; oc += 4) {
              out[ob + oc] += xv * kernel[kb + oc];
              out[ob + oc + 1] += xv * kernel[kb + oc + 1];
              out[ob + oc + 2] += xv * kernel[kb + oc + 2];
              out[ob + oc + 3] += xv * kernel[kb + oc + 3];
            }
            for (; oc < coutG; oc++) out[ob + oc] += xv * kernel[kb + oc];
          }
        }
      }
    }
    p++;
  }
  return { vals: out, batch: x.batch, spatial: outSpatial, channels: cout };
}

/** Depthwise as JAX runs it: the kernel (*k, C, M) read as (*k, 1, C*M), groups = C, so out[c*M + m]. */
export function depthwise(x: Grid, kernel: RefArray, dtype: DType, geo: ConvWindow, outSpatial: number[]): Grid {
  return groupedConv(x, castValues(values(kernel), dtype), depthwiseShape(kernel.shape), { ...geo, groups: x.channels }, outSpatial);
}

/** A depthwise kernel's shape (*k, C, M) as lax reads it: (*k, 1, C*M). */
export const depthwiseShape = (shape: number[]): number[] => [...shape.slice(0, -2), 1, shape.at(-2)! * shape.at(-1)!];

/** Per spatial dim, the output cell each input position adds to at each kernel tap (tapTable). */
export function transposedTables(inSpatial: number[], kSpatial: number[], crops: number[], geo: ConvWindow, outSpatial: number[]): number[][][] {
  const { strides: s, dilationRate: r } = geo;
  return kSpatial.map((k, d) => tapTable(inSpatial[d], k, outSpatial[d], (i, j) => i * s[d] + j * r[d] - crops[d]));
}

/**
 * Transposed conv by scatter-add: full[i*s + j*d] += x[i] * kernel[j] (kernel (*k, C_out, C_in)),
 * then the output is full[crop : crop + len], zero beyond the full result.
 */
export function transposedConv(x: Grid, kernel: Float64Array, kernelShape: number[], crops: number[], geo: GroupedWindow, outSpatial: number[]): Grid {
  const kSpatial = kernelShape.slice(0, -2);
  const cout = kernelShape.at(-2)!;
  const cin = kernelShape.at(-1)!;
  const tables = transposedTables(x.spatial, kSpatial, crops, geo, outSpatial);
  const inSize = sizeOf(x.spatial);
  const outSize = sizeOf(outSpatial);
  const out = new Float64Array(x.batch * outSize * cout);
  let p = 0;
  for (const at of positions(x.spatial)) {
    const { kOffs, tOffs } = tapsAt(tables, at, kSpatial, outSpatial);
    for (let b = 0; b < x.batch; b++) {
      const xBase = (b * inSize + p) * cin;
      for (let t = 0; t < kOffs.length; t++) {
        const ob = (b * outSize + tOffs[t]) * cout;
        const kBase = kOffs[t] * cout * cin;
        for (let oc = 0; oc < cout; oc++) {
          const kb = kBase + oc * cin;
          let acc = 0;
          for (let ci = 0; ci < cin; ci++) acc += x.vals[xBase + ci] * kernel[kb + ci];
          out[ob + oc] += acc;
        }
      }
    }
    p++;
  }
  return { vals: out, batch: x.batch, spatial: outSpatial, channels: cout };
}

/**
 * separable_conv's first stage: its input as a grid in the depthwise dtype, and the depthwise result as
 * the pointwise conv reads it (JAX stores it in its dtype, then casts it to the pointwise kernel's, `dtype`).
 */
export function separableDepthwise(inputs: RefArray, dw: RefArray, attrs: SeparableConvAttrs, dtype: DType): { x: Grid; mid: Grid } {
  const x = toGrid(inputs, attrs.dataFormat, attrs.depthwiseDtype);
  const midSpatial = x.spatial.map((n, d) =>
    Math.max(windowOutputLength(n, dw.shape[d], attrs.strides[d], attrs.dilationRate[d], attrs.padding) ?? 0, 0),
  );
  const mid = depthwise(x, dw, attrs.depthwiseDtype, attrs, midSpatial);
  mid.vals = castValues(castValues(mid.vals, attrs.depthwiseDtype), dtype);
  return { x, mid };
}

/** separable_conv's pointwise conv: stride 1, 'valid', the dilation kept, its own groups. */
export const pointwiseWindow = (attrs: SeparableConvAttrs): GroupedWindow => ({
  ...attrs,
  strides: attrs.strides.map(() => 1),
  padding: 'valid',
  groups: attrs.pointwiseGroups,
});

export const convKernels: ConvKernels = {
  conv: ({ inputs, kernel }, attrs, out) => {
    const x = toGrid(inputs, attrs.dataFormat, out.dtype);
    const y = groupedConv(x, castValues(values(kernel), out.dtype), kernel.shape, attrs, splitChannels(out.shape, attrs.dataFormat).spatial);
    return fromGrid(y, attrs.dataFormat, out.dtype);
  },
  depthwise_conv: ({ inputs, kernel }, attrs, out) => {
    const x = toGrid(inputs, attrs.dataFormat, out.dtype);
    const y = depthwise(x, kernel, out.dtype, attrs, splitChannels(out.shape, attrs.dataFormat).spatial);
    return fromGrid(y, attrs.dataFormat, out.dtype);
  },
  separable_conv: ({ inputs, depthwise_kernel: dw, pointwise_kernel: pw }, attrs, out) => {
    const { mid } = separableDepthwise(inputs, dw, attrs, out.dtype);
    const z = groupedConv(mid, castValues(values(pw), out.dtype), pw.shape, pointwiseWindow(attrs), splitChannels(out.shape, attrs.dataFormat).spatial);
    return fromGrid(z, attrs.dataFormat, out.dtype);
  },
  conv_transpose: ({ inputs, kernel }, attrs, out) => {
    const x = toGrid(inputs, attrs.dataFormat, out.dtype);
    const geo = { ...attrs, groups: 1 };
    const crops = convTransposeCrops(kernel.shape, attrs);
    const y = transposedConv(x, castValues(values(kernel), out.dtype), kernel.shape, crops, geo, splitChannels(out.shape, attrs.dataFormat).spatial);
    return fromGrid(y, attrs.dataFormat, out.dtype);
  },
};
