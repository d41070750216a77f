/**
 * A fuzz call as two runnable programs: Python that makes the call on real Keras (JAX) and prints its
 * value, and JavaScript that makes it with keras-parity on a backend and prints the result. Tensors are
 * written out element by element with their exact float32 values (the shortest decimal that reads back as
 * the same float32; nan, inf and -0.0 spelt out), so both programs see the very inputs the fuzzer saw.
 */
import { NEWEST_KERAS } from '../keras-versions.js';
import type { GoldenValue } from '../golden/cases.js';
import { formatNumber } from '../golden/report.js';
import { GoldenTensor } from '../golden/safetensors.js';
import type { AnyOpDef, OpName } from '../ops/table.js';
import { OP_TABLE } from '../ops/table.js';
import type { FuzzCall } from './call.js';

export interface SnippetOptions {
  /** A first comment line: where the call comes from. */
  comment?: string;
}

export interface JsSnippetOptions extends SnippetOptions {
  /** What the program imports keras-parity from (default: the target's). */
  importFrom?: string;
  /** The Keras version whose ops the program calls (default: the newest). */
  keras?: string;
}

/** Where the keras-parity program of a call runs: what it imports, the backend it selects, how to run it. */
export interface ProgramTarget {
  /** The name setBackend takes there (tfjs-webgl in a page, whatever place the fuzzer gave it). */
  backend: string;
  importFrom: string;
  /** How to run the saved file, for the line above the program: `run with node`. */
  howToRun: string;
  /** Comment lines at its top: what kind of program it is and what it needs. */
  header: readonly string[];
}

/** A Node program (ES module) on a backend of keras-parity's Node build. */
export function nodeProgram(backend: string): ProgramTarget {
  return { backend, importFrom: 'keras-parity', howToRun: 'run with node', header: [] };
}

/** The name of a positional argument in the snippets: the op's parameter name. */
function positionalNames(call: FuzzCall): string[] {
  const params = (OP_TABLE[call.op as OpName] as AnyOpDef | undefined)?.params ?? [];
  return call.args.map((_, i) => params[i]?.name ?? `arg${i}`);
}

/**
 * Tensors become variables named after their argument (`x`, `kernel`, `axes_1` inside a tuple); no
 * Keras parameter is called `out` or `result`, the names the programs use besides.
 */
function bindTensors(call: FuzzCall): { tensors: [string, GoldenTensor][]; args: Named[]; kwargs: [string, Named][] } {
  const tensors: [string, GoldenTensor][] = [];
  const name = (v: GoldenValue, base: string): Named => {
    if (v instanceof GoldenTensor) {
      tensors.push([base, v]);
      return { variable: base };
    }
    if (Array.isArray(v)) return v.map((x, i) => name(x, `${base}_${i}`));
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, name(x, `${base}_${k}`)]));
    return v;
  };
  const names = positionalNames(call);
  const args = call.args.map((v, i) => name(v, names[i]));
  const kwargs = Object.entries(call.kwargs).map(([k, v]): [string, Named] => [k, name(v, k)]);
  return { tensors, args, kwargs };
}

/** A value with its tensors replaced by variable references. */
type Named = null | boolean | number | string | { variable: string } | Named[] | { [key: string]: Named };

const isVariable = (v: Named): v is { variable: string } =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { variable?: unknown }).variable === 'string';

function outputs(call: FuzzCall): number {
  return (OP_TABLE[call.op as OpName] as AnyOpDef | undefined)?.outputs ?? 1;
}

// ---------------------------------------------------------------- Python

function pyNumber(v: number, float32: boolean): string {
  if (Number.isNaN(v)) return float32 ? 'np.nan' : 'float("nan")';
  if (!Number.isFinite(v)) return `${v < 0 ? '-' : ''}${float32 ? 'np.inf' : 'float("inf")'}`;
  if (Object.is(v, -0)) return '-0.0';
  return float32 ? formatNumber(v) : String(v);
}

function pyElement(v: number, dtype: GoldenTensor['dtype']): string {
  if (dtype === 'bool') return v ? 'True' : 'False';
  return dtype === 'float32' ? pyNumber(v, true) : String(v);
}

/** Nested lists of the elements in row-major order, for `shape`. */
function nested(data: ArrayLike<number>, shape: readonly number[], element: (v: number) => string): string {
  let at = 0;
  const level = (d: number): string => {
    if (d === shape.length) return element(data[at++]);
    return `[${Array.from({ length: shape[d] }, () => level(d + 1)).join(', ')}]`;
  };
  return level(0);
}

function pyTensor(t: GoldenTensor): string {
  if (t.size === 0) return `np.zeros(${pyTuple(t.shape.map(String))}, dtype="${t.dtype}")`;
  return `np.array(${nested(t.data, t.shape, (v) => pyElement(v, t.dtype))}, dtype="${t.dtype}")`;
}

function pyTuple(items: string[]): string {
  return `(${items.join(', ')}${items.length === 1 ? ',' : ''})`;
}

function pyValue(v: Named): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return pyNumber(v, false);
  if (typeof v === 'string') return JSON.stringify(v);
  if (isVariable(v)) return v.variable;
  if (Array.isArray(v)) return pyTuple(v.map(pyValue));
  return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${pyValue(x)}`).join(', ')}}`;
}

/** A Python program: `keras.ops.<op>(...)` on Keras's JAX backend, printing each output with numpy. */
export function pythonSnippet(call: FuzzCall, options: SnippetOptions = {}): string {
  const { tensors, args, kwargs } = bindTensors(call);
  const invoke = `keras.ops.${call.op}(${pyParams(args, kwargs)})`;
  return pyProgram(options, [], tensors, outputs(call) === 1 ? [`print(np.asarray(${invoke}))`] : [`for out in ${invoke}:`, '    print(np.asarray(out))']);
}

const pyParams = (args: Named[], kwargs: [string, Named][]) => [...args.map(pyValue), ...kwargs.map(([k, v]) => `${k}=${pyValue(v)}`)].join(', ');

/** A Python program on Keras's JAX backend: the imports, the tensors, then `body`. */
function pyProgram(options: SnippetOptions, imports: readonly string[], tensors: readonly [string, GoldenTensor][], body: readonly string[]): string {
  const lines = [
    ...(options.comment ? [`# ${options.comment}`] : []),
    'import os',
    '',
    'os.environ["KERAS_BACKEND"] = "jax"',
    ...imports,
    'import numpy as np',
    'import keras',
    '',
    '# Every float32 digit that tells values apart, and no "..." in long arrays.',
    'np.set_printoptions(floatmode="unique", threshold=1 << 30)',
    ...tensors.map(([name, t]) => `${name} = ${pyTensor(t)}`),
    ...body,
  ];
  return `${lines.join('\n')}\n`;
}

/** The float32 tensors jax.vjp differentiates: those passed directly (not inside a tuple), as tools/golden/grad.py takes them. */
function differentiated(tensors: readonly [string, GoldenTensor][], args: Named[], kwargs: [string, Named][]): string[] {
  const direct = new Set([...args, ...kwargs.map(([, v]) => v)].filter(isVariable).map((v) => v.variable));
  return tensors.filter(([name, t]) => direct.has(name) && t.dtype === 'float32').map(([name]) => name);
}

/**
 * A Python program: `jax.vjp` of `keras.ops.<op>(...)` with respect to its float32 tensors, as the gradient
 * goldens take it (tools/golden/grad.py), pulled back with the given cotangents (one per output); prints
 * each gradient under its name.
 */
export function pythonGradSnippet(call: FuzzCall, cotangents: readonly GoldenTensor[], options: SnippetOptions = {}): string {
  const { tensors, args, kwargs } = bindTensors(call);
  const wrt = differentiated(tensors, args, kwargs);
  const cts = cotangents.map((t, i): [string, GoldenTensor] => [`cotangent_${i}`, t]);
  return pyProgram(options, ['import jax', 'import jax.numpy as jnp'], [...tensors, ...cts], [
    '',
    '',
    `def f(${wrt.join(', ')}):`,
    `    return keras.ops.${call.op}(${pyParams(args, kwargs)})`,
    '',
    '',
    '# As jax arrays, as a Keras tensor on JAX is.',
    `out, pullback = jax.vjp(f, ${wrt.map((n) => `jnp.asarray(${n})`).join(', ')})`,
    `grads = pullback(jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(out), [${cts.map(([n]) => n).join(', ')}]))`,
    `for name, g in zip(${pyTuple(wrt.map((n) => JSON.stringify(n)))}, grads):`,
    '    print(name)',
    '    print(np.asarray(g))',
  ]);
}

// ---------------------------------------------------------------- JavaScript

function jsNumber(v: number, float32: boolean): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v < 0 ? '-Infinity' : 'Infinity';
  if (Object.is(v, -0)) return '-0';
  return float32 ? formatNumber(v) : String(v);
}

function jsTensor(t: GoldenTensor): string {
  const element = (v: number) => (t.dtype === 'bool' ? String(v !== 0) : jsNumber(v, t.dtype === 'float32'));
  return `tensor([${Array.from(t.data, element).join(', ')}], [${t.shape.join(', ')}], '${t.dtype}')`;
}

function jsValue(v: Named): string {
  if (v === null) return 'null';
  if (typeof v === 'number') return jsNumber(v, false);
  if (typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (isVariable(v)) return v.variable;
  if (Array.isArray(v)) return `[${v.map(jsValue).join(', ')}]`;
  return `{ ${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${jsValue(x)}`).join(', ')} }`;
}

/**
 * A JavaScript (ES module) program: the Keras-literal `ops.call` on a backend (a name: a Node program;
 * or a target, such as a page's), printing each output.
 */
export function jsSnippet(call: FuzzCall, target: string | ProgramTarget, options: JsSnippetOptions = {}): string {
  const { tensors, args, kwargs } = bindTensors(call);
  return jsProgram(target, options, tensors, [
    `const result = ops.call('${call.op}', [${args.map(jsValue).join(', ')}], ${jsKwargs(kwargs)});`,
    'for (const out of [result].flat()) console.log(out.dtype, out.shape, await out.array());',
  ]);
}

const jsKwargs = (kwargs: [string, Named][]) => (kwargs.length ? `{ ${kwargs.map(([k, v]) => `${k}: ${jsValue(v)}`).join(', ')} }` : '{}');

/** A keras-parity program for `target`: the import, `ops` of the Keras version, the backend, the tensors, then `body`. */
function jsProgram(target: string | ProgramTarget, options: JsSnippetOptions, tensors: readonly [string, GoldenTensor][], body: readonly string[]): string {
  const { backend, importFrom, header } = typeof target === 'string' ? nodeProgram(target) : target;
  const lines = [
    ...(options.comment ? [`// ${options.comment}`] : []),
    ...header.map((line) => `// ${line}`),
    `import { opsFor, tensor, setBackend } from '${options.importFrom ?? importFrom}';`,
    '',
    `const ops = opsFor('${options.keras ?? NEWEST_KERAS}');`,
    `await setBackend('${backend}');`,
    ...tensors.map(([name, t]) => `const ${name} = ${jsTensor(t)};`),
    ...body,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * A JavaScript (ES module) program: the Keras-literal `ops.vjp` on a backend and its pullback of the
 * given cotangents (one per output), printing each gradient under its Keras parameter name.
 */
export function jsGradSnippet(call: FuzzCall, cotangents: readonly GoldenTensor[], target: string | ProgramTarget, options: JsSnippetOptions = {}): string {
  const { tensors, args, kwargs } = bindTensors(call);
  const cts = cotangents.map((t, i): [string, GoldenTensor] => [`cotangent_${i}`, t]);
  const names = cts.map(([n]) => n);
  return jsProgram(target, options, [...tensors, ...cts], [
    `const [, pullback] = ops.vjp('${call.op}', [${args.map(jsValue).join(', ')}], ${jsKwargs(kwargs)});`,
    `const grads = pullback(${names.length === 1 ? names[0] : `[${names.join(', ')}]`});`,
    'for (const [name, g] of Object.entries(grads)) console.log(name, g.dtype, g.shape, await g.array());',
  ]);
}
