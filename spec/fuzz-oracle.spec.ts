/**
 * The Keras oracle (src/fuzz/oracle.ts, tools/oracle.py): bit-exact tensors both ways, Keras's errors,
 * timing, and robustness: a missing Python, Keras or JAX gives one message with the fix; a crash or a
 * timeout answers the call with an oracle outcome and the next call restarts it; no process outlives
 * close() or its parent. Test ops come from spec/fixtures/oracle_test_ops.py.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { KerasOracle, OracleCallError, OracleUnavailableError } from '../src/fuzz/oracle.js';
import { GoldenTensor } from '../src/golden/safetensors.js';
import { floats } from '../src/fuzz/call.js';
import { kerasMissing, withKeras } from './keras.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TEST_OPS = fileURLToPath(new URL('./fixtures/oracle_test_ops.py', import.meta.url));
const WITHOUT_JAX = fileURLToPath(new URL('./fixtures/oracle_without_jax.py', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/oracle-child.ts', import.meta.url));

const missing = await kerasMissing('3.6.0');

async function startError(options: Parameters<typeof KerasOracle.start>[0]): Promise<Error> {
  try {
    const oracle = await KerasOracle.start(options);
    await oracle.close();
  } catch (e) {
    return e as Error;
  }
  throw new Error('the oracle started');
}

/** Whether a process with this pid exists (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, withinMs = 5000): Promise<boolean> {
  for (const t0 = Date.now(); Date.now() - t0 < withinMs; ) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('Keras oracle: a missing Python or Keras', function () {
  this.timeout(30_000);
  let tmp: string;
  before(() => (tmp = mkdtempSync(join(tmpdir(), 'keras-parity-oracle-'))));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('says that Python cannot run, and how to set it up', async () => {
    const e = await startError({ python: join(tmp, 'no-such-python') });
    expect(e).to.be.instanceOf(OracleUnavailableError);
    expect(e.message).to.include('cannot run Python at').and.include('npm run golden:setup');
  });

  it('says that Keras is not installed, with the pip command', async () => {
    const noKeras = join(tmp, 'python-without-keras');
    writeFileSync(noKeras, '#!/bin/sh\necho \'{"python": "3.11.0", "packages": {}}\'\n');
    chmodSync(noKeras, 0o755);
    const e = await startError({ python: noKeras });
    expect(e).to.be.instanceOf(OracleUnavailableError);
    expect(e.message).to.include('Keras is not installed').and.include('-m pip install -r tools/requirements/keras-3.15.1.txt');
  });
});

describe('Keras oracle (live Keras)', function () {
  this.timeout(60_000);
  withKeras(missing, () => {
    let oracle: KerasOracle;
    before(async () => (oracle = await KerasOracle.start({ keras: '3.6.0', script: TEST_OPS })));
    after(async () => oracle?.close());

    it('reports its versions', () => {
      expect(oracle.versions).to.include({ keras: '3.6.0' });
      expect(oracle.versions.jax).to.be.a('string');
    });

    it('sends and receives tensors bit-exactly (NaN, infinities, -0, subnormals, int32 extremes, bools)', async () => {
      const f = new Float32Array([NaN, Infinity, -Infinity, -0, 1e-45, -1e-40, 3.4028234663852886e38, Math.fround(0.1), 1 / 3]);
      const i = new Int32Array([-2147483648, 2147483647, 0, -1]);
      const b = new Uint8Array([1, 0, 0, 1]);
      for (const t of [new GoldenTensor('', 'float32', [3, 3], f), new GoldenTensor('', 'int32', [4], i), new GoldenTensor('', 'bool', [2, 2], b)]) {
        const got = await oracle.call('chatter', [t], {});
        expect(got, t.dtype).to.have.property('outputs');
        const [out] = (got as { outputs: GoldenTensor[] }).outputs;
        expect([out.dtype, out.shape]).to.deep.equal([t.dtype, t.shape]);
        if (t.dtype === 'float32') expect(bits(out.data as Float32Array)).to.deep.equal(bits(f));
        else expect(Array.from(out.data)).to.deep.equal(Array.from(t.data));
      }
    });

    it("keeps Python's and C's prints off the protocol (the answer above came through chatter's)", async () => {
      const x = floats([5], 3);
      const got = (await oracle.call('chatter', [x], {})) as { outputs: GoldenTensor[] };
      expect(Array.from(got.outputs[0].data)).to.deep.equal(Array.from(x.data));
    });

    it("answers with Keras's outputs: relu, and moments' two", async () => {
      const x = new GoldenTensor('', 'float32', [2, 2], new Float32Array([-1, 2, 3, -4]));
      const relu = (await oracle.call('relu', [x], {})) as { outputs: GoldenTensor[] };
      expect(Array.from(relu.outputs[0].data)).to.deep.equal([0, 2, 3, 0]);
      const moments = (await oracle.call('moments', [x, [0]], {})) as { outputs: GoldenTensor[] };
      // mean over axis 0: (-1+3)/2, (2-4)/2; variance: 4, 9.
      expect(moments.outputs.map((o) => Array.from(o.data))).to.deep.equal([[1, -1], [4, 9]]);
    });

    it('answers with the error Keras raised: class, message and origin', async () => {
      const x = floats([2, 3], 1);
      // Python's own IndexError on a line of Keras's (x.shape[axis]), not a raise of Keras's: origin python.
      expect(await oracle.call('softmax', [x], { axis: 5 })).to.deep.equal({
        error: { class: 'IndexError', message: 'tuple index out of range', origin: 'python' },
      });
      expect(await oracle.call('one_hot', [x], {})).to.have.nested.property('error.class', 'TypeError');
      // A raise statement of Keras's: origin keras, so the conformance compares its message too.
      expect(await oracle.call('max_pool', [floats([1, 4, 1], 3), 2], { padding: 'full' })).to.deep.equal({
        error: { class: 'ValueError', message: "Invalid padding 'full', must be 'same' or 'valid'.", origin: 'keras' },
      });
    });

    it('times a call inside Python, and refuses to time one that raises', async () => {
      const { seconds } = await oracle.time('relu', [floats([64, 64], 2)], {}, { warmup: 1, repeat: 4 });
      expect(seconds).to.have.length(4);
      for (const s of seconds) expect(s).to.be.greaterThan(0).and.lessThan(5);
      let caught: unknown;
      await oracle.time('softmax', [floats([2], 1)], { axis: 3 }).catch((e) => (caught = e));
      expect(caught).to.be.instanceOf(OracleCallError).with.property('message', 'IndexError: tuple index out of range');
    });

    it('answers a call that crashes the process with an oracle outcome, and restarts for the next call', async () => {
      const before = oracle.pid!;
      const restarts = oracle.restarts;
      const crashed = await oracle.call('crash_now', [], {});
      expect(crashed).to.have.nested.property('error.class', 'OracleCrashed');
      expect(crashed).to.have.nested.property('error.origin', 'oracle');
      expect((crashed as { error: { message: string } }).error.message).to.include('exited with status 7');
      expect(await gone(before)).to.equal(true);
      const x = floats([3], 4);
      expect(await oracle.call('relu', [x], {})).to.have.property('outputs');
      expect(oracle.restarts).to.equal(restarts + 1);
      expect(oracle.pid).to.not.equal(before);
    });

    it('stops a call that outlasts its timeout, and restarts for the next call', async () => {
      const before = oracle.pid!;
      const t0 = Date.now();
      const slow = await oracle.call('sleep', [30], {}, { timeoutMs: 500 });
      expect(Date.now() - t0).to.be.lessThan(10_000);
      expect(slow).to.have.nested.property('error.class', 'OracleTimeout');
      expect(slow).to.have.nested.property('error.origin', 'oracle');
      expect((slow as { error: { message: string } }).error.message).to.match(/^no answer in 500 ms/);
      expect(await gone(before)).to.equal(true);
      expect(await oracle.call('sleep', [0], {})).to.have.property('outputs');
    });

    it('leaves no process behind after close()', async () => {
      const other = await KerasOracle.start();
      const pid = other.pid!;
      expect(alive(pid)).to.equal(true);
      await other.close();
      expect(await gone(pid)).to.equal(true);
      let caught: unknown;
      await other.call('relu', [floats([1], 1)], {}).catch((e) => (caught = e));
      expect(caught).to.be.instanceOf(Error).with.property('message', 'the Keras oracle is closed');
    });

    it('names the module when JAX cannot be imported, with the fix', async () => {
      const e = await startError({ script: WITHOUT_JAX });
      expect(e).to.be.instanceOf(OracleUnavailableError);
      expect(e.message).to.include('jax cannot be imported').and.include('-m pip install -r tools/requirements/keras-3.15.1.txt');
    });

    for (const how of ['exit', 'SIGTERM'] as const) {
      it(`ends with its parent process (${how})`, async () => {
        const child = spawn(process.execPath, ['--import', 'tsx', CHILD, how === 'exit' ? 'exit' : 'wait'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
        const pid = await new Promise<number>((done, fail) => {
          child.stdout.on('data', (d: Buffer) => done(Number(String(d).trim())));
          child.on('exit', (code) => fail(new Error(`the child exited (${code}) before printing the oracle's pid`)));
        });
        if (how === 'SIGTERM') {
          expect(alive(pid)).to.equal(true);
          child.kill('SIGTERM');
        }
        const exit = await new Promise<[number | null, string | null]>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) done([child.exitCode, child.signalCode]);
          else child.on('exit', (code, signal) => done([code, signal]));
        });
        expect(exit).to.deep.equal(how === 'exit' ? [0, null] : [null, 'SIGTERM']);
        expect(await gone(pid)).to.equal(true);
      });
    }
  });
});
