/**
 * adaptive_max_pool and adaptive_average_pool (Keras 3.13, keras-team/keras#21820), and the pooling
 * behaviour Keras changed between 3.6.0 and 3.15.1. Values marked "Keras 3.15.1" are what Keras 3.15.1
 * computes on JAX 0.10.2 (CPU); the rest are derived by hand beside the case.
 */
import { expect } from 'chai';
import {
  KerasIndexError,
  KerasTypeError,
  KerasValueError,
  KerasZeroDivisionError,
  tensor,
  type NestedArray,
  type Spec,
  type Tensor,
} from '../../src/index.js';
import { CALL_EXCLUSIONS } from '../../src/golden/exclusions.js';
import { callExclusionFor, GoldenTensor, type GoldenCase } from '../../src/golden/index.js';
import { opsFor } from '../../src/ops/api.js';
import { OP_TABLE } from '../../src/ops/table.js';
import { expectClose, expectKerasError } from '../helpers.js';

const ops = opsFor('3.15.1');
const v36 = opsFor('3.6.0');
type VersionOps = typeof ops | typeof v36;

const call = (op: string, args: unknown[], kwargs: Record<string, unknown> = {}) => ops.call(op, args, kwargs) as Tensor;
/** A (1, n, 1) input: one batch, one channel. */
const seq = (values: (number | boolean)[], dtype = 'float32') => tensor(values, [1, values.length, 1], dtype);
const col = (values: (number | boolean)[]): NestedArray => [values.map((v) => [v])];
const arange = (shape: number[], start = 0) =>
  tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => start + i), shape);
const sym = (shape: (number | null)[], dtype = 'float32') => ({ shape, dtype });
const specOf = (s: Spec | Spec[]) => s as Spec;

const ADAPTIVE = ['adaptive_max_pool', 'adaptive_average_pool'] as const;

describe('adaptive pooling', () => {
  describe('versions', () => {
    it('Keras 3.15.1 has adaptiveMaxPool and adaptiveAveragePool (since 3.13); Keras 3.6.0 has neither', () => {
      for (const name of ADAPTIVE) {
        const camel = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
        expect((ops as unknown as Record<string, unknown>)[camel], camel).to.be.a('function');
        expect((v36 as unknown as Record<string, unknown>)[camel], `3.6.0 ${camel}`).to.equal(undefined);
        expectKerasError(() => v36.call(name, [seq([1, 2]), 1]), KerasTypeError, new RegExp(`^Unknown op: ${name} \\(${name} came in Keras 3\\.13\\)`));
      }
    });

    it('positional output_size, then an options object with dataFormat', () => {
      expectClose(ops.adaptiveMaxPool(arange([1, 1, 5]), 3, { dataFormat: 'channels_first' }), [[[1, 3, 4]]]);
    });
  });

  describe("the windows: floor(i*n/out) to ceil((i+1)*n/out), in float32 with XLA's reciprocal", () => {
    // n=5, out=3: [0, 2), [1, 4), [3, 5); sizes 2, 3, 2 (small 2, big 3).
    it('5 cells to 3', () => {
      expectClose(ops.adaptiveAveragePool(arange([1, 5, 1]), 3), col([0.5, 2, 3.5]));
      expectClose(ops.adaptiveMaxPool(arange([1, 5, 1]), 3), col([1, 3, 4]));
    });
    // n=3, out=5: [0, 1), [0, 2), [1, 2), [1, 3), [2, 3): cells shared by neighbouring outputs.
    it('3 cells to 5, more outputs than inputs', () => {
      expectClose(ops.adaptiveAveragePool(seq([0, 10, 20]), 5), col([0, 5, 10, 15, 20]));
      expectClose(ops.adaptiveMaxPool(seq([0, 10, 20]), 5), col([0, 10, 10, 20, 20]));
    });
    it('output_size 1 pools the whole dim; output_size n keeps every cell', () => {
      expectClose(ops.adaptiveAveragePool(seq([1, 2, 3, 6]), 1), col([3]));
      expectClose(ops.adaptiveMaxPool(seq([1, 2, 3, 6]), [1]), col([6]));
      expectClose(ops.adaptiveAveragePool(seq([1, -2, 3]), 3), col([1, -2, 3]));
    });
    // Keras 3.15.1. 7 to 14: 42 * fround(1/14) = 3.0000002 rounds output 5's end up to 4, so it reads
    // cells 2 and 3; output 13's end rounds to 8, past the input: jnp.take fills NaN. 7 to 13 likewise.
    it('float32 window ends: a cell too many, and a window out of range filled with NaN', () => {
      const x = () => arange([1, 7, 1], 1);
      expectClose(ops.adaptiveAveragePool(x(), 14), col([1, 1, 2, 2, 3, 3.5, 4, 4, 5, 5, 6, 6.5, 7, NaN]));
      expectClose(ops.adaptiveMaxPool(x(), 14), col([1, 1, 2, 2, 3, 4, 4, 4, 5, 5, 6, 7, 7, NaN]));
      expectClose(ops.adaptiveAveragePool(x(), 13), col([1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, NaN]));
      expectClose(ops.adaptiveMaxPool(x(), 13), col([1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, NaN]));
    });
    // The fill is the gather's: the least int32, and True for bools (Keras 3.15.1).
    it('the out-of-range fill of int32 and bool', () => {
      const ints = ops.adaptiveMaxPool(seq([1, 2, 3, 4, 5, 6, 7], 'int32'), 13);
      expectClose(ints, col([1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, -2147483648]), { dtype: 'int32' });
      const bools = ops.adaptiveMaxPool(seq([true, false, false, false, false, false, true], 'bool'), 13);
      expectClose(bools, col([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]), { dtype: 'bool' });
    });
    // 3x4 to 2x2: rows [0, 2) and [1, 3), columns [0, 2) and [2, 4) of x[h, w] = 4h + w.
    it('2-D: one dim after the other, either data_format', () => {
      const want = [[[[2.5], [4.5]], [[6.5], [8.5]]]];
      expectClose(ops.adaptiveAveragePool(arange([1, 3, 4, 1]), 2), want);
      expectClose(ops.adaptiveAveragePool(arange([1, 1, 3, 4]), [2, 2], { dataFormat: 'channels_first' }), [[[[2.5, 4.5], [6.5, 8.5]]]]);
      expectClose(ops.adaptiveMaxPool(arange([1, 3, 4, 1]), 2), [[[[5], [7]], [[9], [11]]]]);
    });
    it('3-D, output (1, 2, 1) over a 2x2x2 input', () => {
      // x[d, h, w] = 4d + 2h + w: h = 0 averages cells 0, 1, 4, 5; h = 1 cells 2, 3, 6, 7.
      expectClose(ops.adaptiveAveragePool(arange([1, 2, 2, 2, 1]), [1, 2, 1]), [[[[[2.5]], [[4.5]]]]]);
      expectClose(ops.adaptiveMaxPool(arange([1, 2, 2, 2, 1]), [1, 2, 1]), [[[[[5]], [[7]]]]]);
    });
    it('1-D reads output_size[0] only', () => {
      expectClose(call('adaptive_average_pool', [arange([1, 5, 1]), [3, 9]]), col([0.5, 2, 3.5]));
    });
  });

  describe("the average: XLA's float32 sum, times the float32 reciprocal of the window size", () => {
    // Keras 3.15.1: (1 + 2 + 4) * fround(1/3) = 2.3333335, where 7 / 3 rounds to 2.3333333.
    it('int32 sums exactly, then gives float32', () => {
      const y = ops.adaptiveAveragePool(seq([1, 2, 4, 7, -3], 'int32'), 2);
      expect(y.dtype).to.equal('float32');
      expect(Array.from(y.dataSync())).to.deep.equal([Math.fround(7 * Math.fround(1 / 3)), Math.fround(8 * Math.fround(1 / 3))]);
    });
    it('0.1 + 0.2 + 0.3 in float32, times fround(1/3): 0.20000001788139343 (Keras 3.15.1)', () => {
      expect(Array.from(ops.adaptiveAveragePool(seq([1, 1, 1, 0.1, 0.2, 0.3]), 2).dataSync())).to.deep.equal([1, 0.20000001788139343]);
    });
    it('overflows to inf as float32 does: 3e38 + 3e38 - 3e38', () => {
      expectClose(ops.adaptiveAveragePool(seq([3e38, 3e38, -3e38]), 1), col([Infinity]));
    });
  });

  describe('special values and dtypes', () => {
    // Windows of 2: [NaN, 1], [-inf, -inf], [inf, -inf], [3e38, 3e38] (Keras 3.15.1).
    const x = () => seq([NaN, 1, -Infinity, -Infinity, Infinity, -Infinity, 3e38, 3e38]);
    it('max: NaN wins, -inf stays, +inf wins', () => expectClose(ops.adaptiveMaxPool(x(), 4), col([NaN, -Infinity, Infinity, 3e38])));
    it('average: NaN, -inf, inf - inf = NaN, a float32 overflow to inf', () =>
      expectClose(ops.adaptiveAveragePool(x(), 4), col([NaN, -Infinity, NaN, Infinity])));
    it('max keeps int32 and bool (a logical or)', () => {
      expectClose(ops.adaptiveMaxPool(seq([1, 2, 4, 7, -3], 'int32'), 2), col([4, 7]), { dtype: 'int32' });
      expectClose(ops.adaptiveMaxPool(seq([true, false, false, false, false, false, true], 'bool'), 3), col([1, 0, 1]), { dtype: 'bool' });
    });
    it('an empty batch or no channels give an empty output', () => {
      expect(ops.adaptiveAveragePool(tensor([], [0, 5, 3]), 2).shape).to.deep.equal([0, 2, 3]);
      expect(ops.adaptiveMaxPool(tensor([], [2, 5, 0]), 3).shape).to.deep.equal([2, 3, 0]);
    });
  });

  describe('ops.outputSpec', () => {
    it('unknown dims pass through; the output sizes are known', () => {
      expect(ops.outputSpec('adaptive_max_pool', [sym([null, 8, null], 'int32'), 3])).to.deep.equal({ shape: [null, 3, null], dtype: 'int32' });
      expect(ops.outputSpec('adaptive_average_pool', [sym([null, null, 7, 9], 'int32'), [3, 4]], { data_format: 'channels_first' })).to.deep.equal({
        shape: [null, null, 3, 4],
        dtype: 'float32',
      });
      expect(specOf(ops.outputSpec('adaptive_max_pool', [sym([2, 4, null, 5, 3]), 2])).shape).to.deep.equal([2, 2, 2, 2, 3]);
    });
    // Keras's compute_output_spec gives (2, 8, 3, 4, 3) here and fails for an int output_size (docs/deviations.md).
    it('gives the eager shape for channels_last', () => {
      expect(specOf(ops.outputSpec('adaptive_average_pool', [sym([2, 8, 9, 3]), [3, 4]])).shape).to.deep.equal([2, 3, 4, 3]);
    });
    it('checks what the eager call checks', () => {
      expectKerasError(() => ops.outputSpec('adaptive_max_pool', [sym([null, null, 3]), -1]), KerasTypeError, /must be positive/);
      expectKerasError(() => ops.outputSpec('adaptive_average_pool', [sym([null, 4, 3], 'bool'), 2]), KerasTypeError, /inputs.dtype=bool/);
    });
  });

  describe('validation, in the order of Keras-JAX', () => {
    const x1 = () => arange([2, 6, 3]);
    const x2 = () => arange([1, 4, 5, 2]);
    for (const op of ADAPTIVE) {
      describe(op, () => {
        it("data_format first, with Keras's message", () => {
          const want = "The `data_format` argument must be one of {'channels_first', 'channels_last'}. Received: data_format=nope";
          expectKerasError(() => call(op, [arange([6, 3]), 0], { data_format: 'NOPE' }), KerasValueError, want);
        });
        it("then the rank, with Keras's message", () => {
          for (const shape of [[6, 3], [6], [1, 2, 3, 2, 3, 1]]) {
            expectKerasError(() => call(op, [arange(shape), 0]), KerasValueError, `${op} supports only 1D/2D/3D inputs`);
          }
        });
        it("then output_size's form: Python's IndexError, ValueError or TypeError", () => {
          expectKerasError(() => call(op, [x1(), []]), KerasIndexError, /output_size=\(\)/);
          expectKerasError(() => call(op, [x2(), [3]]), KerasValueError, /tuple of 2 ints .*output_size=\(3,\)/);
          expectKerasError(() => call(op, [x2(), [3, 4, 5]]), KerasValueError, /output_size=\(3, 4, 5\)/);
          for (const bad of [2.5, null, 'a', true]) expectKerasError(() => call(op, [x1(), bad]), KerasTypeError, /Argument `output_size`/);
          // Keras computes odd windows for a float inside a tuple (docs/deviations.md).
          expectKerasError(() => call(op, [x2(), [2.5, 2]]), KerasTypeError, /output_size=\(2.5, 2\)/);
        });
        it('then a size of 0 in any dim (a division by zero), before a negative size', () => {
          expectKerasError(() => call(op, [x1(), 0]), KerasZeroDivisionError, /output_size=0/);
          expectKerasError(() => call(op, [x2(), [-1, 0]]), KerasZeroDivisionError, /output_size=\(-1, 0\)/);
        });
        it('then per dim the first window: a negative size, an empty input dim', () => {
          expectKerasError(() => call(op, [x1(), -2]), KerasTypeError, 'Argument `output_size` must be positive. Received: output_size=-2');
          expectKerasError(() => call(op, [x2(), [3, -1]]), KerasTypeError, /must be positive/);
          expectKerasError(() => call(op, [tensor([], [2, 0, 3]), 2]), KerasTypeError, /inputs.shape=\(2, 0, 3\)/);
        });
      });
    }
    it('adaptive_average_pool rejects bool after the sizes and before the windows, as its sum does', () => {
      const bools = () => tensor([true, false, true, true], [1, 4, 1], 'bool');
      expectKerasError(() => call('adaptive_average_pool', [bools(), 0]), KerasZeroDivisionError, /output_size=0/);
      expectKerasError(() => call('adaptive_average_pool', [bools(), -2]), KerasTypeError, /inputs.dtype=bool/);
    });
  });
});

describe('pooling changes from Keras 3.6.0 to 3.15.1', () => {
  it('records pool_size_exceeds_input (3.15, keras-team/keras#22919) on max_pool and average_pool', () => {
    for (const op of ['max_pool', 'average_pool'] as const) {
      expect(OP_TABLE[op].changes?.pool_size_exceeds_input).to.include({ since: '3.15', pr: 'keras-team/keras#22919' });
    }
  });

  describe("ops.outputSpec of a 'valid' window wider than the input", () => {
    const spec = (ops: VersionOps, op: string, shape: (number | null)[], pool: unknown, kwargs: Record<string, unknown>) => () =>
      ops.outputSpec(op, [sym(shape), pool], kwargs);

    // Keras 3.6.0: floor((5 - 6) / 2) + 1 = 0 passes; Keras 3.15.1 raises from 0 down.
    it('an output size of 0: an empty dim until 3.14, a ValueError from 3.15', () => {
      expect(specOf(spec(v36, 'max_pool', [1, 5, 5, 3], [6, 6], { strides: [2, 2] })()).shape).to.deep.equal([1, 0, 0, 3]);
      expectKerasError(
        spec(ops, 'max_pool', [1, 5, 5, 3], [6, 6], { strides: [2, 2] }),
        KerasValueError,
        'Computed output size would be zero or negative. Received: `inputs.shape=[1 5 5 3]`, `pool_size=[6 6]`, `strides=(2, 2)`, `padding=valid`.',
      );
      const cf = { strides: [2, 2], data_format: 'channels_first' };
      expect(specOf(spec(v36, 'average_pool', [1, 3, 5, 5], [6, 6], cf)()).shape).to.deep.equal([1, 3, 0, 0]);
      expectKerasError(spec(ops, 'average_pool', [1, 3, 5, 5], [6, 6], cf), KerasValueError, /^Computed output size would be zero or negative/);
    });

    // Keras 3.15.1 prints strides as passed, pool_size's value for None, and unknown spatial dims as -1.
    it('strides=None and unknown dims in the message', () => {
      expect(specOf(spec(v36, 'max_pool', [null, null, 5, 3], 6, { strides: null })()).shape).to.deep.equal([null, null, 0, 3]);
      expectKerasError(
        spec(ops, 'max_pool', [null, null, 5, 3], 6, { strides: null }),
        KerasValueError,
        'Computed output size would be zero or negative. Received: `inputs.shape=[None -1 5 3]`, `pool_size=6`, `strides=6`, `padding=valid`.',
      );
    });

    it('below 0 raises in both, each with its message', () => {
      expectKerasError(
        spec(v36, 'max_pool', [1, 5, 3], 7, { strides: 1 }),
        KerasValueError,
        'Computed output size would be negative. Received: `inputs.shape=[1 5 3]` and `pool_size=7`.',
      );
      expectKerasError(
        spec(ops, 'max_pool', [1, 5, 3], 7, { strides: 1 }),
        KerasValueError,
        'Computed output size would be zero or negative. Received: `inputs.shape=[1 5 3]`, `pool_size=7`, `strides=1`, `padding=valid`.',
      );
    });

    it("'same' and windows that fit are unchanged", () => {
      for (const o of [v36, ops]) {
        expect(specOf(spec(o, 'max_pool', [1, 5, 3], 7, { strides: 1, padding: 'same' })()).shape).to.deep.equal([1, 5, 3]);
        expect(specOf(spec(o, 'average_pool', [1, 5, 3], 5, { strides: 2 })()).shape).to.deep.equal([1, 1, 3]);
      }
    });
  });

  it('eager calls still return an empty dim in both (JAX does not check)', () => {
    for (const o of [v36, ops]) {
      for (const op of ['max_pool', 'average_pool']) {
        expect((o.call(op, [arange([1, 5, 3]), 7], { strides: 1 }) as Tensor).shape).to.deep.equal([1, 0, 3]);
      }
    }
  });

  // XLA 0.10's YNNPACK max (Keras 3.15.1): [NaN, 5] pools to -inf at 4096 values and more, NaN below.
  it('leaves out of fuzz comparisons the max pools of NaN that Keras 3.15 pools with YNNPACK', () => {
    const x = (size: number, nan: boolean) => {
      const data = new Float32Array(size).fill(5);
      if (nan) data[0] = NaN;
      return new GoldenTensor('x', 'float32', [1, 2, size / 2], data);
    };
    const fuzz = (op: string, input: GoldenTensor, outShape: number[], keras = '3.15.1'): GoldenCase => ({
      id: `${op}/fuzz`,
      op,
      args: [input, 2],
      kwargs: {},
      expected: { outputs: [new GoldenTensor('y', 'float32', outShape, new Float32Array(outShape.reduce((a, b) => a * b, 1)))] },
      tolerance: null,
      backends: {},
      keras,
    });
    const excluded = (c: GoldenCase) => ['reference', 'tfjs-cpu', 'chromium:tfjs-webgl'].every((a) => callExclusionFor(CALL_EXCLUSIONS, c, a));
    expect(excluded(fuzz('max_pool', x(4096, true), [1, 1, 2048]))).to.equal(true);
    expect(excluded(fuzz('max_pool', x(4094, true), [1, 1, 2047]))).to.equal(false);
    expect(excluded(fuzz('max_pool', x(4096, false), [1, 1, 2048]))).to.equal(false);
    expect(excluded(fuzz('max_pool', x(4096, true), [1, 1, 2048], '3.6.0'))).to.equal(false);
    expect(excluded(fuzz('average_pool', x(4096, true), [1, 1, 2048]))).to.equal(false);
    // An adaptive pool's intermediate can outgrow its input: (1, 2, 2, 1000) to (5, 1) pools the width of
    // (1, 5, 2, 1000), 10000 values (Keras 3.15.1 gives -inf in the first three rows, for NaN).
    const small = x(4000, true);
    const x2 = new GoldenTensor('x', 'float32', [1, 2, 2, 1000], small.data);
    expect(excluded(fuzz('adaptive_max_pool', x2, [1, 5, 1, 1000]))).to.equal(true);
  });
});
