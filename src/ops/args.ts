/**
 * Keras's argument normalisation, shared by every op family: data_format, padding, int-to-tuple
 * expansion, axes. Messages are Keras's where Keras raises.
 */
import { formatShape, formatValue } from '../format.js';
import type { Spec } from '../dtypes.js';
import { type DType } from '../dtypes.js';
import { KerasIndexError, KerasTypeError, KerasValueError, type KerasParityError } from '../errors.js';

export type DataFormat = 'channels_last' | 'channels_first';
export type Padding = 'valid' | 'same';

/** keras.backend.standardize_data_format: None means channels_last; the value is lower-cased. */
export function standardizeDataFormat(value: unknown): DataFormat {
  if (value === null || value === undefined) return 'channels_last';
  const lowered = String(value).toLowerCase();
  if (lowered !== 'channels_first' && lowered !== 'channels_last') {
    throw new KerasValueError(
      "The `data_format` argument must be one of {'channels_first', 'channels_last'}. " +
        `Received: data_format=${lowered}`,
    );
  }
  return lowered;
}

/** The op wrappers lower-case padding before anything checks it. */
export function lowerPadding(value: unknown): string {
  if (typeof value !== 'string') {
    throw new KerasTypeError(`Argument \`padding\` must be a string. Received: padding=${formatValue(value)}`);
  }
  return value.toLowerCase();
}

export function isPadding(value: string): value is Padding {
  return value === 'valid' || value === 'same';
}

/**
 * An int repeated once per spatial dim, or a tuple of that many positive ints. JAX raises for a
 * non-positive value from the op itself, with a class that depends on the op: `positiveError`.
 */
export function spatialTuple(
  value: unknown,
  n: number,
  name: string,
  positiveError: typeof KerasValueError | typeof KerasTypeError | null,
  lengthError: typeof KerasValueError | typeof KerasTypeError = KerasValueError,
): number[] {
  const shown = formatValue(value);
  const tuple = isInt(value) ? Array<number>(n).fill(value) : value;
  if (!Array.isArray(tuple) || !tuple.every(isInt)) {
    throw new KerasTypeError(`Argument \`${name}\` must be an int or a tuple of ${n} ints. Received: ${name}=${shown}`);
  }
  if (tuple.length !== n) {
    throw new lengthError(
      `Argument \`${name}\` must be an int or a tuple of ${n} ints (one per spatial dimension). Received: ${name}=${shown}`,
    );
  }
  if (positiveError) checkPositive(tuple as number[], value, name, positiveError);
  return tuple as number[];
}

/** `tuple` (what `value` expands to) has no entry below 1; null above leaves this to the caller. */
export function checkPositive(
  tuple: readonly number[],
  value: unknown,
  name: string,
  errorClass: typeof KerasValueError | typeof KerasTypeError,
): void {
  if (tuple.some((v) => v <= 0)) {
    throw new errorClass(`Argument \`${name}\` must be positive. Received: ${name}=${formatValue(value)}`);
  }
}

export function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** Python's `isinstance(v, int)`, where a bool is an int too. */
export function isPythonInt(v: unknown): boolean {
  return isInt(v) || typeof v === 'boolean';
}

/** What an axis past the rank raises: numpy's AxisError (a ValueError) unless the op says otherwise. */
export type AxisErrorFactory = (axis: number, rank: number) => KerasParityError;

export const axisError: AxisErrorFactory = (axis, rank) =>
  new KerasValueError(`axis ${axis} is out of bounds for array of dimension ${rank}`);

/** Where Keras indexes `x.shape[axis]` in Python before any backend check. */
export const tupleIndexError: AxisErrorFactory = () => new KerasIndexError('tuple index out of range');

/** numpy's normalize_axis_index. */
export function normalizeAxis(axis: unknown, rank: number, name = 'axis', outOfRange = axisError): number {
  if (!isInt(axis)) {
    throw new KerasTypeError(`Argument \`${name}\` must be an integer. Received: ${name}=${formatValue(axis)}`);
  }
  if (axis < -rank || axis >= rank) throw outOfRange(axis, rank);
  return axis < 0 ? axis + rank : axis;
}

/**
 * A reduction's `axis`/`axes` as jnp takes it: None for every axis, an int, or a tuple of ints (may be
 * empty). A repeated axis raises jnp's error, which prints the axes as given.
 */
export function reductionAxes(axes: unknown, rank: number, name = 'axis', outOfRange = axisError): number[] {
  if (axes === null) return [...Array(rank).keys()];
  if (isInt(axes)) return [normalizeAxis(axes, rank, name, outOfRange)];
  if (!Array.isArray(axes)) {
    throw new KerasTypeError(
      `Argument \`${name}\` must be an int, a tuple of ints or None. Received: ${name}=${formatValue(axes)}`,
    );
  }
  const out = axes.map((a) => normalizeAxis(a, rank, name, outOfRange));
  if (new Set(out).size !== out.length) throw new KerasValueError(`duplicate value in 'axis': ${formatValue(axes)}`);
  return out;
}

/** Shape equality where an unknown (null) dim matches anything: symbolic inputs may still agree. */
export function sameShape(a: readonly (number | null)[], b: readonly (number | null)[]): boolean {
  return a.length === b.length && a.every((d, i) => d === null || b[i] === null || d === b[i]);
}

export function checkBool(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') {
    throw new KerasTypeError(`Argument \`${name}\` must be a boolean. Received: ${name}=${formatValue(value)}`);
  }
  return value;
}

export function checkNumber(value: unknown, name: string): number {
  if (typeof value !== 'number') {
    throw new KerasTypeError(`Argument \`${name}\` must be a number. Received: ${name}=${formatValue(value)}`);
  }
  return value;
}

/** Rank check for what Keras leaves to its backends; `ranks` lists the accepted ranks. */
export function checkRank(
  spec: Spec,
  ranks: number[],
  name: string,
  errorClass: typeof KerasValueError | typeof KerasTypeError = KerasValueError,
): void {
  if (!ranks.includes(spec.shape.length)) {
    const want = ranks.length === 1 ? `${ranks[0]}` : `${ranks.slice(0, -1).join(', ')} or ${ranks.at(-1)}`;
    throw new errorClass(
      `Argument \`${name}\` must have rank ${want}. Received: ${name}.shape=${formatShape(spec.shape)}`,
    );
  }
}

export function checkDtype(spec: Spec, allowed: DType[], name: string): void {
  if (!allowed.includes(spec.dtype)) {
    throw new KerasTypeError(
      `Argument \`${name}\` must have dtype ${allowed.join(' or ')}. Received: ${name}.dtype=${spec.dtype}`,
    );
  }
}
