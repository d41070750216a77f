/**
 * Reads bench.json text into a BenchFile (./model.ts), checking every field a report renders, so a
 * renderer never meets a missing or mistyped value. A file of another schema is refused with how to
 * make a current one.
 */
import { BENCH_SCHEMA, type BenchFile } from './model.js';

/** A bench.json that cannot be used, naming the file, the field at fault and what it held. */
export class BenchFormatError extends Error {
  constructor(
    readonly file: string,
    why: string,
  ) {
    super(`${file}: ${why}`);
    this.name = 'BenchFormatError';
  }
}

type Kind = 'string' | 'number' | 'boolean' | 'object' | 'array';
type Shape = Record<string, `${Kind}` | `${Kind}?` | 'number|null' | 'number|null?' | 'object|null'>;

const CASE: Shape = { op: 'string', size: 'string', elements: 'number', kerasJaxMs: 'number?', kerasVersion: 'string?' };
const RESULT: Shape = { op: 'string', size: 'string', backend: 'string', medianMs: 'number|null', skipped: 'string?' };
const OVERHEAD: Shape = {
  op: 'string', size: 'string', elements: 'number', backend: 'string',
  oursMs: 'number', rawMs: 'number', ratio: 'number', ratioQuartiles: 'array?', control: 'object?', overheadUsPerCall: 'number', runs: 'number',
};
const REF_VS_CPU: Shape = {
  size: 'string', referenceMs: 'number|null', tfjsCpuMs: 'number|null', ratio: 'number|null',
  tableRatio: 'number|null', runs: 'number?', note: 'string?',
};
const ENVIRONMENT: Shape = {
  node: 'string', platform: 'string', arch: 'string', cpus: 'number', cpuModel: 'string?',
  tfjsCore: 'string', commit: 'string', quick: 'boolean', backends: 'array', machine: 'object?',
};
const BACKEND: Shape = { name: 'string', available: 'boolean', device: 'string?', reason: 'string?', settings: 'object?' };
// The machine facts the report words (src/machine-text.ts); files before them have none.
const MACHINE: Shape = { cpu: 'object', gpu: 'object', variables: 'object' };
const CPU: Shape = { model: 'string', logicalCores: 'number', availableCores: 'number', isa: 'object|null' };
const GPU: Shape = { devices: 'array', libraries: 'array', cudaDriverVersion: 'string?', note: 'string?' };
const GPU_DEVICE: Shape = { name: 'string', driver: 'string' };
const CUDA_LIBRARY: Shape = { name: 'string', dir: 'string', source: 'string' };
const TOP: Shape = {
  date: 'string', environment: 'object', method: 'object', cases: 'array', results: 'array',
  ratios: 'object', kerasJax: 'object', gradients: 'object?', memory: 'object', unavailable: 'array', benchSeconds: 'number',
};

/** Parses and checks bench.json; `file` names it in errors. Throws BenchFormatError. */
export function parseBench(text: string, file: string): BenchFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new BenchFormatError(file, `not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const fail = (why: string): never => {
    throw new BenchFormatError(file, why);
  };
  if (!isObject(data)) return fail(`expected a JSON object, got ${describe(data)}`);
  if (data.schema !== BENCH_SCHEMA) {
    fail(`schema is ${describe(data.schema)}, this keras-parity reads ${JSON.stringify(BENCH_SCHEMA)}; re-run \`npm run bench\``);
  }
  check(data, TOP, '', fail);
  check(data.environment, ENVIRONMENT, 'environment', fail);
  eachOf(data.environment as Record<string, unknown>, 'backends', BACKEND, 'environment.', fail);
  checkMachine((data.environment as Record<string, unknown>).machine, fail);
  eachOf(data, 'cases', CASE, '', fail);
  eachOf(data, 'results', RESULT, '', fail);
  const ratios = data.ratios as Record<string, unknown>;
  check(ratios, { adapterOverhead: 'array', referenceOverTfjsCpuConv2d: 'array' }, 'ratios', fail);
  eachOf(ratios, 'adapterOverhead', OVERHEAD, 'ratios.', fail);
  eachOf(ratios, 'referenceOverTfjsCpuConv2d', REF_VS_CPU, 'ratios.', fail);
  check(data.kerasJax, { versions: 'object?', byKeras: 'object?', note: 'string?' }, 'kerasJax', fail);
  if (isObject(data.gradients)) {
    check(data.gradients, { cases: 'array', results: 'array', leaks: 'array' }, 'gradients', fail);
    eachOf(data.gradients, 'cases', CASE, 'gradients.', fail);
    eachOf(data.gradients, 'results', RESULT, 'gradients.', fail);
  }
  for (const [i, c] of (data.cases as Array<{ elements: number; kerasJaxMs?: number; kerasVersion?: string }>).entries()) {
    if (!(c.elements > 0)) fail(`cases[${i}].elements must be positive, got ${describe(c.elements)}`);
    if (c.kerasJaxMs !== undefined && !(c.kerasJaxMs > 0)) fail(`cases[${i}].kerasJaxMs must be positive, got ${describe(c.kerasJaxMs)}`);
    // A version without a time would name where nothing came from.
    if (c.kerasVersion !== undefined && c.kerasJaxMs === undefined) fail(`cases[${i}].kerasVersion needs a kerasJaxMs, got none`);
  }
  return data as unknown as BenchFile;
}

function checkMachine(machine: unknown, fail: (why: string) => never): void {
  if (machine === undefined) return;
  check(machine, MACHINE, 'environment.machine', fail);
  const m = machine as Record<string, Record<string, unknown>>;
  check(m.cpu, CPU, 'environment.machine.cpu', fail);
  check(m.gpu, GPU, 'environment.machine.gpu', fail);
  eachOf(m.gpu, 'devices', GPU_DEVICE, 'environment.machine.gpu.', fail);
  eachOf(m.gpu, 'libraries', CUDA_LIBRARY, 'environment.machine.gpu.', fail);
}

function eachOf(parent: Record<string, unknown>, key: string, shape: Shape, prefix: string, fail: (why: string) => never) {
  (parent[key] as unknown[]).forEach((item, i) => check(item, shape, `${prefix}${key}[${i}]`, fail));
}

function check(value: unknown, shape: Shape, where: string, fail: (why: string) => never): void {
  if (!isObject(value)) fail(`${where || 'the file'} must be an object, got ${describe(value)}`);
  const object = value as Record<string, unknown>;
  for (const [key, spec] of Object.entries(shape)) {
    const optional = spec.endsWith('?');
    const kinds = spec.replace('?', '').split('|');
    const v = object[key];
    if (v === undefined && optional) continue;
    if (!kinds.some((k) => is(v, k))) {
      const path = where ? `${where}.${key}` : key;
      fail(`${path} must be ${kinds.map(article).join(' or ')}, got ${describe(v)}`);
    }
  }
}

function is(v: unknown, kind: string): boolean {
  switch (kind) {
    case 'null':
      return v === null;
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'array':
      return Array.isArray(v);
    case 'object':
      return isObject(v);
    default:
      return typeof v === kind;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function article(kind: string): string {
  return kind === 'null' ? 'null' : kind === 'array' || kind === 'object' ? `an ${kind}` : `a ${kind}`;
}

/** A received value in a message: short JSON, or its type. */
function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v);
  return text.length > 60 ? `${Array.isArray(v) ? 'an array' : typeof v} (${text.slice(0, 57)}...)` : text;
}
