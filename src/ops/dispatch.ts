/**
 * From a call to the adapter: bind arguments as Python would, turn tensor arguments into specs,
 * let the op resolve and validate them, run the kernel of the active backend, check its result.
 */
import { formatShape, formatValue } from '../format.js';
import type { AnyAdapter } from '../backend/adapter.js';
import type { ConcreteSpec, Spec } from '../dtypes.js';
import { currentAdapter } from '../backend/registry.js';
import { Tensor } from '../backend/tensor.js';
import { convertToTensor, isTensorLike, specOfValue } from '../backend/convert.js';
import { KerasParityError, KerasTypeError, UnsupportedError } from '../errors.js';
import type { KerasVersion } from '../keras-versions.js';
import { camelCase, changesAt, paramsAt, type CallArgs, type Mode, type ParamDef } from './op.js';
import { OP_TABLE, PUBLIC_NAMES, publicNamesAt, type AnyOpDef, type OpName } from './table.js';

/** The op a public name stands for in `version`; a name that version lacks is an unknown op there. */
export function lookup(name: string, version: KerasVersion): [OpName, AnyOpDef] {
  const op = PUBLIC_NAMES.get(name);
  const names = publicNamesAt(version);
  if (!op || !names.includes(name)) {
    const later = op ? ` (${name} came in Keras ${(OP_TABLE[op] as AnyOpDef).since})` : '';
    throw new KerasTypeError(`Unknown op: ${formatValue(name)}${later}. keras.ops.nn of Keras ${version} has: ${names.join(', ')}.`);
  }
  return [op, OP_TABLE[op] as AnyOpDef];
}

/** Python's binding of `f(*args, **kwargs)`: returns every parameter's value, defaults filled. */
export function bindKeras(opName: string, def: AnyOpDef, args: unknown[], kwargs: Record<string, unknown>, version: KerasVersion) {
  const params = paramsAt(def, version);
  if (args.length > params.length) {
    throw new KerasTypeError(
      `${opName}() takes ${params.length} positional arguments but ${args.length} were given`,
    );
  }
  const bound = new Map<string, unknown>();
  args.forEach((value, i) => bound.set(params[i].name, value));
  for (const [key, value] of Object.entries(kwargs)) {
    const name = def.legacyKeywords?.[key] ?? key;
    if (!params.some((p) => p.name === name)) {
      throw new KerasTypeError(`${opName}() got an unexpected keyword argument '${key}'`);
    }
    if (bound.has(name)) throw new KerasTypeError(`${opName}() got multiple values for argument '${name}'`);
    bound.set(name, value);
  }
  return fillDefaults(opName, params, bound);
}

/** The idiomatic form: required parameters positional, the others in one camelCase options object. */
export function bindIdiomatic(opName: string, def: AnyOpDef, args: unknown[], version: KerasVersion) {
  const params = paramsAt(def, version);
  const required = params.filter((p) => p.required);
  const optional = params.filter((p) => !p.required);
  const fn = camelCase(opName);
  const hasOptions = args.length === required.length + 1 && optional.length > 0;
  if (args.length !== required.length && !hasOptions) {
    const names = required.map((p) => camelCase(p.name)).join(', ');
    throw new KerasTypeError(
      `${fn}() takes ${required.length} positional arguments (${names})` +
        `${optional.length ? ' and an options object' : ''}, but ${args.length} were given`,
    );
  }
  const bound = new Map<string, unknown>();
  required.forEach((p, i) => bound.set(p.name, args[i]));
  const options = hasOptions ? args[required.length] : undefined;
  if (options !== undefined) bindOptions(fn, def, optional, options, bound);
  return fillDefaults(opName, params, bound);
}

function bindOptions(fn: string, def: AnyOpDef, optional: ParamDef[], options: unknown, bound: Map<string, unknown>) {
  if (options === null || typeof options !== 'object' || Array.isArray(options) || isTensorLike(options)) {
    throw new KerasTypeError(`${fn}(): the last argument must be an options object. Received: ${formatValue(options)}`);
  }
  const legacy = Object.fromEntries(Object.entries(def.legacyKeywords ?? {}).map(([k, v]) => [camelCase(k), v]));
  for (const [key, value] of Object.entries(options)) {
    const param = optional.find((p) => camelCase(p.name) === key) ?? optional.find((p) => p.name === legacy[key]);
    if (!param) {
      const known = optional.map((p) => camelCase(p.name)).join(', ');
      throw new KerasTypeError(`${fn}() got an unexpected option '${key}'. Its options are: ${known}.`);
    }
    if (value !== undefined) bound.set(param.name, value);
  }
}

function fillDefaults(opName: string, params: readonly ParamDef[], bound: Map<string, unknown>) {
  const missing = params.filter((p) => p.required && (!bound.has(p.name) || bound.get(p.name) === undefined));
  if (missing.length > 0) {
    const names = missing.map((p) => `'${p.name}'`);
    const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
    throw new KerasTypeError(
      `${opName}() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${list}`,
    );
  }
  const values: Record<string, unknown> = {};
  for (const p of params) values[p.name] = bound.has(p.name) ? bound.get(p.name) : p.default;
  return values;
}

/** A call's bound values, as its Keras version's op sees them. */
export interface Bound {
  op: OpName;
  def: AnyOpDef;
  values: Record<string, unknown>;
  keras: KerasVersion;
}

function callArgs({ op, def, values, keras }: Bound, specOf: (p: ParamDef, v: unknown) => Spec | null, mode: Mode) {
  const t: Record<string, Spec | null> = {};
  const v: Record<string, unknown> = {};
  for (const p of paramsAt(def, keras)) {
    if (p.kind === 'tensor') t[p.name] = values[p.name] === null && !p.required ? null : specOf(p, values[p.name]);
    else v[p.name] = values[p.name];
    if (t[p.name]?.dtype === 'complex64' && !def.takesComplex) {
      throw new UnsupportedError(`${op} does not take complex64 tensors here. Received: ${p.name} of dtype complex64`);
    }
  }
  return { t, v, mode, keras, changed: changesAt(def, keras, op) } as CallArgs<string, string>;
}

/** Shape and dtype inference without computing (Keras's compute_output_spec and symbolic checks). */
export function outputSpecOf(call: Bound): Spec | Spec[] {
  call.def.checkFirst?.(call.values);
  return call.def.resolve(callArgs(call, (p, v) => specOfValue(v, p.name), 'symbolic')).out;
}

/**
 * Takes each call `execute` makes, prepared, with its outputs and the tensors made from its plain
 * arguments, which become the recorder's to release: valueAndGrads's tape.
 */
export type Recorder = (call: Bound, prepared: Prepared, outputs: Tensor[], made: Tensor[]) => void;

let recorder: Recorder | undefined;

/** Hands every call `execute` makes to `r` from now on; undefined stops. */
export function setRecorder(r: Recorder | undefined): void {
  recorder = r;
}

export const isRecording = (): boolean => recorder !== undefined;

/** Runs one op on the active backend; temporaries made from plain values are released. */
export function execute(call: Bound): Tensor | Tensor[] {
  const made: Tensor[] = [];
  try {
    const prepared = prepare(call, made);
    const result = wrapResult(call.op, prepared.adapter, prepared.run(), prepared.out);
    // A recorder keeps the temporaries: the backward rule reads them.
    if (recorder) recorder(call, prepared, Array.isArray(result) ? result : [result], made.splice(0));
    return result;
  } finally {
    for (const t of made) t.dispose();
  }
}

export type Prepared = ReturnType<typeof prepare>;

/**
 * Everything before the kernel: tensors made from plain values (pushed to `made`), the op resolved,
 * handles on the active adapter. `run` calls the kernel alone, which bench/profile-overhead.ts times.
 */
export function prepare(call: Bound, made: Tensor[]) {
  const { op: opName, def, values } = call;
  const adapter = currentAdapter();
  def.checkFirst?.(values);
  const tensors: Record<string, Tensor | null> = {};
  for (const p of paramsAt(def, call.keras).filter((q) => q.kind === 'tensor')) {
    tensors[p.name] = asTensor(p, values[p.name], made);
  }
  const { attrs, out } = def.resolve(callArgs(call, (p) => tensors[p.name] as Tensor, 'eager'));
  const handles = Object.fromEntries(
    Object.entries(tensors).map(([name, t]) => [name, t === null ? null : t.handleOn(adapter)]),
  );
  const kernel = adapter.kernels[opName] as (i: unknown, a: unknown, o: unknown) => unknown;
  return { adapter, out, tensors, handles, attrs, run: () => kernel(handles, attrs, out) };
}

function asTensor(p: ParamDef, value: unknown, made: Tensor[]): Tensor | null {
  if (value === null && !p.required) return null;
  if (value instanceof Tensor) return value;
  try {
    const t = convertToTensor(value as never);
    made.push(t);
    return t;
  } catch (e) {
    if (e instanceof KerasParityError && !(e instanceof KerasTypeError)) throw e;
    throw new KerasTypeError(
      `Argument \`${p.name}\` must be a tensor, an array or a number. Received: ${p.name}=${formatValue(value)}`,
    );
  }
}

export function wrapResult(opName: string, adapter: AnyAdapter, result: unknown, out: Spec | Spec[]): Tensor | Tensor[] {
  if (Array.isArray(out)) {
    return (result as unknown[]).map((h, i) => checked(opName, new Tensor(adapter, h), out[i] as ConcreteSpec));
  }
  return checked(opName, new Tensor(adapter, result), out as ConcreteSpec);
}

/** An adapter must return exactly the inferred shape and dtype; a mismatch is a bug in this library. */
function checked(opName: string, t: Tensor, want: ConcreteSpec): Tensor {
  const same = t.dtype === want.dtype && t.shape.length === want.shape.length && t.shape.every((d, i) => d === want.shape[i]);
  if (!same) {
    const got = `${formatShape(t.shape)} ${t.dtype}`;
    t.dispose();
    throw new KerasParityError(
      `Internal error: ${opName} returned ${got}, but its output spec is ${formatShape(want.shape)} ${want.dtype}.`,
    );
  }
  return t;
}
