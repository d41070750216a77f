/**
 * Keras's argument normalisation, shared by every op family: data_format, padding, int-to-tuple
 * expansion, axes. Messages are Keras's where Keras raises.
 */
import type { Spec } from '../backend/adapter.js';
import { formatShape, formatValue, type DType } from '../dtypes.js';
import { KerasTypeError, KerasValueError } from '../errors.js';

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
 * keras.utils.argument_validation.standardize_tuple: an int is repeated n times; a sequence must hold
 * n integers; every value must be > 0 (>= 0 with allowZero).
 */
export function standardizeTuple(value: unknown, n: number, name: string, allowZero = false): number[] {
  const shown = formatValue(value);
  let message = `The \`${name}\` argument must be a tuple of ${n} integers. Received ${name}=${shown}`;
  let values: unknown[];
  if (isInt(value)) values = Array(n).fill(value);
  else if (Array.isArray(value) && value.length === n) values = value;
  else throw new KerasValueError(message);
  const bad = values.find((v) => !isInt(v));
  if (bad !== undefined) {
    message += `including element ${formatValue(bad)} of type ${pythonType(bad)}`;
    throw new KerasValueError(message);
  }
  const ints = values as number[];
  const unqualified = [...new Set(ints.filter((v) => (allowZero ? v < 0 : v <= 0)))];
  if (unqualified.length > 0) {
    const req = allowZero ? '>= 0' : '> 0';
    throw new KerasValueError(
      `${message} including ${pySet(unqualified)} that does not satisfy \`value ${req}\`.`,
    );
  }
  return ints;
}

export function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** Python's `isinstance(v, int)`, where a bool is an int too. */
export function isPythonInt(v: unknown): boolean {
  return isInt(v) || typeof v === 'boolean';
}

function pythonType(v: unknown): string {
  if (typeof v === 'number') return "<class 'float'>";
  if (typeof v === 'string') return "<class 'str'>";
  if (typeof v === 'boolean') return "<class 'bool'>";
  if (v === null || v === undefined) return "<class 'NoneType'>";
  return `<class '${typeof v}'>`;
}

function pySet(values: number[]): string {
  return `{${values.join(', ')}}`;
}

/** numpy's normalize_axis_index, with its AxisError wording (a ValueError subclass). */
export function normalizeAxis(axis: unknown, rank: number, name = 'axis'): number {
  if (!isInt(axis)) {
    throw new KerasTypeError(`Argument \`${name}\` must be an integer. Received: ${name}=${formatValue(axis)}`);
  }
  if (axis < -rank || axis >= rank) {
    throw new KerasValueError(`axis ${axis} is out of bounds for array of dimension ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Several axes: each normalised; a repeated axis is an error, as in numpy. */
export function normalizeAxes(axes: unknown, rank: number, name = 'axis'): number[] {
  const list = Array.isArray(axes) ? axes : [axes];
  const out = list.map((a) => normalizeAxis(a, rank, name));
  if (new Set(out).size !== out.length) throw new KerasValueError(`repeated axis in \`${name}\`: ${formatValue(axes)}`);
  return out;
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
export function checkRank(spec: Spec, ranks: number[], name: string): void {
  if (!ranks.includes(spec.shape.length)) {
    const want = ranks.length === 1 ? `${ranks[0]}` : `${ranks.slice(0, -1).join(', ')} or ${ranks.at(-1)}`;
    throw new KerasValueError(
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

/** The channel dim and the spatial dims of a conv/pool input. */
export function splitChannels(shape: (number | null)[], dataFormat: DataFormat) {
  const channelsAxis = dataFormat === 'channels_last' ? shape.length - 1 : 1;
  const spatial = dataFormat === 'channels_last' ? shape.slice(1, -1) : shape.slice(2);
  return { channels: shape[channelsAxis], spatial, channelsAxis };
}

/** Assembles a conv/pool output shape in the input's layout. */
export function joinChannels(
  batch: number | null,
  spatial: (number | null)[],
  channels: number | null,
  dataFormat: DataFormat,
): (number | null)[] {
  return dataFormat === 'channels_last' ? [batch, ...spatial, channels] : [batch, channels, ...spatial];
}
