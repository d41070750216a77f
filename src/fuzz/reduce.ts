/**
 * After fast-check's shrinking, which works on the generators' parameters (a shape, a seed), this makes
 * the counterexample's tensors themselves smaller and plainer: it cuts each tensor along each dim (halves,
 * then single slices) and sets runs of elements to zero, keeping a change only when the call still fails
 * the same way (Keras answers in the same kind, the backend fails with the same kind of failure). The
 * result is a small call a person can read, whatever generator drew it.
 */
import type { GoldenValue } from '../golden/cases.js';
import { GoldenTensor } from '../golden/safetensors.js';
import type { FuzzCall } from './call.js';

/** The same failure as the original, or not (any other outcome, a pass included). */
export type StillFails = (call: FuzzCall) => Promise<boolean>;

/** Where a tensor sits: an argument index or keyword, then indices into tuples (or keys of dicts). */
type Path = (string | number)[];

export interface Reduced {
  call: FuzzCall;
  /** Changes kept. */
  steps: number;
}

/** Reduces `call` while `stillFails`, trying at most `budget` candidates. */
export async function reduceCall(call: FuzzCall, stillFails: StillFails, budget = 300): Promise<Reduced> {
  let current = call;
  let steps = 0;
  let tries = 0;
  const attempt = async (candidate: FuzzCall | undefined): Promise<boolean> => {
    if (!candidate || tries >= budget) return false;
    tries++;
    if (!(await stillFails(candidate))) return false;
    current = candidate;
    steps++;
    return true;
  };
  for (const path of tensorPaths(call)) {
    await cutDims(path, () => current, attempt);
    await zeroRuns(path, () => current, attempt);
  }
  return { call: current, steps };
}

async function cutDims(path: Path, get: () => FuzzCall, attempt: (c: FuzzCall | undefined) => Promise<boolean>): Promise<void> {
  for (let progress = true; progress; ) {
    progress = false;
    const t = tensorAt(get(), path);
    for (let d = 0; d < t.shape.length; d++) {
      const n = t.shape[d];
      if (n <= 1) continue;
      const half = Math.floor(n / 2);
      // The first half, the second half, then without its last or first slice.
      const ranges: [number, number][] = [[0, half], [half, n], [0, n - 1], [1, n]];
      for (const [start, end] of ranges) {
        if (await attempt(withTensor(get(), path, slice(t, d, start, end)))) {
          progress = true;
          break;
        }
      }
      if (progress) break;
    }
  }
}

async function zeroRuns(path: Path, get: () => FuzzCall, attempt: (c: FuzzCall | undefined) => Promise<boolean>): Promise<void> {
  const size = tensorAt(get(), path).size;
  for (let block = Math.ceil(size / 2); block >= 1; block = Math.floor(block / 2)) {
    for (let start = 0; start < size; start += block) {
      const t = tensorAt(get(), path);
      const end = Math.min(size, start + block);
      if (t.data.subarray(start, end).every((v) => Object.is(v, 0))) continue;
      const data = t.data.slice();
      data.fill(0, start, end);
      await attempt(withTensor(get(), path, new GoldenTensor(t.key, t.dtype, t.shape, data)));
    }
    if (block === 1) break;
  }
}

/** The tensor's elements with index in [start, end) along `dim`. */
export function slice(t: GoldenTensor, dim: number, start: number, end: number): GoldenTensor {
  const shape = [...t.shape];
  const inner = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  const outer = shape.slice(0, dim).reduce((a, b) => a * b, 1);
  const n = shape[dim];
  shape[dim] = end - start;
  const data = new (t.data.constructor as { new (n: number): typeof t.data })(outer * (end - start) * inner);
  for (let o = 0; o < outer; o++) {
    data.set(t.data.subarray((o * n + start) * inner, (o * n + end) * inner), o * (end - start) * inner);
  }
  return new GoldenTensor(t.key, t.dtype, shape, data);
}

function tensorPaths(call: FuzzCall): Path[] {
  const paths: Path[] = [];
  const walk = (v: GoldenValue, path: Path) => {
    if (v instanceof GoldenTensor) paths.push(path);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  call.args.forEach((v, i) => walk(v, [i]));
  for (const [k, v] of Object.entries(call.kwargs)) walk(v, [k]);
  return paths;
}

function tensorAt(call: FuzzCall, path: Path): GoldenTensor {
  let v: GoldenValue = typeof path[0] === 'number' ? call.args[path[0]] : call.kwargs[path[0]];
  for (const key of path.slice(1)) v = (v as Record<string | number, GoldenValue>)[key];
  return v as GoldenTensor;
}

/** A copy of `call` with the tensor at `path` replaced. */
function withTensor(call: FuzzCall, path: Path, t: GoldenTensor): FuzzCall {
  const replace = (v: GoldenValue, rest: Path): GoldenValue => {
    if (!rest.length) return t;
    const [key, ...tail] = rest;
    if (Array.isArray(v)) return v.map((x, i) => (i === key ? replace(x, tail) : x));
    const o = v as Record<string, GoldenValue>;
    return { ...o, [key]: replace(o[key], tail) };
  };
  const [head, ...tail] = path;
  if (typeof head === 'number') return { ...call, args: call.args.map((x, i) => (i === head ? replace(x, tail) : x)) };
  return { ...call, kwargs: { ...call.kwargs, [head]: replace(call.kwargs[head], tail) } };
}
