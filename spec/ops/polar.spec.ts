/**
 * polar (Keras 3.9 on) and the complex64 dtype it returns: hand-derived values, reading complex tensors
 * back in every form, moving them between backends, Keras's errors, and complex64 in the golden format.
 */
import { expect } from 'chai';
import { complexTensor } from '../../src/backend/convert.js';
import { decodeExpected, encodeTensor } from '../../src/fuzz/wire.js';
import { compare } from '../../src/golden/compare.js';
import { encodeSafetensors, readSafetensors } from '../../src/golden/safetensors.js';
import { opsFor } from '../../src/ops/api.js';
import {
  convertToTensor,
  getBackend,
  KerasTypeError,
  KerasValueError,
  listBackends,
  setBackend,
  tensor,
  UnsupportedError,
  type Tensor,
} from '../../src/index.js';
import { expectKerasError } from '../helpers.js';

const ops = opsFor('3.15.1');
const F32_HALF_PI = Math.fround(Math.PI / 2);
const F32_PI = Math.fround(Math.PI);

/** [re, im] pairs as float32 bits, so -0 and NaN compare exactly. */
const bits = (t: Tensor) => Array.from(new Uint32Array(Float32Array.from(t.dataSync() as Float32Array).buffer));
const want = (values: number[]) => Array.from(new Uint32Array(Float32Array.from(values).buffer));

describe('polar', () => {
  let previous: string;
  before(() => {
    previous = getBackend();
  });
  after(async () => {
    await setBackend(previous);
  });

  describe('Keras versions', () => {
    it('is in Keras 3.15.1 and not in 3.6.0', () => {
      expect(ops.polar).to.be.a('function');
      expect((opsFor('3.6.0') as unknown as Record<string, unknown>).polar).to.equal(undefined);
      expectKerasError(() => opsFor('3.6.0').call('polar', [1, 0]), KerasTypeError, /^Unknown op: polar \(polar came in Keras 3\.9\)/);
    });
  });

  for (const backend of ['reference', 'tfjs-cpu']) {
    describe(`hand-derived values [${backend}]`, () => {
      before(() => setBackend(backend));

      it('polar(2, pi/2) is 2 cos(pi/2) + 2i, float32 pi/2 being a little above pi/2', () => {
        const z = ops.polar(2, F32_HALF_PI);
        expect([z.dtype, z.shape]).to.deep.equal(['complex64', []]);
        // cos(float32(pi/2)) = -4.371139e-8 to float32.
        expect(bits(z)).to.deep.equal(want([2 * Math.fround(Math.cos(F32_HALF_PI)), 2]));
        expect(z.arraySync()).to.deep.equal([Math.fround(-8.742278e-8), 2]);
      });

      it('polar(r, 0) is r + 0i, polar(r, pi) about -r, a negative magnitude turns the point around', () => {
        expect(ops.polar([1, 2.5, -1], 0).arraySync()).to.deep.equal([[1, 0], [2.5, 0], [-1, -0]]);
        const [re, im] = ops.polar(3, F32_PI).arraySync() as number[];
        expect(re).to.equal(-3);
        expect(Math.abs(im)).to.be.below(1e-6);
      });

      it('inf * 0 and NaN come out as in JAX: polar(inf, 0) = inf + NaN i, polar(0, inf) = NaN + NaN i', () => {
        const z = ops.polar([Infinity, 0, 1, -Infinity], [0, Infinity, NaN, F32_PI]);
        const [a, b, c, d] = z.arraySync() as number[][];
        expect(a[0]).to.equal(Infinity);
        expect(a[1]).to.be.NaN;
        expect(b.every(Number.isNaN) && c.every(Number.isNaN)).to.equal(true);
        expect(d[0]).to.equal(Infinity);
      });

      it('flushes subnormals as XLA on CPU does: 3e38 * sin(1e-40) is 0, inf * sin(1e-40) is NaN', () => {
        const [[re, im], [, imInf]] = ops.polar([3e38, Infinity], 1e-40).arraySync() as number[][];
        expect([re, im]).to.deep.equal([Math.fround(3e38), 0]);
        expect(imInf).to.be.NaN;
      });

      it('broadcasts abs_ against angle as numpy does', () => {
        const z = ops.polar([[1], [2]], [0, F32_HALF_PI, F32_PI]);
        expect([z.dtype, z.shape]).to.deep.equal(['complex64', [2, 3]]);
        expect((z.arraySync() as number[][][])[1][0]).to.deep.equal([2, 0]);
      });

      it('promotes int32 and bool: polar(2, 1) is polar(2.0, 1.0); 2^31 - 1 rounds to 2^31 first', () => {
        expect(bits(ops.polar(2, 1))).to.deep.equal(bits(ops.polar(tensor([2], [], 'float32'), tensor([1], [], 'float32'))));
        expect(bits(ops.polar([true, false], 1))).to.deep.equal(want([Math.cos(1), Math.sin(1), 0, 0]));
        const big = ops.polar(1, tensor([2 ** 31 - 1], [1], 'int32'));
        expect(bits(big)).to.deep.equal(want([Math.cos(2 ** 31), Math.sin(2 ** 31)]));
      });

      it('keeps scalar and empty shapes', () => {
        expect(ops.polar(0, 0).arraySync()).to.deep.equal([0, 0]);
        const empty = ops.polar(tensor([], [0, 3]), tensor([], [0, 3]));
        expect([empty.shape, empty.dataSync().length, empty.arraySync()]).to.deep.equal([[0, 3], 0, []]);
      });
    });
  }

  describe('reading complex64 tensors [reference]', () => {
    before(() => setBackend('reference'));

    it('data() is interleaved [re0, im0, re1, im1, ...]; size counts elements', async () => {
      const z = ops.polar([1, 2], 0);
      expect(Array.from(await z.data())).to.deep.equal([1, 0, 2, 0]);
      expect(z.dataSync()).to.be.instanceOf(Float32Array);
      expect([z.size, z.rank, String(z)]).to.deep.equal([2, 1, 'Tensor(shape=(2,), dtype=complex64)']);
      expect(await z.array()).to.deep.equal([[1, 0], [2, 0]]);
    });

    it('complexTensor makes one from interleaved values, and checks their count', () => {
      const z = complexTensor(Float32Array.from([1, 2, 3, 4]), [2, 1]);
      expect([z.dtype, z.arraySync()]).to.deep.equal(['complex64', [[[1, 2]], [[3, 4]]]]);
      expectKerasError(() => complexTensor(new Float32Array(3), [2]), KerasValueError, /takes 4 interleaved float32 values\. Received 3\./);
    });

    it('casts as numpy does: real values get 0j, a cast to float32 or int32 keeps the real part, to bool either part', () => {
      expect(Array.from(convertToTensor([1.5, 2], 'complex64').dataSync())).to.deep.equal([1.5, 0, 2, 0]);
      const z = complexTensor(Float32Array.from([1.5, 2, 0, -3, 0, 0]), [3]);
      expect(convertToTensor(z, 'float32').arraySync()).to.deep.equal([1.5, 0, 0]);
      expect(convertToTensor(z, 'int32').arraySync()).to.deep.equal([1, 0, 0]);
      expect(convertToTensor(z, 'bool').arraySync()).to.deep.equal([true, true, false]);
    });

    it('plain values never infer complex64, not even [re, im] pairs', () => {
      expect(convertToTensor([[1.5, 2]]).dtype).to.equal('float32');
      expect(convertToTensor(ops.polar(1, 0).arraySync() as number[]).shape).to.deep.equal([2]);
    });

    it('moves to another backend and back bit-exactly', async () => {
      const z = complexTensor(Float32Array.from([1, -0, NaN, Infinity]), [2]);
      await setBackend('tfjs-cpu');
      const re = convertToTensor(z, 'float32');
      expect(Array.from(re.dataSync())).to.deep.equal([1, NaN]);
      await setBackend('reference');
      expect(bits(z)).to.deep.equal(want([1, -0, NaN, Infinity]));
    });
  });

  describe('errors (Keras 3.15.1 on JAX)', () => {
    before(() => setBackend('reference'));

    it("raises JAX's broadcasting errors: TypeError for equal ranks, ValueError for unequal ones", () => {
      expectKerasError(() => ops.polar([1, 2, 3], [1, 2, 3, 4]), KerasTypeError, 'mul got incompatible shapes for broadcasting: (3,), (4,).');
      expectKerasError(
        () => ops.polar(tensor([0, 0, 0, 0, 0, 0], [2, 3]), [1, 2, 3, 4]),
        KerasValueError,
        'Incompatible shapes for broadcasting: shapes=[(2, 3), (4,)]',
      );
    });

    it("raises Keras's float check for a complex64 argument, after the broadcasting check", () => {
      const z = ops.polar([1, 2], 0);
      expectKerasError(() => ops.polar(z, 0), KerasValueError, /^At least one tensor in input `x` is not of type float\.Received: x=\(Tensor\(shape=\(2,\), dtype=complex64\)/);
      expectKerasError(() => ops.polar(z, [1, 2, 3]), KerasTypeError, 'mul got incompatible shapes for broadcasting: (2,), (3,).');
    });

    it('any other op refuses a complex64 tensor, and no dtype argument names complex64', () => {
      const z = ops.polar([1, 2], 0);
      expectKerasError(() => ops.relu(z), UnsupportedError, 'relu does not take complex64 tensors here. Received: x of dtype complex64');
      expectKerasError(() => ops.outputSpec('relu', [{ shape: [2], dtype: 'complex64' }]), UnsupportedError, /^relu does not take complex64/);
      expectKerasError(() => ops.oneHot([1], 3, { dtype: 'complex64' }), UnsupportedError, /^Unsupported dtype: dtype=complex64\./);
    });

    it('outputSpec follows the eager call (complex64, the broadcast shape), not Keras\'s symbolic float32', () => {
      expect(ops.outputSpec('polar', [{ shape: [null, 3] }, { shape: [2, 1], dtype: 'int32' }])).to.deep.equal({ shape: [2, 3], dtype: 'complex64' });
      expect(ops.outputSpec('polar', [{ shape: [null] }, { shape: [null] }])).to.deep.equal({ shape: [null], dtype: 'complex64' });
      expectKerasError(() => ops.outputSpec('polar', [{ shape: [3] }, { shape: [4] }]), KerasTypeError, /^mul got incompatible shapes/);
    });
  });

  describe('where a backend cannot hold complex64', () => {
    /**
     * By name: the TF.js adapter is imported when its backend first starts, and under mocha that import
     * may load src/errors.ts a second time, so instanceof would compare two UnsupportedError classes.
     */
    const expectUnsupported = (fn: () => unknown, message: RegExp) => {
      let caught: unknown;
      try {
        fn();
      } catch (e) {
        caught = e;
      }
      expect((caught as Error | undefined)?.name).to.equal('UnsupportedError');
      expect((caught as Error).message).to.match(message);
    };

    it('tfjs-wasm raises UnsupportedError with the reason, for polar and for any complex64 tensor', async function () {
      const wasm = (await listBackends()).find((b) => b.name === 'tfjs-wasm');
      if (!wasm?.available) this.skip();
      await setBackend('tfjs-wasm');
      expectUnsupported(() => ops.polar(1, 0), /^complex64 is not available on TF\.js's wasm backend: .*no Complex, Real or Imag kernel/);
      expectUnsupported(() => complexTensor(new Float32Array(2), [1]), /^complex64 is not available on TF\.js's wasm backend/);
      expect(() => ops.polar([1, 2], [1, 2, 3])).to.throw(KerasTypeError);
    });
  });

  describe('complex64 in the golden format', () => {
    it("reads and writes safetensors' C64, interleaved little-endian float32", () => {
      const data = Float32Array.from([1, 2, -0, NaN]);
      const bytes = encodeSafetensors([{ key: 'z', dtype: 'complex64', shape: [2], data }]);
      expect(new TextDecoder().decode(bytes.subarray(8, 60))).to.contain('"dtype":"C64"');
      const z = readSafetensors(bytes, 'z.safetensors').get('z')!;
      expect([z.dtype, z.shape, Array.from(new Uint32Array(z.data.buffer))]).to.deep.equal(['complex64', [2], Array.from(new Uint32Array(data.buffer))]);
    });

    it("crosses the Keras oracle's wire bit-exactly (numpy's complex64 bytes are the same interleaved float32s)", () => {
      const data = Float32Array.from([1, -0, NaN, -Infinity]);
      const expected = decodeExpected({ outputs: [encodeTensor({ dtype: 'complex64', shape: [2], data })] });
      const [z] = 'outputs' in expected ? expected.outputs : [];
      expect([z.dtype, z.shape, Array.from(new Uint32Array(z.data.buffer))]).to.deep.equal(['complex64', [2], Array.from(new Uint32Array(data.buffer))]);
    });

    it('compares real and imaginary parts each, indexing a mismatch by element and part', () => {
      const w = { shape: [2], dtype: 'complex64' as const, data: [1, 2, 3, 4] };
      const r = compare({ ...w, data: [1, 2, 3, 4.5] }, w);
      expect([r.ok, r.mismatches, r.maxAbs, r.first[0].index]).to.deep.equal([false, 1, 0.5, [1, 1]]);
      expect(compare({ ...w, data: [1, Math.fround(2 + 2 ** -22), 3, 4] }, w).maxUlp).to.equal(1);
      const real = compare({ shape: [2], dtype: 'float32', data: [1, 3] }, w);
      expect([real.ok, real.problems, real.maxAbs]).to.deep.equal([false, ['dtype float32, expected complex64'], null]);
    });
  });
});
