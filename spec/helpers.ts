/** Shared spec helpers: numpy-allclose comparison at Keras's test tolerance, error matching, conformance failures. */
import { expect } from 'chai';
import type { DType } from '../src/dtypes.js';
import type { FuzzCall } from '../src/fuzz/call.js';
import { callKey } from '../src/fuzz/wire.js';
import { isClose } from '../src/golden/compare.js';
import { getBackend, KerasParityError, setBackend, type BackendInfo, type NestedArray, type Tensor } from '../src/index.js';

/** A failure whose message is the whole report: no stack trace under it. */
export class ConformanceFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConformanceFailure';
    this.stack = `${this.name}: ${message}`;
  }
}

/** KERAS_PARITY_BACKENDS: the backends a suite must run (strict mode), or undefined for every registered one. */
export const demandedBackends = process.env.KERAS_PARITY_BACKENDS?.split(',').map((s) => s.trim()).filter(Boolean);

/** The demanded backends (an unregistered one reported unavailable), or every registered one. */
export function selectBackends(registered: BackendInfo[]): BackendInfo[] {
  if (!demandedBackends) return registered;
  return demandedBackends.map(
    (name) => registered.find((b) => b.name === name) ?? { name, available: false, reason: 'no such backend is registered' },
  );
}

/**
 * A describe block run on `backend`, made active before its tests and the previous one restored after.
 * An unavailable backend is one pending test with the reason, or a failure when it was demanded.
 */
export function describeOnBackend(backend: BackendInfo, body: () => void): void {
  describe(backend.name, () => {
    if (!backend.available) {
      const title = `${backend.name} is unavailable: ${backend.reason ?? 'no reason given'}`;
      if (demandedBackends) {
        it(title, () => {
          throw new ConformanceFailure(`${title} (demanded by KERAS_PARITY_BACKENDS)`);
        });
      } else {
        it(title);
      }
      return;
    }
    let previous: string;
    before(async () => {
      previous = getBackend();
      await setBackend(backend.name);
    });
    after(async () => {
      await setBackend(previous);
    });
    body();
  });
}

/** Keras's assertAllClose defaults (keras/src/testing/test_case.py). */
export const KERAS_TOL = { atol: 1e-6, rtol: 1e-6 };

function flat(v: NestedArray): (number | boolean)[] {
  return Array.isArray(v) ? v.flatMap(flat) : [v];
}

function shapeOf(v: NestedArray): number[] {
  const shape: number[] = [];
  for (let level = v; Array.isArray(level); level = level[0]) shape.push(level.length);
  return shape;
}

/**
 * numpy.allclose(got, want) with exact shape (and dtype when given): |g - w| <= atol + rtol*|w|,
 * NaN equal to NaN, infinities equal when of the same sign.
 */
export function expectClose(got: Tensor, want: NestedArray, opts: { atol?: number; rtol?: number; dtype?: DType } = {}) {
  const { atol, rtol } = { ...KERAS_TOL, ...opts };
  expect(got.shape, 'shape').to.deep.equal(shapeOf(want));
  if (opts.dtype) expect(got.dtype, 'dtype').to.equal(opts.dtype);
  const g = flat(got.arraySync()).map(Number);
  const w = flat(want).map(Number);
  g.forEach((gv, i) => {
    const ok = isClose(gv, w[i], { atol, rtol });
    expect(ok, `element ${i}: got ${gv}, want ${w[i]} (atol ${atol}, rtol ${rtol})`).to.equal(true);
  });
}

/** Expects `fn` to throw `type` with exactly `message` (a string) or a message matching it (a RegExp). */
export function expectKerasError(
  fn: () => unknown,
  type: abstract new (...args: never[]) => KerasParityError,
  message: string | RegExp,
) {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'an error was thrown').to.be.instanceOf(type);
  const text = (caught as Error).message;
  if (typeof message === 'string') expect(text).to.equal(message);
  else expect(text).to.match(message);
}

/**
 * When headless Chromium cannot run (`missing` says why): one test saying so, pending, or failing under
 * KERAS_PARITY_REQUIRE_CHROMIUM=1 (CI). Returns whether the suite must stop there.
 */
export function chromiumUnavailable(missing: string | null): boolean {
  if (!missing) return false;
  const title = `headless Chromium is unavailable: ${missing}`;
  if (process.env.KERAS_PARITY_REQUIRE_CHROMIUM === '1') {
    it(title, () => {
      throw new ConformanceFailure(`${title} (KERAS_PARITY_REQUIRE_CHROMIUM=1)`);
    });
  } else {
    it(title);
  }
  return true;
}

/** A generated call as text (op, values, tensor bytes, tolerance): equal texts are identical calls. */
export function callText(call: FuzzCall): string {
  return `${callKey(call.op, call.args, call.kwargs)} ${JSON.stringify(call.tolerance ?? null)}`;
}
