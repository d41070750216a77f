/**
 * The oracle protocol's values (tools/oracle.py): golden-format values as JSON, tensors as their
 * little-endian bytes in base64, so numbers cross bit-exactly. Platform neutral (atob/btoa). A whole
 * case (a fuzz call with Keras's answer) travels the same way to a Chromium page (src/browser/).
 */
import { DTYPES, type DType, type TypedArray } from '../dtypes.js';
import type { Expected, ExpectedError, GoldenCase, GoldenValue, ToleranceWithReason } from '../golden/cases.js';
import type { ExpectedGradients, GradCase } from '../golden/grad.js';
import { GoldenTensor } from '../golden/safetensors.js';

export type WireValue = null | boolean | number | string | WireValue[] | { [key: string]: WireValue };

/** A type, not an interface, so that it is a WireValue too. */
export type WireTensor = {
  dtype: string;
  shape: number[];
  /** base64 of the little-endian bytes; bool one byte each. */
  data: string;
};

/** The `origin` of an outcome the oracle, not Keras, produced: a crash, a timeout, a malformed request. */
export const ORACLE = 'oracle';

export function encodeValue(v: GoldenValue): WireValue {
  if (v instanceof GoldenTensor) return { $tensor: encodeTensor(v) };
  if (Array.isArray(v)) return v.map(encodeValue);
  if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))) {
    return { $float: Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : '-0.0' };
  }
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeValue(x)]));
  }
  return v;
}

const FLOAT_WORDS: Readonly<Record<string, number>> = { nan: NaN, inf: Infinity, '-inf': -Infinity, '-0.0': -0 };

/** encodeValue's inverse. */
export function decodeValue(v: WireValue): GoldenValue {
  if (Array.isArray(v)) return v.map(decodeValue);
  if (v === null || typeof v !== 'object') return v;
  const keys = Object.keys(v);
  if (keys.length === 1 && keys[0] === '$tensor') return decodeTensor(v.$tensor as WireTensor);
  if (keys.length === 1 && keys[0] === '$float' && (v.$float as string) in FLOAT_WORDS) return FLOAT_WORDS[v.$float as string];
  return Object.fromEntries(keys.map((k) => [k, decodeValue(v[k])]));
}

export function encodeTensor(t: { dtype: DType; shape: readonly number[]; data: TypedArray }): WireTensor {
  const bytes = t.dtype === 'bool' ? Uint8Array.from(t.data, (b) => (b ? 1 : 0)) : new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return { dtype: t.dtype, shape: [...t.shape], data: toBase64(bytes) };
}

/** An oracle answer `{outputs}` or `{error}` as an expected outcome; an output dtype keras-parity lacks is no result. */
export function decodeExpected(answer: { outputs?: WireTensor[]; error?: ExpectedError }): Expected {
  if (answer.error) return { error: answer.error };
  const outputs = answer.outputs ?? [];
  const foreign = outputs.find((o) => !(DTYPES as readonly string[]).includes(o.dtype));
  if (foreign) {
    return oracleError('UnrepresentableOutput', `Keras returned a ${foreign.dtype} tensor, a dtype keras-parity does not have`);
  }
  return { outputs: outputs.map((o, i) => decodeTensor(o, `out/${i}`)) };
}

export function decodeTensor(t: WireTensor, key = ''): GoldenTensor {
  const bytes = fromBase64(t.data);
  const own = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const dtype = t.dtype as DType;
  // complex64 bytes are numpy's: real and imaginary float32 interleaved, as keras-parity stores them.
  const data = dtype === 'float32' || dtype === 'complex64' ? new Float32Array(own) : dtype === 'int32' ? new Int32Array(own) : new Uint8Array(own);
  return new GoldenTensor(key, dtype, t.shape, data);
}

/** A golden case as plain data (what page.evaluate carries); `backends`, for reports only, stays behind. */
export type WireCase = {
  id: string;
  op: string;
  args: WireValue[];
  kwargs: { [key: string]: WireValue };
  expected: { outputs: WireTensor[] } | { error: ExpectedError };
  tolerance: ToleranceWithReason | null;
};

export function encodeCase(c: GoldenCase): WireCase {
  const expected = 'outputs' in c.expected ? { outputs: c.expected.outputs.map(encodeTensor) } : { error: c.expected.error };
  const kwargs = Object.fromEntries(Object.entries(c.kwargs).map(([k, v]) => [k, encodeValue(v)]));
  return { id: c.id, op: c.op, args: c.args.map(encodeValue), kwargs, expected, tolerance: c.tolerance };
}

export function decodeCase(w: WireCase): GoldenCase {
  const expected: Expected = 'outputs' in w.expected ? { outputs: w.expected.outputs.map((o, i) => decodeTensor(o, `out/${i}`)) } : { error: w.expected.error };
  const kwargs = Object.fromEntries(Object.entries(w.kwargs).map(([k, v]) => [k, decodeValue(v)]));
  return { id: w.id, op: w.op, args: w.args.map(decodeValue), kwargs, expected, tolerance: w.tolerance, backends: {} };
}

/** The oracle's answer to a `grad` request (tools/oracle.py). */
export type WireGradAnswer = {
  skip?: string;
  outputs?: WireTensor[];
  cotangents?: WireTensor[];
  gradients?: { [name: string]: WireTensor };
  error?: ExpectedError;
  tolerance?: ToleranceWithReason | null;
  rule?: boolean;
};

/**
 * jax.vjp's answer for one call: no gradient to check (`skip` says why: Keras rejected the call, it passes
 * no float32 tensor...), no result (`error` of origin ORACLE: a crash, a timeout), or the outputs, the
 * cotangents drawn for them, the gradients or what jax.vjp raised, the tolerance of the op's rule, and
 * whether tools/golden/grad.py has a rule for the op (`rule`; without one the default tolerance applies).
 */
export type GradAnswer =
  | { skip: string }
  | { error: ExpectedError }
  | { outputs: GoldenTensor[]; cotangents: GoldenTensor[]; expected: ExpectedGradients; tolerance: ToleranceWithReason | null; rule: boolean };

export function decodeGradAnswer(answer: WireGradAnswer): GradAnswer {
  if (answer.skip !== undefined) return { skip: answer.skip };
  if (!answer.outputs || !answer.cotangents) return oracleError(answer.error?.class ?? 'OracleFailed', answer.error?.message ?? 'no outputs in the oracle\'s answer');
  const forward = decodeExpected({ outputs: answer.outputs });
  if ('error' in forward) return forward;
  const expected: ExpectedGradients = answer.gradients
    ? { gradients: Object.fromEntries(Object.entries(answer.gradients).map(([k, t]) => [k, decodeTensor(t, `grad/${k}`)])) }
    : { error: answer.error ?? { class: 'OracleFailed', message: 'neither gradients nor an error in the oracle\'s answer', origin: ORACLE } };
  const cotangents = answer.cotangents.map((t, i) => decodeTensor(t, `cotangent/${i}`));
  return { outputs: forward.outputs, cotangents, expected, tolerance: answer.tolerance ?? null, rule: answer.rule === true };
}

/** A gradient case as plain data, its forward call with the Keras version that replays it. */
export type WireGradCase = {
  forward: WireCase & { keras?: string };
  cotangents: WireTensor[];
  expected: { gradients: { [name: string]: WireTensor } } | { error: ExpectedError };
  tolerance: ToleranceWithReason | null;
};

export function encodeGradCase(c: GradCase): WireGradCase {
  const expected =
    'gradients' in c.expected ? { gradients: Object.fromEntries(Object.entries(c.expected.gradients).map(([k, t]) => [k, encodeTensor(t)])) } : { error: c.expected.error };
  const forward = { ...encodeCase(c.forward), ...(c.forward.keras ? { keras: c.forward.keras } : {}) };
  return { forward, cotangents: c.cotangents.map(encodeTensor), expected, tolerance: c.tolerance };
}

export function decodeGradCase(w: WireGradCase): GradCase {
  const forward = { ...decodeCase(w.forward), ...(w.forward.keras ? { keras: w.forward.keras } : {}) };
  const expected: ExpectedGradients =
    'gradients' in w.expected ? { gradients: Object.fromEntries(Object.entries(w.expected.gradients).map(([k, t]) => [k, decodeTensor(t, `grad/${k}`)])) } : { error: w.expected.error };
  return { id: forward.id, op: forward.op, forward, cotangents: w.cotangents.map((t, i) => decodeTensor(t, `cotangent/${i}`)), expected, tolerance: w.tolerance };
}

/** An outcome without a Keras result: not compared, reported (src/golden/run.ts). */
export function oracleError(cls: string, message: string): { error: ExpectedError } {
  return { error: { class: cls, message, origin: ORACLE } };
}

/** A stable text of a call: equal calls (same op, values and tensor bytes) give equal keys. */
export function callKey(op: string, args: readonly GoldenValue[], kwargs: Readonly<Record<string, GoldenValue>>): string {
  const sorted = Object.fromEntries(Object.keys(kwargs).sort().map((k) => [k, encodeValue(kwargs[k])]));
  return JSON.stringify([op, args.map(encodeValue), sorted]);
}

function toBase64(bytes: Uint8Array): string {
  let text = '';
  // In chunks: String.fromCharCode takes its arguments on the stack.
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function fromBase64(data: string): Uint8Array {
  const text = atob(data);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
