import type { Spec } from '../dtypes.js';
import { includes, type KerasMinor, type KerasVersion } from '../keras-versions.js';

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
  /** The Keras release that added the parameter; absent: it was in 3.6, the seed. */
  readonly since?: KerasMinor;
  /** Later forms of the parameter (a default gained, say), oldest first; each replaces `required` and `default`. */
  readonly later?: readonly ParamChange[];
}

/** A change of one parameter's form in a Keras release, with the pull request that made it. */
export interface ParamChange {
  readonly since: KerasMinor;
  /** `keras-team/keras#20345`. */
  readonly pr: string;
  readonly required: boolean;
  readonly default?: unknown;
}

/** A change of what an op computes or accepts in a Keras release; the op's resolver asks `changed(key)`. */
export interface BehaviourChange {
  readonly since: KerasMinor;
  /** `keras-team/keras#21170`, or the release notes where no pull request is named. */
  readonly pr: string;
  /** In a sentence, what Keras does from `since` on. */
  readonly what: string;
}

export const tensor = (name: string, since?: KerasMinor): ParamDef => ({ name, kind: 'tensor', required: true, ...(since ? { since } : {}) });
export const optionalTensor = (name: string, since?: KerasMinor): ParamDef => ({
  name,
  kind: 'tensor',
  required: false,
  default: null,
  ...(since ? { since } : {}),
});
export const arg = (name: string, since?: KerasMinor): ParamDef => ({ name, kind: 'value', required: true, ...(since ? { since } : {}) });
export const kwarg = (name: string, def: unknown, since?: KerasMinor): ParamDef => ({
  name,
  kind: 'value',
  required: false,
  default: def,
  ...(since ? { since } : {}),
});

export type Mode = 'eager' | 'symbolic';

/** What an op's resolver sees: specs of its tensor arguments and the other values, defaults filled. */
export interface CallArgs<T extends string, O extends string> {
  readonly t: Record<T, Spec> & Record<O, Spec | null>;
  readonly v: Readonly<Record<string, unknown>>;
  /** Eager calls and `ops.outputSpec` differ where Keras's do (symbolic-only checks, messages). */
  readonly mode: Mode;
  /** The Keras version whose rules apply; only the ops layer sees it, never an adapter. */
  readonly keras: KerasVersion;
  /** Whether the op's behaviour change `key` (in its `changes`) is in this call's Keras version. */
  readonly changed: (key: string) => boolean;
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
  /** The Keras release that added the op; absent: it was in 3.6, the seed. Set with `introduced`. */
  readonly since?: KerasMinor;
  /** What changed in later Keras releases, by a key the resolver asks `changed` about. */
  readonly changes?: Readonly<Record<string, BehaviourChange>>;
  readonly aliases?: readonly string[];
  /** Legacy keyword names Keras still accepts, mapped to the parameter they stand for. */
  readonly legacyKeywords?: Readonly<Record<string, string>>;
  readonly outputs: M;
  /**
   * The resolver answers complex64 tensor arguments itself (polar raises Keras's error). Every other op
   * has only real kernels, so the dispatcher refuses a complex64 argument with UnsupportedError.
   */
  readonly takesComplex?: true;
  /** Why JAX cannot differentiate the op (its outputs are integers): `ops.vjp` raises with it. */
  readonly noGradient?: string;
  /** Checks Keras's op wrapper makes before its arguments become tensors (so before a bad tensor's error). */
  checkFirst?(values: Readonly<Record<string, unknown>>): void;
  resolve(args: CallArgs<T, O>): Resolved<A, M>;
}

export function defineOp<A, T extends string, O extends string = never, M extends Outputs = 1>(
  def: OpDef<A, T, O, M>,
): OpDef<A, T, O, M> {
  return def;
}

/** `def` as added to Keras in `minor`: the type keeps the release, so each version's API knows its names. */
export function introduced<S extends KerasMinor, D extends OpDef<any, string, string, Outputs>>(minor: S, def: D): D & { readonly since: S } {
  return { ...def, since: minor };
}

const PARAMS = new WeakMap<object, Map<KerasVersion, readonly ParamDef[]>>();

/** The op's parameters in `version`: those it had then, each in the form it had then. Memoised. */
export function paramsAt(def: Pick<OpDef<any, string, string, Outputs>, 'params'>, version: KerasVersion): readonly ParamDef[] {
  let byVersion = PARAMS.get(def);
  if (!byVersion) PARAMS.set(def, (byVersion = new Map()));
  let params = byVersion.get(version);
  if (!params) {
    params = def.params.filter((p) => !p.since || includes(version, p.since)).map((p) => formAt(p, version));
    byVersion.set(version, params);
  }
  return params;
}

function formAt(p: ParamDef, version: KerasVersion): ParamDef {
  const change = [...(p.later ?? [])].reverse().find((c) => includes(version, c.since));
  if (!change) return p;
  const { later: _later, default: _default, ...rest } = p;
  return { ...rest, required: change.required, ...('default' in change ? { default: change.default } : {}) };
}

/** `changed` of CallArgs for one op and version; an unknown key is a bug in the op, not the caller's error. */
export function changesAt(def: Pick<OpDef<any, string, string, Outputs>, 'changes'>, version: KerasVersion, op: string) {
  return (key: string): boolean => {
    const change = def.changes?.[key];
    if (!change) throw new Error(`Internal error: ${op} declares no behaviour change '${key}'`);
    return includes(version, change.since);
  };
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
