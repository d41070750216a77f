/**
 * bench.json: what `npm run bench` (bench/run.ts) writes and what the parity report reads
 * (`keras-parity run --bench`). One definition for both sides; ./parse.ts checks a file against it.
 *
 * Times are milliseconds per call: the median of timed samples after warm-up, read-back included.
 */

import type { MachineFacts } from '../machine.js';

/** The version of the format; a reader refuses any other. */
export const BENCH_SCHEMA = 'keras-parity-bench/2';

export interface BenchFile {
  schema: typeof BENCH_SCHEMA;
  /** ISO time of the run. */
  date: string;
  environment: BenchEnvironment;
  method: BenchMethod;
  /** Every op x size the bench ran, in bench order: the rows of the table and the x of the plots. */
  cases: BenchCase[];
  /** One per case x backend that ran. */
  results: BenchResult[];
  ratios: {
    adapterOverhead: AdapterOverhead[];
    referenceOverTfjsCpuConv2d: ReferenceOverTfjsCpu[];
  };
  /** Where the Keras-on-JAX timings (cases[].kerasJaxMs) come from, or why there are none. */
  kerasJax: KerasJaxSource;
  /**
   * The gradient part (ops.vjp and its pullback at each op's medium size, against jax.vjp; cases[].kerasJaxMs
   * is jax.jit of the vjp and its pullback); absent where it did not run.
   */
  gradients?: {
    cases: BenchCase[];
    /** `skipped` is "no rule" where the backend has no backward rule for the op yet. */
    results: BenchResult[];
    /** TF.js tensors an op's repetitions left behind, per backend and op; empty when none. */
    leaks: string[];
  };
  memory: BenchMemory;
  unavailable: Array<{ name: string; reason?: string }>;
  /** Wall time of the timing part (conformance runs excluded). */
  benchSeconds: number;
}

export interface BenchEnvironment {
  node: string;
  platform: string;
  arch: string;
  release: string;
  cpus: number;
  cpuModel?: string;
  totalMemMiB: number;
  tfjsCore: string;
  /** `git rev-parse HEAD`, empty outside a git checkout. */
  commit: string;
  /** `--quick`: fewer, shorter samples. */
  quick: boolean;
  /** Settings that change a backend's numbers (oneDNN on tfjs-tensorflow, ...), where it has some. */
  backends: Array<{ name: string; available: boolean; device?: string; reason?: string; settings?: Record<string, string> }>;
  /** What changes numbers on the machine: ISA features, cores, GPU, variables (src/machine.ts; absent in older files). */
  machine?: MachineFacts;
}

export interface BenchMethod {
  statistic: string;
  caseBudgetMs: number;
  minSampleMs: number;
  maxRuns: number;
  referenceCallCapMs: number;
  /** The C allocator's settings every timing ran under (bench/allocator.ts; absent in older files). */
  allocator?: Record<string, string>;
}

/** One op at one size: the same inputs on every backend. */
export interface BenchCase {
  op: string;
  /** Its label, as results[].size spells it: `1x64x64x32 k3x3x32x64`. */
  size: string;
  /** Elements of the op's largest input: a size that orders cases of one op on a numeric axis. */
  elements: number;
  /** Keras on JAX, the same call: median ms per call; absent where not measured. */
  kerasJaxMs?: number;
  /**
   * The Keras version kerasJaxMs came from, beside it. Absent in older files, which timed every case
   * against one Keras: kerasJax.versions.keras, or 3.6.0 where that is absent too.
   */
  kerasVersion?: string;
}

export interface BenchTiming {
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Timed samples. */
  runs: number;
  /** Calls per sample (per-call times are sample time / callsPerRun). */
  callsPerRun: number;
  firstCallMs: number;
}

/** A case on one backend: its timing, or why it has none (`medianMs` null, `skipped` the reason). */
export interface BenchResult extends Partial<Omit<BenchTiming, 'medianMs'>> {
  op: string;
  size: string;
  backend: string;
  medianMs: number | null;
  skipped?: string;
}

/** keras-parity's call against the same raw TF.js op on the same tf.Tensors, timed interleaved. */
export interface AdapterOverhead {
  op: string;
  size: string;
  elements: number;
  backend: string;
  oursMs: number;
  rawMs: number;
  /** oursMs / rawMs. */
  ratio: number;
  /** The 25th and 75th percentiles of ours / raw taken sample by sample (absent in older files). */
  ratioQuartiles?: [number, number];
  /**
   * The raw call timed a second time in the same rounds, over the first: what the ratio of two
   * identical calls comes out as on this machine (absent in older files).
   */
  control?: { ratio: number; quartiles: [number, number] };
  overheadUsPerCall: number;
  runs: number;
}

/** Targets the adapter's overhead is held to: a ratio for large inputs, microseconds per call for small ones. */
export const OVERHEAD_TARGET = {
  ratio: 1.05,
  usPerCall: 20,
  /** Below this many elements the per-call target applies. */
  smallElements: 1e4,
} as const;

/** The fastest Node backend over Keras on JAX (each case's version), at the medium size of these ops. */
export const KERAS_JAX_TARGET = {
  ratio: 1.5,
  ops: [
    'conv', 'dot_product_attention', 'softmax',
    // Added by Keras 3.7 to 3.14.
    'celu', 'glu', 'hard_shrink', 'hard_tanh', 'soft_shrink', 'squareplus', 'tanh_shrink', 'sparse_plus', 'sparsemax',
    'threshold', 'polar', 'rms_normalization', 'sparse_sigmoid', 'layer_normalization', 'unfold', 'adaptive_average_pool',
    'adaptive_max_pool', 'fold', 'depth_to_space', 'space_to_depth',
  ],
  sizeIndex: 1,
} as const;

/** reference / tfjs-cpu on conv2d, interleaved call by call (target: at most 1). */
export interface ReferenceOverTfjsCpu {
  size: string;
  referenceMs: number | null;
  tfjsCpuMs: number | null;
  ratio: number | null;
  runs?: number;
  /** The same ratio from the main table's medians. */
  tableRatio: number | null;
  note?: string;
}

export interface KerasJaxSource {
  /** keras, jax, jaxlib versions of the one process that timed them (older files; newer ones write byKeras). */
  versions?: Record<string, string>;
  /** Per Keras version (cases[].kerasVersion), the keras, jax, jaxlib versions of the process that timed its cases. */
  byKeras?: Record<string, Record<string, string>>;
  /** Why some or all timings are missing. */
  note?: string;
}

export interface TfMemoryInfo {
  numTensors: number;
  numDataBuffers: number;
  numBytes: number;
  unreliable?: boolean;
  reasons?: string[];
}

export interface ConformanceRun {
  backends: string;
  exitCode: number | null;
  wallSeconds: number;
  maxRssMiB: number | null;
  passing?: number;
  failing?: number;
  pending?: number;
  /** Sum of mocha's per-test durations for the tests titled [backend]. */
  testSeconds?: Record<string, number>;
}

export interface BenchMemory {
  tfMemory: Record<string, { before: TfMemoryInfo; after: TfMemoryInfo; leakedTensors: number; leakedBytes: number }>;
  benchMaxRssMiB: number;
  conformance: ConformanceRun[];
}

/** Whether an overhead measurement meets its target: per call for small inputs, as a ratio for large ones. */
export function overheadMet(o: AdapterOverhead): boolean {
  return o.elements < OVERHEAD_TARGET.smallElements
    ? o.overheadUsPerCall <= OVERHEAD_TARGET.usPerCall
    : o.ratio <= OVERHEAD_TARGET.ratio;
}
