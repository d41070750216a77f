/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N, N bytes of
 * JSON `{key: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {...}}`, then the data
 * buffer, offsets relative to its start. Only keras-parity's dtypes are read: F32, I32, BOOL, and C64
 * (complex64, 8 bytes an element, real then imaginary float32: numpy's and safetensors 0.8's layout).
 */
import type { DType, TypedArray } from '../dtypes.js';
import { GoldenError } from './errors.js';

/** One stored tensor: row-major data, bit-exact as written; a complex64 one interleaved [re0, im0, ...]. */
export class GoldenTensor {
  constructor(
    readonly key: string,
    readonly dtype: DType,
    readonly shape: readonly number[],
    readonly data: TypedArray,
  ) {}

  /** Stored values: for complex64 two per element. */
  get size(): number {
    return this.data.length;
  }
}

const DTYPES: Record<string, { dtype: DType; bytes: number }> = {
  F32: { dtype: 'float32', bytes: 4 },
  I32: { dtype: 'int32', bytes: 4 },
  BOOL: { dtype: 'bool', bytes: 1 },
  C64: { dtype: 'complex64', bytes: 8 },
};
const SAFETENSORS_DTYPE: Record<DType, string> = { float32: 'F32', int32: 'I32', bool: 'BOOL', complex64: 'C64' };

/** safetensors refuses headers above 100 MB; a larger length means a corrupt or foreign file. */
const MAX_HEADER = 100_000_000;

interface Entry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Every tensor of a safetensors file by key; `file` names the file in every error. */
export function readSafetensors(bytes: Uint8Array, file: string): Map<string, GoldenTensor> {
  checkHostLittleEndian();
  const fail = (why: string) => new GoldenError(file, why);
  if (bytes.length < 8) throw fail(`truncated: ${bytes.length} bytes, fewer than the 8-byte header length`);
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (headerLength > MAX_HEADER) throw fail(`corrupt header: header length ${headerLength} is implausible`);
  if (8 + headerLength > bytes.length) {
    throw fail(`truncated: the header claims ${headerLength} bytes but only ${bytes.length - 8} follow`);
  }
  const header = parseHeader(bytes.subarray(8, 8 + headerLength), fail);
  const buffer = bytes.subarray(8 + headerLength);
  const tensors = new Map<string, GoldenTensor>();
  let end = 0;
  for (const [key, value] of Object.entries(header)) {
    if (key === '__metadata__') continue;
    const entry = checkEntry(key, value, fail);
    const [begin, stop] = entry.data_offsets;
    if (stop > buffer.length) {
      throw fail(`truncated: tensor '${key}' ends at byte ${stop} of the data but only ${buffer.length} bytes remain`);
    }
    const { dtype } = DTYPES[entry.dtype];
    tensors.set(key, new GoldenTensor(key, dtype, entry.shape, typedCopy(buffer.subarray(begin, stop), dtype)));
    end = Math.max(end, stop);
  }
  if (end !== buffer.length) {
    throw fail(`corrupt: ${buffer.length - end} bytes after the last tensor (the header does not describe them)`);
  }
  return tensors;
}

function parseHeader(raw: Uint8Array, fail: (why: string) => GoldenError): Record<string, unknown> {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch (e) {
    throw fail(`corrupt header: not UTF-8 JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw fail('corrupt header: the JSON is not an object');
  }
  return header as Record<string, unknown>;
}

function checkEntry(key: string, value: unknown, fail: (why: string) => GoldenError): Entry {
  const e = value as Partial<Entry> | null;
  if (e === null || typeof e !== 'object') throw fail(`corrupt header: entry '${key}' is not an object`);
  if (typeof e.dtype !== 'string' || !(e.dtype in DTYPES)) {
    throw fail(`unknown dtype ${JSON.stringify(e.dtype)} of tensor '${key}' (supported: ${Object.keys(DTYPES).join(', ')})`);
  }
  const dims = e.shape;
  if (!Array.isArray(dims) || !dims.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw fail(`corrupt header: tensor '${key}' has shape ${JSON.stringify(dims)}`);
  }
  const offsets = e.data_offsets;
  const size = dims.reduce((a, b) => a * b, 1);
  const ok =
    Array.isArray(offsets) && offsets.length === 2 && offsets.every((o) => Number.isSafeInteger(o) && o >= 0) &&
    offsets[1] - offsets[0] === size * DTYPES[e.dtype].bytes;
  if (!ok) {
    throw fail(`corrupt header: tensor '${key}' (${e.dtype}, shape ${JSON.stringify(dims)}) has data_offsets ${JSON.stringify(offsets)}`);
  }
  return e as Entry;
}

/** A copy, so the typed array is aligned and owns its memory whatever the file's layout. */
function typedCopy(bytes: Uint8Array, dtype: DType): TypedArray {
  const own = bytes.slice().buffer;
  if (dtype === 'float32' || dtype === 'complex64') return new Float32Array(own);
  if (dtype === 'int32') return new Int32Array(own);
  return new Uint8Array(own).map((b) => (b !== 0 ? 1 : 0));
}

/** safetensors data is little-endian and typed arrays use the host's order. */
function checkHostLittleEndian(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new Error('safetensors reading needs a little-endian host');
  }
}

/**
 * Writes tensors as the Python safetensors library does (header padded with spaces to a multiple of 8),
 * for test fixtures and tools; keys in insertion order.
 */
export function encodeSafetensors(tensors: Iterable<{ key: string; dtype: DType; shape: readonly number[]; data: TypedArray }>): Uint8Array {
  checkHostLittleEndian();
  const header: Record<string, Entry> = {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const t of tensors) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header[t.key] = { dtype: SAFETENSORS_DTYPE[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = new Uint8Array(json.length + ((8 - (json.length % 8)) % 8)).fill(0x20);
  headerBytes.set(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
