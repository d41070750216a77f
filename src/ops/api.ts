/** The two public forms of every op, derived from the op table. */
import type { Spec } from '../dtypes.js';
import type { Tensor } from '../backend/tensor.js';
import { bindIdiomatic, bindKeras, execute, lookup, outputSpecOf } from './dispatch.js';
import { camelCase, type CamelCase } from './op.js';
import { PUBLIC_NAMES, type AliasesOf, type IdiomaticName, type KerasName, type OpName, type OpTable } from './table.js';

type ResultOf<D> = D extends { outputs: infer M } ? (M extends 1 ? Tensor : Tensor[]) : never;
type NameOf<I extends string> = { [K in KerasName]: CamelCase<K> extends I ? K : never }[KerasName];
type TargetOf<K extends string> = K extends OpName ? K : { [O in OpName]: K extends AliasesOf<O> ? O : never }[OpName];

/** An idiomatic op: required Keras parameters positional, then an optional options object. */
export type IdiomaticOp<R> = (...args: any[]) => R;

export type Ops = {
  [I in IdiomaticName]: IdiomaticOp<ResultOf<OpTable[TargetOf<NameOf<I>>]>>;
} & {
  /** Keras-literal form: `ops.call('conv', [x, k], {strides: 2, data_format: 'channels_first'})`. */
  call(kerasName: string, args?: unknown[], kwargs?: Record<string, unknown>): Tensor | Tensor[];
  /** Shape and dtype inference; arguments may be `{shape, dtype}` with `null` dims. */
  outputSpec(kerasName: string, args?: unknown[], kwargs?: Record<string, unknown>): Spec | Spec[];
};

function idiomatic(publicName: string): IdiomaticOp<Tensor | Tensor[]> {
  const [op, def] = lookup(publicName);
  const fn = (...args: unknown[]) => execute(op, def, bindIdiomatic(publicName, def, args));
  Object.defineProperty(fn, 'name', { value: camelCase(publicName) });
  return fn;
}

function buildOps(): Ops {
  const ops: Record<string, unknown> = {};
  for (const name of PUBLIC_NAMES.keys()) ops[camelCase(name)] = idiomatic(name);
  ops.call = (kerasName: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}) => {
    const [op, def] = lookup(kerasName);
    return execute(op, def, bindKeras(kerasName, def, args, kwargs));
  };
  ops.outputSpec = (kerasName: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}) => {
    const [op, def] = lookup(kerasName);
    return outputSpecOf(op, def, bindKeras(kerasName, def, args, kwargs));
  };
  return Object.freeze(ops) as Ops;
}

export const ops: Ops = buildOps();
