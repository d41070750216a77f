/// <reference types="node" />
/**
 * The facts of the host that change numbers: the CPU and its ISA features (TensorFlow 2.17 turns its
 * oneDNN kernels on by default only on AVX-512-class CPUs, and oneDNN picks its code paths by ISA), the
 * cores and the variables that set thread counts, the GPU, its driver and the CUDA libraries tfjs-node-gpu
 * would load. Runs on different machines only compare when their records show these. Reports,
 * bench.json and `keras-parity backends` record them; ./machine-text.ts words them.
 *
 * Node only, and nothing above this file is imported: the report, the bench and the CLI all use it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

/** The /proc/cpuinfo flags that decide which kernels oneDNN (and XNNPACK) run. */
export const ISA_FLAGS = ['avx2', 'avx512f', 'avx512_vnni', 'avx512_bf16', 'amx_tile', 'amx_int8', 'amx_bf16'] as const;
export type IsaFlag = (typeof ISA_FLAGS)[number];

/** Variables that change numbers when set: kernel choice, summation order through thread counts, TF32, devices. */
export const NUMBER_VARIABLES = [
  'TF_ENABLE_ONEDNN_OPTS',
  'TF_NUM_INTRAOP_THREADS',
  'TF_NUM_INTEROP_THREADS',
  'OMP_NUM_THREADS',
  'ONEDNN_MAX_CPU_ISA',
  'CUDA_VISIBLE_DEVICES',
  // cuBLAS and cuDNN compute float32 in TF32 on Ampere and newer unless this is 0.
  'NVIDIA_TF32_OVERRIDE',
] as const;

export interface CpuFacts {
  model: string;
  /** `GenuineIntel`, `AuthenticAMD`; null where unknown. */
  vendor: string | null;
  /** os.cpus().length */
  logicalCores: number;
  /** os.availableParallelism(): the cores this process may run on (CPU affinity). */
  availableCores: number;
  /** null where unknown: no /proc/cpuinfo to read (not Linux). */
  isa: Record<IsaFlag, boolean> | null;
}

export interface GpuDevice {
  name: string;
  driver: string;
}

/** A CUDA runtime or cuDNN library file, by its versioned name (`libcudart.so.12`, `libcudnn.so.8`). */
export interface CudaLibrary {
  name: string;
  dir: string;
  /** `LD_LIBRARY_PATH`, or `tfjs-node-gpu` for the nvidia-*-cu12 wheel folders under its deps/. */
  source: string;
}

export interface GpuFacts {
  /** From nvidia-smi; empty when none was found. */
  devices: GpuDevice[];
  /** The newest CUDA the driver supports (nvidia-smi's `CUDA Version`); absent when unknown. */
  cudaDriverVersion?: string;
  /** Why `devices` is empty: nvidia-smi missing, failing or listing none. */
  note?: string;
  /** What tfjs-node-gpu would load; empty when none was found. */
  libraries: CudaLibrary[];
}

export interface MachineFacts {
  cpu: CpuFacts;
  /** `linux x64`, and the kernel release. */
  os: { platform: string; arch: string; release: string };
  node: string;
  memoryMiB: number;
  /** Each of NUMBER_VARIABLES, with its value, or null when unset. */
  variables: Record<string, string | null>;
  gpu: GpuFacts;
}

/** The facts of this machine now. Never throws; what cannot be read is recorded as unknown. */
export function machineFacts(env: NodeJS.ProcessEnv = process.env): MachineFacts {
  return {
    cpu: cpuFacts(),
    os: { platform: process.platform, arch: process.arch, release: release() },
    node: process.version,
    memoryMiB: Math.round(totalmem() / 2 ** 20),
    variables: Object.fromEntries(NUMBER_VARIABLES.map((name) => [name, env[name] ?? null])),
    gpu: { ...nvidiaSmi(), libraries: cudaLibraries(libraryDirs(env)) },
  };
}

function cpuFacts(): CpuFacts {
  const list = cpus();
  const info = readText('/proc/cpuinfo');
  const parsed = info === null ? null : parseCpuinfo(info);
  return {
    model: parsed?.model ?? list[0]?.model.trim() ?? 'unknown',
    vendor: parsed?.vendor ?? null,
    logicalCores: list.length,
    availableCores: availableParallelism(),
    isa: parsed?.isa ?? null,
  };
}

/** The first processor's model name, vendor and ISA flags; null fields where cpuinfo lacks them (ARM, say). */
export function parseCpuinfo(text: string): { model: string | null; vendor: string | null; isa: Record<IsaFlag, boolean> | null } {
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim() || null;
  const flags = field('flags');
  const present = new Set(flags?.split(/\s+/) ?? []);
  return {
    model: field('model name'),
    vendor: field('vendor_id'),
    isa: flags === null ? null : (Object.fromEntries(ISA_FLAGS.map((f) => [f, present.has(f)])) as Record<IsaFlag, boolean>),
  };
}

/** `nvidia-smi --query-gpu=name,driver_version --format=csv,noheader`: one device per line. */
export function parseGpuQuery(text: string): GpuDevice[] {
  return text
    .split('\n')
    .map((line) => line.split(',').map((s) => s.trim()))
    .filter(([name]) => !!name)
    .map(([name, driver]) => ({ name: name!, driver: driver ?? '' }));
}

/** The `CUDA Version: 12.4` of nvidia-smi's banner, or undefined. */
export function parseCudaVersion(text: string): string | undefined {
  return /CUDA Version:\s*([\d.]+)/.exec(text)?.[1];
}

const SMI_TIMEOUT_MS = 5000;

/** The devices and CUDA version nvidia-smi reports; a missing or hung nvidia-smi is a note, not a failure. */
function nvidiaSmi(): Omit<GpuFacts, 'libraries'> {
  let query: string;
  try {
    query = smi(['--query-gpu=name,driver_version', '--format=csv,noheader']);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { devices: [], note: code === 'ENOENT' ? 'no nvidia-smi' : `nvidia-smi failed: ${firstLine(e)}` };
  }
  const devices = parseGpuQuery(query);
  let cudaDriverVersion: string | undefined;
  try {
    cudaDriverVersion = parseCudaVersion(smi([]));
  } catch {
    // The devices stand without the banner.
  }
  return {
    devices,
    ...(cudaDriverVersion ? { cudaDriverVersion } : {}),
    ...(devices.length ? {} : { note: 'nvidia-smi lists no GPU' }),
  };
}

function smi(args: string[]): string {
  return execFileSync('nvidia-smi', args, { encoding: 'utf8', timeout: SMI_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'ignore'] });
}

/** Where tfjs-node-gpu finds libcudart and libcudnn: LD_LIBRARY_PATH, then the wheel folders in its deps/. */
function libraryDirs(env: NodeJS.ProcessEnv): Array<{ dir: string; source: string }> {
  const fromPath = (env.LD_LIBRARY_PATH ?? '').split(delimiter).filter(Boolean).map((dir) => ({ dir, source: 'LD_LIBRARY_PATH' }));
  const deps = tfjsNodeGpuDeps();
  const wheels = deps ? listDir(join(deps, 'nvidia')).map((lib) => ({ dir: join(deps, 'nvidia', lib, 'lib'), source: 'tfjs-node-gpu' })) : [];
  return [...fromPath, ...wheels];
}

/** node_modules/@tensorflow/tfjs-node-gpu/deps, or null when the package is not installed. */
function tfjsNodeGpuDeps(): string | null {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-node-gpu/package.json')), 'deps');
  } catch {
    return null;
  }
}

const CUDA_LIBRARY = /^lib(cudart|cudnn)\.so\.\d+(\.\d+)*$/;

/** The versioned libcudart and libcudnn files in `dirs`, in their order; `list` reads a folder (tests pass their own). */
export function cudaLibraries(dirs: ReadonlyArray<{ dir: string; source: string }>, list: (dir: string) => string[] = listDir): CudaLibrary[] {
  return dirs.flatMap(({ dir, source }) =>
    list(dir)
      .filter((name) => CUDA_LIBRARY.test(name))
      .sort()
      .map((name) => ({ name, dir, source })),
  );
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}
