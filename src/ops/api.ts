/** The two public forms of every op, per Keras version, derived from the op table. */
import type { Spec } from '../dtypes.js';
import type { Tensor } from '../backend/tensor.js';
import { KERAS_VERSIONS, NEWEST_KERAS, kerasVersion, type KerasVersion } from '../keras-versions.js';
import { bindIdiomatic, bindKeras, execute, lookup, outputSpecOf, type Bound } from './dispatch.js';
import { camelCase, type CamelCase } from './op.js';
import { vjp, type Pullback } from './vjp.js';
import { publicNamesAt, type AliasesOf, type KerasNameAt, type OpName, type OpTable } from './table.js';

type ResultOf<D> = D extends { outputs: infer M } ? (M extends 1 ? Tensor : Tensor[]) : never;
type NameOf<I extends string, V extends KerasVersion> = KerasNameAt<V> extends infer N extends string ? (N extends unknown ? (CamelCase<N> extends I ? N : never) : never) : never;
type TargetOf<K extends string> = K extends OpName ? K : { [O in OpName]: K extends AliasesOf<O> ? O : never }[OpName];

/** An idiomatic op: required Keras parameters positional, then an optional options object. */
export type IdiomaticOp<R> = (...args: any[]) => R;

/** The ops of Keras `V`: only the names that version has, in both forms. */
export type Ops<V extends KerasVersion = typeof NEWEST_KERAS> = {
  [I in CamelCase<KerasNameAt<V>>]: IdiomaticOp<ResultOf<OpTable[TargetOf<NameOf<I, V>>]>>;
} & {
  /** The Keras version whose names, parameters, defaults and errors these ops follow. */
  readonly kerasVersion: V;
  /** Keras-literal form: `ops.call('conv', [x, k], {strides: 2, data_format: 'channels_first'})`. */
  call(kerasName: string, args?: unknown[], kwargs?: Record<string, unknown>): Tensor | Tensor[];
  /** Shape and dtype inference; arguments may be `{shape, dtype}` with `null` dims. */
  outputSpec(kerasName: string, args?: unknown[], kwargs?: Record<string, unknown>): Spec | Spec[];
  /**
   * `jax.vjp` of the op, Keras-literal: `const [y, pullback] = ops.vjp('conv', [x, k], {strides: 2})`;
   * `pullback(dy)` gives the gradient of every floating tensor argument, by Keras parameter name.
   */
  vjp(kerasName: string, args?: unknown[], kwargs?: Record<string, unknown>): [Tensor | Tensor[], Pullback];
};

function idiomatic(publicName: string, keras: KerasVersion): IdiomaticOp<Tensor | Tensor[]> {
  const [op, def] = lookup(publicName, keras);
  const fn = (...args: unknown[]) => execute({ op, def, values: bindIdiomatic(publicName, def, args, keras), keras });
  Object.defineProperty(fn, 'name', { value: camelCase(publicName) });
  return fn;
}

function buildOps<V extends KerasVersion>(keras: V): Ops<V> {
  const ops: Record<string, unknown> = { kerasVersion: keras };
  for (const name of publicNamesAt(keras)) ops[camelCase(name)] = idiomatic(name, keras);
  // The Keras-literal forms: a name, positional arguments and keyword arguments, bound as Python would.
  const literal = <R>(run: (call: Bound) => R) => (kerasName: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}) => {
    const [op, def] = lookup(kerasName, keras);
    return run({ op, def, values: bindKeras(kerasName, def, args, kwargs, keras), keras });
  };
  ops.call = literal(execute);
  ops.outputSpec = literal(outputSpecOf);
  ops.vjp = literal(vjp);
  return Object.freeze(ops) as Ops<V>;
}

const BY_VERSION = new Map<KerasVersion, Ops<KerasVersion>>(KERAS_VERSIONS.map((v) => [v, buildOps(v) as Ops<KerasVersion>]));

/**
 * The ops of a Keras version chosen at run time: `opsFor('3.6.0')`. Every version's ops live side by
 * side in one process; an unsupported version is a value error that lists the supported ones.
 */
export function opsFor<V extends KerasVersion>(version: V): Ops<V>;
export function opsFor(version: string): Ops<KerasVersion>;
export function opsFor(version: string): Ops<KerasVersion> {
  return BY_VERSION.get(kerasVersion(version, 'version'))!;
}

/** The ops of the newest supported Keras. */
export const ops: Ops = opsFor(NEWEST_KERAS);
