/**
 * Backward rules of the pools: jax.vjp of Keras's ops on JAX, where every pool is a lax.reduce_window.
 * A max window's cotangent goes to one cell, the one XLA's select_and_scatter picks (chosenCell); a sum's
 * to every real cell of the window. XLA adds each cell's shares in float32 from 0, reading subnormals as
 * 0, in row-major output order, and so does each rule here: JAX's bits. (Under the golden sets' pinned
 * --xla_cpu_max_isa=AVX2, XLA sums some 2-D averages' shares row by row first: a few ulp apart.)
 * Keras 3.6 (JAX 0.4.34) and 3.15 (JAX 0.10) pick the same cells, and YNNPACK, which JAX 0.10's max pools
 * of 4096 values or more use, takes no part: the gradient is select_and_scatter's alone. The one
 * difference is a rounding in average_pool's division (dividesByReciprocal); the rules take JAX 0.10's.
 */
import type { AdaptivePoolAttrs, PoolAttrs } from '../../../src/ops/pooling.js';
import { adaptiveWindows, dividesByReciprocal } from '../../../src/ops/pooling.js';
import { windowPads } from '../../../src/ops/shapes.js';
import type { Vjps } from '../../../src/ops/table.js';
import { flush } from '../activations.js';
import { fromValues, sizeOf, stridesOf, values, type RefArray } from '../ndarray.js';
import { adaptiveAxis, windowMax } from '../pooling.js';

type PoolingVjps = Pick<Vjps<RefArray>, 'max_pool' | 'average_pool' | 'adaptive_max_pool' | 'adaptive_average_pool'>;

const f32 = Math.fround;
const store = (v: number): number => flush(f32(v));

/** One spatial output position: its offset in the output, and its window's cells' offsets in the input (-1: padding). */
interface Window {
  out: number;
  cells: Int32Array;
}

/**
 * The windows of a pool over one (batch, channel) plane, in row-major output order, each window's cells in
 * row-major window order (as XLA scans them), padding cells included: a padding cell can be chosen.
 */
function planeWindows(inShape: readonly number[], outShape: readonly number[], attrs: PoolAttrs): Window[] {
  const first = attrs.dataFormat === 'channels_last' ? 1 : 2;
  const inStrides = stridesOf(inShape);
  const outStrides = stridesOf(outShape);
  let windows: { out: number; cells: number[] }[] = [{ out: 0, cells: [0] }];
  attrs.poolSize.forEach((k, d) => {
    const a = first + d;
    const [n, s] = [inShape[a], attrs.strides[d]];
    const [before] = windowPads(n, k, s, 1, attrs.padding);
    windows = windows.flatMap(({ out, cells }) =>
      Array.from({ length: outShape[a] }, (_, o) => ({
        out: out + o * outStrides[a],
        cells: cells.flatMap((c) =>
          Array.from({ length: k }, (_, t) => {
            const i = o * s - before + t;
            return c < 0 || i < 0 || i >= n ? -1 : c + i * inStrides[a];
          }),
        ),
      })),
    );
  });
  return windows.map(({ out, cells }) => ({ out, cells: Int32Array.from(cells) }));
}

/** visit(output offset, window cells, input offset of the plane) for every output cell, planes in order. */
function forEachWindow(
  inShape: readonly number[],
  outShape: readonly number[],
  attrs: PoolAttrs,
  visit: (o: number, cells: Int32Array, base: number) => void,
): void {
  const channelAxis = attrs.dataFormat === 'channels_last' ? inShape.length - 1 : 1;
  const [inStrides, outStrides] = [stridesOf(inShape), stridesOf(outShape)];
  const windows = planeWindows(inShape, outShape, attrs);
  for (let b = 0; b < inShape[0]; b++) {
    for (let c = 0; c < inShape[channelAxis]; c++) {
      const [inBase, outBase] = [b * inStrides[0] + c * inStrides[channelAxis], b * outStrides[0] + c * outStrides[channelAxis]];
      for (const w of windows) visit(outBase + w.out, w.cells, inBase);
    }
  }
}

/**
 * Adds a share to a cell as XLA does: subnormal operands and sums are 0, except where the cotangent has
 * one element (measured: there XLA keeps a subnormal cotangent).
 */
const adderFor = (size: number) => (size === 1 ? (acc: number, g: number) => f32(acc + g) : (acc: number, g: number) => store(acc + flush(g)));

/**
 * The cell select_and_scatter with `>=` picks: the first stays chosen while it is >= each next cell, so
 * the first of tied maxima, and after a NaN the cell that follows it (a NaN is >= nothing; a NaN last in
 * the window is chosen). Padding reads -inf and, chosen, takes the cotangent with it. XLA reads a
 * subnormal as 0. Returns the input offset, or -1 for padding.
 */
function chosenCell(v: Float64Array, cells: Int32Array, base: number): number {
  const read = (c: number) => (c < 0 ? -Infinity : flush(v[base + c]));
  let [chosen, best] = [cells[0], read(cells[0])];
  for (let t = 1; t < cells.length; t++) {
    const candidate = read(cells[t]);
    if (!(best >= candidate)) [chosen, best] = [cells[t], candidate];
  }
  return chosen < 0 ? -1 : base + chosen;
}

/** max_pool's: each window's cotangent to its chosen cell. */
function maxScatter(v: Float64Array, g: Float64Array, inShape: readonly number[], outShape: readonly number[], attrs: PoolAttrs): Float64Array {
  const dx = new Float64Array(v.length);
  const add = adderFor(g.length);
  forEachWindow(inShape, outShape, attrs, (o, cells, base) => {
    const at = chosenCell(v, cells, base);
    if (at >= 0) dx[at] = add(dx[at], g[o]);
  });
  return dx;
}

/**
 * average_pool's: each window's cotangent divided as Keras-JAX divides its sum, by pool_size's product
 * ('valid') or the count of real cells ('same'), then to each real cell.
 */
function averageScatter(g: Float64Array, inShape: readonly number[], outShape: readonly number[], attrs: PoolAttrs): Float64Array {
  const dx = new Float64Array(sizeOf(inShape));
  const size = attrs.poolSize.reduce((a, b) => a * b, 1);
  const reciprocal = dividesByReciprocal(outShape, attrs);
  forEachWindow(inShape, outShape, attrs, (o, cells, base) => {
    const real = cells.filter((c) => c >= 0);
    const count = attrs.padding === 'valid' ? size : real.length;
    const share = store(reciprocal ? flush(g[o]) * f32(1 / count) : flush(g[o]) / count);
    for (const c of real) dx[base + c] = store(dx[base + c] + share);
  });
  return dx;
}

function pool(x: RefArray, ct: RefArray, attrs: PoolAttrs, kind: 'max' | 'average'): { inputs: RefArray } {
  const g = values(ct);
  const dx = kind === 'max' ? maxScatter(values(x), g, x.shape, ct.shape, attrs) : averageScatter(g, x.shape, ct.shape, attrs);
  return { inputs: fromValues(dx, x.shape, x.dtype) };
}

/**
 * One adaptive stage's: Keras-JAX pools the dim of n cells by two stride-1 reduce_windows, of ceil(n /
 * size) cells and one more, and takes each output cell from one of them (jnp.take). Its transpose adds each
 * output's cotangent at its window's start in that pool, in output order (a window past the end took
 * jnp.take's fill and passes nothing back), carries each pool's back as a max_pool or average_pool of that
 * window does, and adds the two.
 */
function adaptiveStage(v: Float64Array | null, g: Float64Array, inShape: number[], axis: number, size: number): Float64Array {
  const n = inShape[axis];
  const [outer, inner] = [sizeOf(inShape.slice(0, axis)), sizeOf(inShape.slice(axis + 1))];
  const windows = adaptiveWindows(n, size);
  const small = Math.ceil(n / size);
  const view = [outer, n, inner];
  const paths = [small, small + 1].filter((k) => k <= n).map((k) => {
    const pooledShape = [outer, n - k + 1, inner];
    const pooled = new Float64Array(sizeOf(pooledShape));
    windows.forEach((w, i) => {
      if (!w.inside || w.size !== k) return;
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < inner; j++) {
          const at = (o * pooledShape[1] + w.start) * inner + j;
          pooled[at] = store(pooled[at] + flush(g[(o * size + i) * inner + j]));
        }
      }
    });
    const attrs: PoolAttrs = { poolSize: [k], strides: [1], padding: 'valid', dataFormat: 'channels_last' };
    return v ? maxScatter(v, pooled, view, pooledShape, attrs) : averageScatter(pooled, view, pooledShape, attrs);
  });
  return paths.reduce((a, b) => a.map((p, i) => store(p + b[i])));
}

/** What each stage of adaptive_max_pool's forward pooled: the input, then each stage's result (fills included). */
function maxStageInputs(x: RefArray, attrs: AdaptivePoolAttrs, first: number): Float64Array[] {
  const shape = [...x.shape];
  const inputs = [values(x)];
  attrs.outputSize.slice(0, -1).forEach((size, d) => {
    inputs.push(adaptiveAxis(inputs[d], shape, first + d, size, windowMax, NaN));
    shape[first + d] = size;
  });
  return inputs;
}

/** The adaptive pools': the stages in reverse, each from its output's shape back to its input's. */
function adaptivePool(x: RefArray, ct: RefArray, attrs: AdaptivePoolAttrs, kind: 'max' | 'average'): { inputs: RefArray } {
  const first = attrs.dataFormat === 'channels_last' ? 1 : 2;
  const stageInputs = kind === 'max' ? maxStageInputs(x, attrs, first) : null;
  const shape = [...ct.shape];
  let g = values(ct);
  for (let d = attrs.outputSize.length - 1; d >= 0; d--) {
    shape[first + d] = x.shape[first + d];
    g = adaptiveStage(stageInputs?.[d] ?? null, g, shape, first + d, attrs.outputSize[d]);
  }
  return { inputs: fromValues(g, x.shape, x.dtype) };
}

export const poolingVjps: PoolingVjps = {
  max_pool: ({ inputs }, attrs, _out, ct) => pool(inputs, ct, attrs, 'max'),
  average_pool: ({ inputs }, attrs, _out, ct) => pool(inputs, ct, attrs, 'average'),
  adaptive_max_pool: ({ inputs }, attrs, _out, ct) => adaptivePool(inputs, ct, attrs, 'max'),
  adaptive_average_pool: ({ inputs }, attrs, _out, ct) => adaptivePool(inputs, ct, attrs, 'average'),
};
