/**
 * Machine facts (./machine.ts) and backend settings in words, one line each, the same in
 * `keras-parity backends`, report.md, report.html and the report's Performance section.
 */
import { plural } from './format.js';
import type { CpuFacts, GpuFacts, IsaFlag, MachineFacts } from './machine.js';

/** The ISA features shown; AMX stands for its three flags, of which amx_tile is the base. */
const SHOWN_ISA: Array<[string, IsaFlag]> = [
  ['avx2', 'avx2'],
  ['avx512f', 'avx512f'],
  ['avx512_vnni', 'avx512_vnni'],
  ['avx512_bf16', 'avx512_bf16'],
  ['amx', 'amx_tile'],
];

const yesNo = (v: boolean | undefined) => (v ? 'yes' : 'no');

/** `avx2 yes, avx512f yes, avx512_vnni yes, avx512_bf16 no, amx no` */
export function isaText(isa: CpuFacts['isa']): string {
  if (!isa) return 'ISA features unknown: no /proc/cpuinfo';
  return SHOWN_ISA.map(([label, flag]) => `${label} ${yesNo(isa[flag])}`).join(', ');
}

/** `AMD EPYC (avx2 yes, ..., amx no), 2 logical cores` */
export function cpuLine(cpu: CpuFacts): string {
  const cores = plural(cpu.logicalCores, 'logical core');
  // A CPU affinity mask (taskset, a container's cpuset) leaves threads fewer cores than the machine has.
  const limited = cpu.availableCores < cpu.logicalCores ? `, ${cpu.availableCores} available to this process` : '';
  return `${cpu.model} (${isaText(cpu.isa)}), ${cores}${limited}`;
}

/** `NVIDIA H200 (driver 550.54.15), CUDA 12.4 (the driver's)`, or `none found (no nvidia-smi)` */
export function gpuLine(gpu: GpuFacts): string {
  if (!gpu.devices.length) return `none found (${gpu.note ?? 'nvidia-smi lists no GPU'})`;
  const counts = new Map<string, number>();
  for (const d of gpu.devices) {
    const text = d.driver ? `${d.name} (driver ${d.driver})` : d.name;
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  const devices = [...counts].map(([text, n]) => (n > 1 ? `${n} \u00d7 ${text}` : text)).join('; ');
  return gpu.cudaDriverVersion ? `${devices}, CUDA ${gpu.cudaDriverVersion} (the driver's)` : devices;
}

/** `libcudart.so.12, libcudnn.so.8 (tfjs-node-gpu)`, or `none found` */
export function cudaLibrariesLine(gpu: GpuFacts): string {
  if (!gpu.libraries.length) return 'none found';
  const names = [...new Set(gpu.libraries.map((l) => l.name))];
  const sources = [...new Set(gpu.libraries.map((l) => l.source))];
  return `${names.join(', ')} (${sources.join(', ')})`;
}

/** `TF_ENABLE_ONEDNN_OPTS=0, OMP_NUM_THREADS=4; the others unset`, or `none set (TF_ENABLE_ONEDNN_OPTS, ...)` */
export function variablesLine(variables: Record<string, string | null>): string {
  const entries = Object.entries(variables);
  const set = entries.filter(([, v]) => v !== null);
  if (!set.length) return `none set (${entries.map(([k]) => k).join(', ')})`;
  const text = set.map(([k, v]) => `${k}=${v}`).join(', ');
  return set.length < entries.length ? `${text}; the others unset` : text;
}

/** The machine as labelled lines: CPU, GPU, CUDA libraries, variables. */
export function machineLines(m: MachineFacts): Array<[string, string]> {
  return [
    ['CPU', cpuLine(m.cpu)],
    ['GPU', gpuLine(m.gpu)],
    ['CUDA runtime / cuDNN', cudaLibrariesLine(m.gpu)],
    ['variables that change numbers', variablesLine(m.variables)],
  ];
}

/** One setting: `oneDNN on (TF_ENABLE_ONEDNN_OPTS unset)`. */
export function settingText(key: string, value: string): string {
  return `${key} ${value}`;
}

/** A backend's settings on one line, or '' when it has none. */
export function settingsLine(settings: Readonly<Record<string, string>> | undefined): string {
  return Object.entries(settings ?? {})
    .map(([k, v]) => settingText(k, v))
    .join(', ');
}
