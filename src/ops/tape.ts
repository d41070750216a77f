/**
 * `valueAndGrads(f)`, TF.js's tf.valueAndGrads over keras-parity ops: while f runs, the dispatcher hands
 * every call to a tape; the backward pass then walks the tape in reverse, each call through its own
 * adapter's backward rule (bound as ops.vjp binds it), and sums the cotangents of a tensor used more than
 * once with that adapter's add, as JAX's add_any does.
 */
import type { AnyAdapter } from '../backend/adapter.js';
import { convertToTensor, type TensorLike } from '../backend/convert.js';
import { currentAdapter } from '../backend/registry.js';
import { DisposedTensorError, Tensor } from '../backend/tensor.js';
import { KerasTypeError, KerasValueError, UnsupportedError } from '../errors.js';
import { formatShape, formatValue } from '../format.js';
import { setRecorder, wrapResult, type Bound, type Prepared } from './dispatch.js';
import { bindRule, FLOATING, notRealInputs, refuseWhileRecording, type Backward } from './vjp.js';

export interface ValueAndGrads {
  value: Tensor;
  /** The gradient of each x, in the order of xs, of its shape and dtype. */
  grads: Tensor[];
}

/** One call that a traced tensor reached: its inputs, the traced ones among them, its outputs, its rule. */
interface Entry {
  op: string;
  adapter: AnyAdapter;
  inputs: Record<string, Tensor | null>;
  wrt: string[];
  outputs: Tensor[];
  backward: Backward;
}

class Tape {
  readonly entries: Entry[] = [];
  /** The tensors that carry a gradient: the xs, then the floating outputs of the calls they reach. */
  readonly traced: Set<Tensor>;
  /** Every tensor the calls made, outputs and temporaries alike: the tape's to release. */
  readonly made: Tensor[] = [];

  constructor(xs: Tensor[]) {
    this.traced = new Set(xs);
  }

  readonly record = (call: Bound, prepared: Prepared, outputs: Tensor[], made: Tensor[]): void => {
    this.made.push(...outputs, ...made);
    // Like JAX's integer outputs, a no-gradient op's outputs carry none, float or not.
    if (call.def.noGradient) return;
    const { tensors } = prepared;
    const wrt = Object.keys(tensors).filter((name) => tensors[name] !== null && this.traced.has(tensors[name]!));
    if (!wrt.length) return;
    // A missing rule raises here, at the call inside f, not after the rest of f has run.
    const backward = bindRule(call, prepared, wrt);
    for (const t of outputs) if (FLOATING.has(t.dtype)) this.traced.add(t);
    this.entries.push({ op: call.op, adapter: prepared.adapter, inputs: tensors, wrt, outputs, backward });
  };

  release(keep?: Tensor): void {
    for (const t of this.made.splice(0)) if (t !== keep) t.dispose();
  }
}

/**
 * The cotangent of each traced tensor so far, one per tensor, summed as uses are met. All are the
 * tape's to dispose but `dy` when the caller gave it.
 */
class Cotangents {
  private readonly sums = new Map<Tensor, Tensor>();

  constructor(private readonly given?: Tensor) {}

  set(t: Tensor, ct: Tensor): void {
    this.sums.set(t, ct);
  }

  /** Adds `ct`, a gradient the rule of a call on `adapter` gave, to the cotangent of `t`. */
  add(t: Tensor, ct: Tensor, adapter: AnyAdapter): void {
    const sum = this.take(t);
    if (!sum) return this.set(t, ct);
    try {
      this.set(t, sumOf(adapter, sum, ct));
    } finally {
      this.drop(sum);
      ct.dispose();
    }
  }

  /** The cotangent of `t`, now the caller's. */
  take(t: Tensor): Tensor | undefined {
    const ct = this.sums.get(t);
    this.sums.delete(t);
    return ct;
  }

  drop(ct: Tensor | undefined): void {
    if (ct && ct !== this.given) ct.dispose();
  }

  dropAll(): void {
    for (const ct of this.sums.values()) this.drop(ct);
    this.sums.clear();
  }
}

function sumOf(adapter: AnyAdapter, a: Tensor, b: Tensor): Tensor {
  if (!adapter.add) {
    throw new UnsupportedError(
      `The ${adapter.name} backend has no add, which valueAndGrads needs to sum the gradients of a tensor used more than once.`,
    );
  }
  const spec = { shape: a.shape, dtype: a.dtype };
  return wrapResult('the sum of two cotangents', adapter, adapter.add(a.handleOn(adapter), b.handleOn(adapter)), spec) as Tensor;
}

const filled = (adapter: AnyAdapter, t: Tensor, v: number): Tensor =>
  new Tensor(adapter, adapter.fromData(new Float32Array(t.size).fill(v), t.shape, 'float32'));
const zerosLike = (adapter: AnyAdapter, t: Tensor) => filled(adapter, t, 0);
const ones = (adapter: AnyAdapter, t: Tensor) => filled(adapter, t, 1);

/** The xs as the tape follows them: distinct float32 Tensors. */
function checkInputs(xs: unknown): asserts xs is Tensor[] {
  if (!Array.isArray(xs)) throw new KerasTypeError(`valueAndGrads takes its inputs as an array of Tensors. Received: ${formatValue(xs)}`);
  xs.forEach((x, i) => {
    if (!(x instanceof Tensor)) {
      throw new KerasTypeError(`valueAndGrads follows Tensors, not values: xs[${i}] must be a Tensor. Received: ${formatValue(x)}`);
    }
    if (!FLOATING.has(x.dtype)) throw notRealInputs('valueAndGrads', `xs[${i}] has dtype ${x.dtype}`);
    const first = xs.indexOf(x);
    if (first !== i) {
      throw new KerasValueError(`valueAndGrads: xs[${first}] and xs[${i}] are the same tensor; the tape tells inputs apart by tensor.`);
    }
  });
}

function checkValue(value: unknown): asserts value is Tensor {
  if (!(value instanceof Tensor)) {
    throw new KerasTypeError(`valueAndGrads: f must return one Tensor. It returned ${formatValue(value)}`);
  }
  if (!FLOATING.has(value.dtype)) {
    throw new KerasTypeError(
      `valueAndGrads requires real-valued outputs (output dtype that is a sub-dtype of np.floating), as jax.grad does, but f returned ${value.dtype}.`,
    );
  }
}

/** The cotangent of the value: `dy` as given (a plain value in float32), else ones, as tf.grads seeds it. */
function seed(value: Tensor, dy: TensorLike | undefined): Tensor {
  const ct = dy instanceof Tensor ? dy : dy !== undefined ? convertToTensor(dy, 'float32') : ones(currentAdapter(), value);
  if (ct.dtype !== value.dtype || formatShape(ct.shape) !== formatShape(value.shape)) {
    if (ct !== dy) ct.dispose();
    throw new KerasValueError(
      `valueAndGrads: dy has shape ${formatShape(ct.shape)} and dtype ${ct.dtype}, but f's value has shape ` +
        `${formatShape(value.shape)} and dtype ${value.dtype}.`,
    );
  }
  return ct;
}

/** Runs the rule of each call the value depends on, last call first, leaving the xs' cotangents in `cts`. */
function backward(tape: Tape, value: Tensor, dy: Tensor, cts: Cotangents): void {
  cts.set(value, dy);
  for (const entry of [...tape.entries].reverse()) {
    const taken = entry.outputs.map((t) => cts.take(t));
    if (taken.every((ct) => ct === undefined)) continue;
    // An output that does not reach the value has a zero cotangent, as JAX instantiates one.
    const given = taken.map((ct, i) => ct ?? zerosLike(entry.adapter, entry.outputs[i]));
    try {
      checkAlive(entry);
      const grads = entry.backward(given.map((ct) => ct.handleOn(entry.adapter)));
      for (const name of entry.wrt) cts.add(entry.inputs[name]!, grads[name], entry.adapter);
    } finally {
      for (const ct of given) cts.drop(ct);
    }
  }
}

/** The rule reads the call's inputs, which f must leave to the tape. */
function checkAlive({ op, inputs }: Entry): void {
  const name = Object.keys(inputs).find((n) => inputs[n]?.isDisposed);
  if (name !== undefined) {
    throw new DisposedTensorError(
      `valueAndGrads: the ${name} of ${op} was disposed inside f, but its backward rule reads it. ` +
        "Leave the tensors f's ops use to valueAndGrads, which disposes them.",
    );
  }
}

/** f(...xs), its calls on a new tape; an error releases the tape. */
function recordCalls(f: (...xs: Tensor[]) => Tensor, xs: Tensor[]): [Tape, Tensor] {
  const tape = new Tape(xs);
  setRecorder(tape.record);
  try {
    const value: unknown = f(...xs);
    checkValue(value);
    return [tape, value];
  } catch (e) {
    tape.release();
    throw e;
  } finally {
    setRecorder(undefined);
  }
}

function gradients(tape: Tape, xs: Tensor[], value: Tensor, dy: TensorLike | undefined): Tensor[] {
  const seeded = seed(value, dy);
  const cts = new Cotangents(dy instanceof Tensor ? dy : undefined);
  try {
    if (tape.traced.has(value)) backward(tape, value, seeded, cts);
    else cts.drop(seeded);
    return xs.map((x) => cts.take(x) ?? zerosLike(currentAdapter(), x));
  } finally {
    cts.dropAll();
  }
}

/**
 * tf.valueAndGrads for keras-parity ops: `valueAndGrads(f)(xs, dy?)` gives f(...xs) and the gradient of
 * every x for the cotangent `dy` of the value (ones by default: with a scalar value, jax.grad's). Every
 * op f calls, idiomatic or Keras-literal, of any Keras version, on any backend, is recorded; each call's
 * backward rule runs on the backend the call ran on.
 *
 * - Each x must be a distinct float32 Tensor; f must return one float32 Tensor.
 * - A tensor not in xs is a constant: nothing flows to it. A tensor used more than once sums its
 *   cotangents. A call whose outputs do not reach the value contributes nothing, and an x that does not
 *   reach it gets zeros. The outputs of ops without a gradient (one_hot, multi_hot, ctc_decode) carry none,
 *   as integer outputs do in JAX: an x that reaches the value only through them gets zeros.
 * - A call that a traced tensor reaches, on a backend without its backward rule, raises UnsupportedError
 *   at that call, before the rest of f runs.
 * - As tf.tidy around f does, every tensor f's ops make is disposed when the call returns, except the
 *   value; the tensors those ops read must live until then. A thrown error, in f or after it, discards
 *   the tape and releases all of it. Constants are best passed as plain values or made outside f.
 * - Inside f, valueAndGrads, ops.vjp and pullbacks raise UnsupportedError: no gradients of gradients.
 * - As in TF.js, f = x => x returns x as the value and dy as its gradient.
 */
export function valueAndGrads(f: (...xs: Tensor[]) => Tensor): (xs: Tensor[], dy?: TensorLike) => ValueAndGrads {
  return (xs, dy) => {
    refuseWhileRecording('valueAndGrads');
    checkInputs(xs);
    const [tape, value] = recordCalls(f, xs);
    try {
      const grads = gradients(tape, xs, value, dy);
      tape.release(value);
      return { value, grads };
    } catch (e) {
      tape.release();
      throw e;
    }
  };
}
