/**
 * `ops.vjp`: an op's outputs and its pullback, as `jax.vjp` gives them. The ops layer decides what is
 * differentiated (every floating tensor argument, positional or keyword) and checks the cotangents as
 * JAX does; the active adapter's backward rule computes the gradients.
 */
import { formatShape } from '../format.js';
import type { ConcreteSpec, Spec } from '../dtypes.js';
import { Tensor } from '../backend/tensor.js';
import { convertToTensor } from '../backend/convert.js';
import { KerasTypeError, KerasValueError, UnsupportedError } from '../errors.js';
import { includes, type KerasVersion } from '../keras-versions.js';
import { isRecording, prepare, wrapResult, type Bound, type Prepared } from './dispatch.js';

/** The gradient of each floating input, by Keras parameter name, for the cotangents of the outputs. */
export interface Pullback {
  (cotangents: unknown): Record<string, Tensor>;
  /** Releases the tensors the call made from plain values (the pullback keeps them until then). */
  dispose(): void;
}

export const FLOATING = new Set(['float32']);

/** jax.grad's refusal of an integer input, which ops.vjp and valueAndGrads share. */
export const notRealInputs = (who: string, got: string) =>
  new KerasTypeError(`${who} requires real-valued inputs (input dtype that is a sub-dtype of np.inexact), as jax.grad does, but ${got}.`);

/**
 * Inside the function valueAndGrads records, what another valueAndGrads, ops.vjp or a pullback gives is
 * not on the tape and so would pass no gradient: refused rather than silently constant.
 */
export function refuseWhileRecording(what: string): void {
  if (isRecording()) {
    throw new UnsupportedError(`${what} cannot run inside the function valueAndGrads differentiates: there are no gradients of gradients yet.`);
  }
}

/**
 * The floating tensor arguments. jax.vjp itself takes integer inputs (their cotangents are float0, empty);
 * jax.grad refuses them, and so does a call here that has no floating input: an empty gradient is no answer.
 */
function differentiated(call: Bound, tensors: Record<string, Tensor | null>): string[] {
  if (call.def.noGradient) throw new KerasTypeError(`${call.op} has no gradient: ${call.def.noGradient}.`);
  // A plain number is a constant, as a Python float is to jax.vjp (gamma=2.5); arrays and tensors are primals.
  const wrt = Object.keys(tensors).filter((name) => tensors[name] && FLOATING.has(tensors[name]!.dtype) && typeof call.values[name] !== 'number');
  if (!wrt.length) {
    const dtypes = Object.entries(tensors).filter(([, t]) => t).map(([name, t]) => `${name} of dtype ${t!.dtype}`);
    throw notRealInputs('vjp', `${call.op} got ${dtypes.join(', ')}`);
  }
  return wrt;
}

const jaxType = (s: Pick<ConcreteSpec, 'shape' | 'dtype'>) => `${s.dtype}[${s.shape.join(',')}]`;

/** JAX's words for a cotangent of another type: JAX 0.10 (Keras 3.15.1's) stopped naming the function. */
function cotangentTypeError(keras: KerasVersion, op: string, got: string, want: string): KerasValueError {
  const [vjp, fn] = includes(keras, '3.15') ? ['VJP', 'differentiated function'] : ['vjp', `function ${op}`];
  return new KerasValueError(
    `unexpected JAX type (e.g. shape/dtype) for argument to ${vjp} function: got ${got}, but expected ` +
      `${want} because the corresponding output of the ${fn} had JAX type ${want}`,
  );
}

/** JAX's check of the pullback's argument: one cotangent per output, each of its output's shape and dtype. */
function cotangentsFor(call: Bound, given: unknown, out: ConcreteSpec[], made: Tensor[]): Tensor[] {
  const op = call.op;
  // One output takes its cotangent as it is, a plain array too; several take a list.
  const list = out.length === 1 ? [given] : given;
  if (!Array.isArray(list) || list.length !== out.length) {
    throw new KerasValueError(`The pullback of ${op} takes ${out.length} cotangent${out.length > 1 ? 's' : ''}, one per output.`);
  }
  return list.map((c, i) => {
    // A plain number has no dtype in JavaScript (1 is not 1.0), so plain values take their output's.
    const t = c instanceof Tensor ? c : convertToTensor(c as never, out[i].dtype);
    if (t !== c) made.push(t);
    const same = t.dtype === out[i].dtype && formatShape(t.shape) === formatShape(out[i].shape);
    if (!same) throw cotangentTypeError(call.keras, op, jaxType(t), jaxType(out[i]));
    return t;
  });
}

/** The gradient of each differentiated input, by Keras parameter name, for one cotangent handle per output. */
export type Backward = (cotangents: unknown[]) => Record<string, Tensor>;

/**
 * A prepared call bound to its adapter's backward rule, for the inputs `wrt`: what ops.vjp's pullback and
 * valueAndGrads's backward pass run. An adapter without the rule raises here, before any work is done.
 */
export function bindRule(call: Bound, prepared: Prepared, wrt: readonly string[]): Backward {
  const { adapter, tensors, handles, attrs, out } = prepared;
  const rule = adapter.vjps?.[call.op] as ((...a: unknown[]) => Record<string, unknown>) | undefined;
  if (!rule) throw new UnsupportedError(`${call.op} has no backward rule on the ${adapter.name} backend yet.`);
  return (cts) => {
    const grads = rule(handles, attrs, out, Array.isArray(out) ? cts : cts[0], wrt);
    return Object.fromEntries(wrt.map((name) => [name, gradient(call.op, name, adapter, grads[name], tensors[name]!)]));
  };
}

export function vjp(call: Bound): [Tensor | Tensor[], Pullback] {
  refuseWhileRecording('ops.vjp');
  const made: Tensor[] = [];
  try {
    const prepared = prepare(call, made);
    const { adapter, out } = prepared;
    const backward = bindRule(call, prepared, differentiated(call, prepared.tensors));
    const outputs = wrapResult(call.op, adapter, prepared.run(), out);
    const specs = (Array.isArray(out) ? out : [out]) as ConcreteSpec[];
    const pullback = ((cotangents: unknown) => {
      refuseWhileRecording('A pullback');
      const temporary: Tensor[] = [];
      try {
        return backward(cotangentsFor(call, cotangents, specs, temporary).map((t) => t.handleOn(adapter)));
      } finally {
        for (const t of temporary) t.dispose();
      }
    }) as Pullback;
    pullback.dispose = () => made.splice(0).forEach((t) => t.dispose());
    return [outputs, pullback];
  } catch (e) {
    for (const t of made) t.dispose();
    throw e;
  }
}

/** A gradient has its input's shape and dtype; anything else is a bug in the backward rule. */
function gradient(op: string, name: string, adapter: Parameters<typeof wrapResult>[1], handle: unknown, input: Tensor): Tensor {
  if (handle === undefined) throw new UnsupportedError(`The ${adapter.name} backward rule of ${op} gave no gradient for ${name}.`);
  return wrapResult(`the gradient of ${op} for ${name}`, adapter, handle, { shape: input.shape, dtype: input.dtype } as Spec) as Tensor;
}
