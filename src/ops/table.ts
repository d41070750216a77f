/**
 * The op table: every op of Keras 3.6 `keras.ops.nn`, keyed by its Keras name, gathered from the family
 * files where each is declared once. Everything else (idiomatic functions, `ops.call`,
 * `ops.outputSpec`, the adapter interface, the conformance runner) derives from it.
 */
import type { ConcreteSpec } from '../dtypes.js';
import { activations } from './activations.js';
import { attention } from './attention.js';
import { conv } from './conv.js';
import { ctc } from './ctc.js';
import { encoding } from './encoding.js';
import { losses } from './losses.js';
import { normalization } from './normalization.js';
import type { CamelCase, OpDef, Outputs } from './op.js';
import { pooling } from './pooling.js';

export const OP_TABLE = {
  ...activations,
  ...pooling,
  ...conv,
  ...encoding,
  ...losses,
  ...normalization,
  ...ctc,
  ...attention,
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

export type AliasesOf<K extends OpName> = OpTable[K] extends { aliases: readonly (infer N extends string)[] } ? N : never;
/** Every public name, Keras spelling: the 33 ops and their aliases. */
export type KerasName = OpName | { [K in OpName]: AliasesOf<K> }[OpName];
export type IdiomaticName = CamelCase<KerasName>;

/** Public name (op or alias) to the op it stands for. */
export const PUBLIC_NAMES: ReadonlyMap<string, OpName> = new Map(
  (Object.entries(OP_TABLE) as [OpName, AnyOpDef][]).flatMap(([name, def]) => [
    [name, name] as const,
    ...(def.aliases ?? []).map((alias) => [alias, name] as const),
  ]),
);
