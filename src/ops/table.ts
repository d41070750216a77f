/**
 * The op table: every op of `keras.ops.nn` in every supported Keras version, keyed by its Keras name,
 * gathered from the family files where each is declared once, with the release that added it. Everything
 * else (idiomatic functions, `ops.call`, `ops.outputSpec`, the adapter interface, the conformance runner)
 * derives from it.
 */
import type { ConcreteSpec } from '../dtypes.js';
import { includes, type KerasVersion, type MinorsOf } from '../keras-versions.js';
import { activations } from './activations.js';
import { attention } from './attention.js';
import { conv } from './conv.js';
import { ctc } from './ctc.js';
import { encoding } from './encoding.js';
import { losses } from './losses.js';
import { normalization } from './normalization.js';
import type { CamelCase, OpDef, Outputs } from './op.js';
import { patches } from './patches.js';
import { pooling } from './pooling.js';
import { complex } from './complex.js';

export const OP_TABLE = {
  ...activations,
  ...pooling,
  ...conv,
  ...encoding,
  ...losses,
  ...normalization,
  ...ctc,
  ...attention,
  ...patches,
  ...complex,
};

export type OpTable = typeof OP_TABLE;
export type OpName = keyof OpTable;
export type AnyOpDef = OpDef<any, string, string, Outputs>;

/** An adapter's kernel for one op: tensors by Keras parameter name, resolved attributes, output spec. */
export type Kernel<D, H> =
  D extends OpDef<infer A, infer T, infer O, infer M>
    ? (
        inputs: Record<T, H> & Record<O, H | null>,
        attrs: A,
        out: M extends 1 ? ConcreteSpec : ConcreteSpec[],
      ) => M extends 1 ? H : H[]
    : never;

export type Kernels<H> = { [K in OpName]: Kernel<OpTable[K], H> };

/**
 * An adapter's backward rule for one op (its vector-Jacobian product): the forward call's inputs,
 * attributes and output spec, the cotangent of each output, and the floating inputs to differentiate
 * (`wrt`); returns the gradient of each of those, by Keras parameter name, in its input's shape and dtype.
 */
export type Vjp<D, H> =
  D extends OpDef<infer A, infer T, infer O, infer M>
    ? (
        inputs: Record<T, H> & Record<O, H | null>,
        attrs: A,
        out: M extends 1 ? ConcreteSpec : ConcreteSpec[],
        cotangents: M extends 1 ? H : H[],
        wrt: ReadonlyArray<T | O>,
      ) => Partial<Record<T | O, H>>
    : never;

/** The backward rules an adapter has: an op without one raises UnsupportedError on that backend. */
export type Vjps<H> = { [K in OpName]?: Vjp<OpTable[K], H> };

export type AliasesOf<K extends OpName> = OpTable[K] extends { aliases: readonly (infer N extends string)[] } ? N : never;
/** The release an op came in: its `since`, else 3.6, the seed. */
export type SinceOf<K extends OpName> = OpTable[K] extends { since: infer S } ? S : '3.6';
/** The ops of one Keras version. */
export type OpNameAt<V extends KerasVersion> = { [K in OpName]: SinceOf<K> extends MinorsOf[V] ? K : never }[OpName];
/** Every public name of one Keras version, Keras spelling: its ops and their aliases. */
export type KerasNameAt<V extends KerasVersion> = OpNameAt<V> | { [K in OpNameAt<V>]: AliasesOf<K> }[OpNameAt<V>];
/** Every public name of any supported version. */
export type KerasName = OpName | { [K in OpName]: AliasesOf<K> }[OpName];
export type IdiomaticName = CamelCase<KerasName>;

const NAMES_AT = new Map<KerasVersion, readonly string[]>();

/** The public names (ops and aliases) of one Keras version, in table order. */
export function publicNamesAt(version: KerasVersion): readonly string[] {
  let names = NAMES_AT.get(version);
  if (!names) {
    names = [...PUBLIC_NAMES].filter(([, op]) => opIn(op, version)).map(([name]) => name);
    NAMES_AT.set(version, names);
  }
  return names;
}

/** Whether Keras `version` has the op. */
export function opIn(op: OpName, version: KerasVersion): boolean {
  const since = (OP_TABLE[op] as AnyOpDef).since;
  return !since || includes(version, since);
}

/** The ops of one Keras version, in table order. */
export function opsAt(version: KerasVersion): OpName[] {
  return (Object.keys(OP_TABLE) as OpName[]).filter((op) => opIn(op, version));
}

/** Public name (op or alias) to the op it stands for. */
export const PUBLIC_NAMES: ReadonlyMap<string, OpName> = new Map(
  (Object.entries(OP_TABLE) as [OpName, AnyOpDef][]).flatMap(([name, def]) => [
    [name, name] as const,
    ...(def.aliases ?? []).map((alias) => [alias, name] as const),
  ]),
);
