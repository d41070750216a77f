import { expect } from 'chai';
import { referenceAdapter } from '../adapters/reference/index.js';
import {
  BackendUnavailableError,
  DisposedTensorError,
  KerasValueError,
  UnsupportedError,
  convertToTensor,
  getBackend,
  listBackends,
  ops,
  registerBackend,
  tensor,
  setBackend,
  type Adapter,
} from '../src/index.js';
import { registeredBackends } from '../src/backend/registry.js';
import { expectClose, expectKerasError } from './helpers.js';

/** A second backend for switching tests: the reference kernels behind another adapter object. */
const twin: Adapter<unknown> = { ...referenceAdapter, name: 'reference-twin' } as Adapter<unknown>;

describe('tensors', () => {
  it('infers Keras dtypes from plain values', () => {
    expect(convertToTensor([1.5, 2]).dtype).to.equal('float32');
    expect(convertToTensor([[1, 2], [3, 4]]).dtype).to.equal('int32');
    expect(convertToTensor([true, false]).dtype).to.equal('bool');
    expect(convertToTensor(3).shape).to.deep.equal([]);
    expect(convertToTensor([]).dtype).to.equal('float32');
    expect(convertToTensor(new Float32Array([1, 2])).dtype).to.equal('float32');
    expect(convertToTensor(new Int32Array([1, 2])).dtype).to.equal('int32');
    // Keras on JAX (64-bit off) stores a float64 NumPy array as float32.
    expect(convertToTensor(new Float64Array([1, 2])).dtype).to.equal('float32');
  });

  it('converts to a requested dtype as numpy astype does', () => {
    expect(convertToTensor([1.7, -1.7], 'int32').arraySync()).to.deep.equal([1, -1]);
    expect(convertToTensor([0, 2], 'bool').arraySync()).to.deep.equal([false, true]);
    expect(convertToTensor(convertToTensor([1, 2]), 'float32').dtype).to.equal('float32');
    expect(convertToTensor(new Uint8Array([0, 1]), 'bool').arraySync()).to.deep.equal([false, true]);
  });

  it('rounds float32 values as float32', () => {
    expect(convertToTensor([0.1]).dataSync()[0]).to.equal(Math.fround(0.1));
  });

  it('rejects ragged arrays, unsupported dtypes and typed arrays', () => {
    expectKerasError(() => convertToTensor([[1, 2], [3]]), KerasValueError, "Can't convert non-rectangular Python sequence to Tensor.");
    expectKerasError(() => convertToTensor([1], 'float64'), UnsupportedError, 'Unsupported dtype: dtype=float64. keras-parity supports float32, int32, bool.');
    expectKerasError(() => convertToTensor(new Uint8Array([1])), UnsupportedError, /^Unsupported array type Uint8Array/);
  });

  it('reads back through data, array, dataSync and arraySync', async () => {
    const t = convertToTensor([[1, 2], [3, 4]], 'float32');
    expect(Array.from(await t.data())).to.deep.equal([1, 2, 3, 4]);
    expect(await t.array()).to.deep.equal([[1, 2], [3, 4]]);
    expect(Array.from(t.dataSync())).to.deep.equal([1, 2, 3, 4]);
    expect(t.arraySync()).to.deep.equal([[1, 2], [3, 4]]);
    expect(String(t)).to.equal('Tensor(shape=(2, 2), dtype=float32)');
  });

  it('builds a shaped tensor from flat values', () => {
    const t = tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(t.arraySync()).to.deep.equal([[1, 2, 3], [4, 5, 6]]);
    expect(tensor([1, 0], [2, 1], 'bool').arraySync()).to.deep.equal([[true], [false]]);
    expectKerasError(() => tensor([1, 2, 3], [2, 2]), KerasValueError, 'Cannot reshape 3 values into shape (2, 2): the sizes differ.');
  });

  it('refuses a disposed tensor', () => {
    const t = convertToTensor([1]);
    t.dispose();
    expect(() => t.dataSync()).to.throw(DisposedTensorError);
    expect(() => ops.relu(t)).to.throw(DisposedTensorError);
  });

  it('returns a copy, so the caller cannot change a tensor', () => {
    const t = convertToTensor([1, 2]);
    t.dataSync()[0] = 9;
    expect(t.arraySync()).to.deep.equal([1, 2]);
  });

  it('disposes a tensor once read, with {dispose: true}', async () => {
    const a = convertToTensor([[1, 2], [3, 4]], 'float32');
    expect(await a.array({ dispose: true })).to.deep.equal([[1, 2], [3, 4]]);
    expect(a.isDisposed).to.equal(true);
    const b = convertToTensor([true, false]);
    expect(b.arraySync({ dispose: true })).to.deep.equal([true, false]);
    expect(() => b.dataSync()).to.throw(DisposedTensorError);
    const c = convertToTensor([1, 2]);
    expect(c.dataSync({ dispose: false })).to.deep.equal(new Int32Array([1, 2]));
    expect(c.isDisposed).to.equal(false);
    // Disposed as the read starts: nothing may read storage that is being handed over.
    const d = convertToTensor([1, 2]);
    const pending = d.data({ dispose: true });
    expect(() => ops.relu(d)).to.throw(DisposedTensorError);
    expect(Array.from(await pending)).to.deep.equal([1, 2]);
  });
});

describe('backend registry', () => {
  before(() => registerBackend('reference-twin', async () => twin));
  afterEach(() => setBackend('reference'));

  it('lists every backend with availability, device and reason', async () => {
    registerBackend('broken', async () => {
      throw new Error('libfoo.so: cannot open shared object file');
    });
    const list = await listBackends();
    expect(list.find((b) => b.name === 'reference')).to.deep.include({ available: true });
    expect(list.find((b) => b.name === 'broken')).to.deep.equal({
      name: 'broken',
      available: false,
      reason: 'libfoo.so: cannot open shared object file',
    });
  });

  it('raises, and keeps the active backend, when a backend cannot start', async () => {
    registerBackend('broken', async () => {
      throw new Error('no device');
    });
    let caught: unknown;
    await setBackend('broken').catch((e: unknown) => (caught = e));
    expect(caught).to.be.instanceOf(BackendUnavailableError);
    expect((caught as Error).message).to.equal('Backend broken is unavailable: no device');
    // The cause travels as data too, so a caller never parses the message.
    expect(caught).to.deep.include({ backend: 'broken', reason: 'no device' });
    expect(getBackend()).to.equal('reference');
  });

  it('rejects an unknown backend name', async () => {
    let caught: unknown;
    await setBackend('tpu').catch((e: unknown) => (caught = e));
    expect(caught).to.be.instanceOf(KerasValueError);
    expect((caught as Error).message).to.match(/^Unknown backend: tpu\. Registered backends: reference, /);
    expect((caught as Error).message).to.include(`Registered backends: ${registeredBackends().join(', ')}.`);
  });

  it('names its registered backends in registration order without starting any', () => {
    let starts = 0;
    registerBackend('broken', async () => {
      starts++;
      throw new Error('no device');
    });
    const names = registeredBackends();
    expect(names[0]).to.equal('reference');
    expect(names).to.include('broken');
    expect(starts).to.equal(0);
  });

  it('keeps tensors working after a switch, in both directions', async () => {
    const a = convertToTensor([-1, 2.5]);
    await setBackend('reference-twin');
    expect(getBackend()).to.equal('reference-twin');
    const b = ops.relu(a);
    expectClose(b, [0, 2.5]);
    await setBackend('reference');
    expectClose(ops.relu(ops.relu(b)), [0, 2.5]);
    // softmax over [-1, 0] = [1/(1+e), e/(1+e)]; over [2.5, 2.5] = [0.5, 0.5].
    expectClose(ops.softmax([a, b], { axis: 0 }), [[1 / (1 + Math.E), 0.5], [Math.E / (1 + Math.E), 0.5]]);
  });
});
