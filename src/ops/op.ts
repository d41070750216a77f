import type { Spec } from '../dtypes.js';

/**
 * One Keras parameter. `required` parameters have no default in Keras and are positional in the
 * idiomatic API; the rest go in its trailing options object.
 */
export interface ParamDef {
  readonly name: string;
  readonly kind: 'tensor' | 'value';
  readonly required: boolean;
  /** Keras's default; `null` stands for Python's None. */
  readonly default?: unknown;
}

export const tensor = (name: string): ParamDef => ({ name, kind: 'tensor', required: true });
export const optionalTensor = (name: string): ParamDef => ({ name, kind: 'tensor', required: false, default: null });
export const arg = (name: string): ParamDef => ({ name, kind: 'value', required: true });
export const kwarg = (name: string, def: unknown): ParamDef => ({ name, kind: 'value', required: false, default: def });

export type Mode = 'eager' | 'symbolic';

/** What an op's resolver sees: specs of its tensor arguments and the other values, defaults filled. */
export interface CallArgs<T extends string, O extends string> {
  readonly t: Record<T, Spec> & Record<O, Spec | null>;
  readonly v: Readonly<Record<string, unknown>>;
  /** Eager calls and `ops.outputSpec` differ where Keras's do (symbolic-only checks, messages). */
  readonly mode: Mode;
}

export interface Resolved<A, M extends Outputs> {
  attrs: A;
  out: M extends 1 ? Spec : Spec[];
}

export type Outputs = 1 | 2;

/**
 * An op of the table: Keras's parameters, and the one function that validates them, resolves them into
 * the adapter's attributes and infers the output spec. `T` names its required tensors, `O` its optional
 * ones, `A` the attributes the adapter receives, `M` how many outputs it returns.
 */
export interface OpDef<A = unknown, T extends string = string, O extends string = never, M extends Outputs = 1> {
  readonly params: readonly ParamDef[];
  readonly aliases?: readonly string[];
  /** Legacy keyword names Keras still accepts, mapped to the parameter they stand for. */
  readonly legacyKeywords?: Readonly<Record<string, string>>;
  readonly outputs: M;
  /** Checks Keras's op wrapper makes before its arguments become tensors (so before a bad tensor's error). */
  checkFirst?(values: Readonly<Record<string, unknown>>): void;
  resolve(args: CallArgs<T, O>): Resolved<A, M>;
}

export function defineOp<A, T extends string, O extends string = never, M extends Outputs = 1>(
  def: OpDef<A, T, O, M>,
): OpDef<A, T, O, M> {
  return def;
}

const CAMEL = new Map<string, string>();

/** Idiomatic name: Keras's snake_case in lowerCamelCase. Memoised: every call binds its options by it. */
export function camelCase(name: string): string {
  let camel = CAMEL.get(name);
  if (camel === undefined) {
    camel = name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    CAMEL.set(name, camel);
  }
  return camel;
}

export type CamelCase<S extends string> = S extends `${infer H}_${infer R}` ? `${H}${Capitalize<CamelCase<R>>}` : S;
