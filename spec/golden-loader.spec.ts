/** The golden pipeline's own parts: safetensors reader, loader checks, comparison, policy, runner, report. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  GoldenError,
  GoldenTensor,
  caseTitle,
  compare,
  encodeSafetensors,
  entryProblems,
  errorMismatch,
  callExclusionFor,
  exclusionFor,
  formatFailure,
  formatNumber,
  isClose,
  loadGolden,
  matches,
  readManifest,
  readSafetensors,
  runCase,
  toleranceFor,
  ulpDistance,
  type GoldenCase,
  type Values,
} from '../src/golden/index.js';
import { CALL_EXCLUSIONS } from '../src/golden/exclusions.js';
import { directorySource } from '../src/golden/node.js';
import { KerasTypeError, KerasValueError } from '../src/index.js';

/**
 * Written by Python's safetensors 0.8.0 (`safetensors.numpy.save`), so the reader is checked against the
 * real library's layout (dtype-sorted data, header padded with spaces to a multiple of 8):
 *   save({'a/args/0': np.array([[1.0, -0.0], [np.nan, -np.inf]], np.float32),
 *         'a/out/0': np.array([-2, 0, 2147483647], np.int32), 'b': np.array([True, False]),
 *         'c': np.array(0.5, np.float32), 'e': np.zeros((0, 3), np.float32)}, metadata={'format': 'pt'})
 */
const PYTHON_FILE = Buffer.from(
  '48010000000000007b225f5f6d657461646174615f5f223a7b22666f726d6174223a227074227d2c22612f617267732f3022' +
    '3a7b226474797065223a22463332222c227368617065223a5b322c325d2c22646174615f6f666673657473223a5b302c31' +
    '365d7d2c2263223a7b226474797065223a22463332222c227368617065223a5b5d2c22646174615f6f666673657473223a' +
    '5b31362c32305d7d2c2265223a7b226474797065223a22463332222c227368617065223a5b302c335d2c22646174615f6f' +
    '666673657473223a5b32302c32305d7d2c22612f6f75742f30223a7b226474797065223a22493332222c22736861706522' +
    '3a5b335d2c22646174615f6f666673657473223a5b32302c33325d7d2c2262223a7b226474797065223a22424f4f4c222c' +
    '227368617065223a5b325d2c22646174615f6f666673657473223a5b33322c33345d7d7d20202020200000803f00000080' +
    '0000c07f000080ff0000003ffeffffff00000000ffffff7f0100',
  'hex',
);

const f32 = (key: string, shape: number[], values: number[]) => new GoldenTensor(key, 'float32', shape, Float32Array.from(values));
const i32 = (key: string, shape: number[], values: number[]) => new GoldenTensor(key, 'int32', shape, Int32Array.from(values));

function expectGoldenError(fn: () => unknown, file: RegExp | string, why: RegExp) {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'a GoldenError').to.be.instanceOf(GoldenError);
  const error = caught as GoldenError;
  if (typeof file === 'string') expect(error.file).to.equal(file);
  else expect(error.file).to.match(file);
  expect(error.message.startsWith(`${error.file}: `), error.message).to.equal(true);
  expect(error.message).to.match(why);
}

describe('safetensors reader', () => {
  it('reads a file written by the Python safetensors library, bit-exactly', () => {
    const t = readSafetensors(new Uint8Array(PYTHON_FILE), 'py.safetensors');
    expect([...t.keys()].sort()).to.deep.equal(['a/args/0', 'a/out/0', 'b', 'c', 'e']);
    const a = t.get('a/args/0')!;
    expect([a.dtype, a.shape]).to.deep.equal(['float32', [2, 2]]);
    expect(a.data[0]).to.equal(1);
    expect(Object.is(a.data[1], -0)).to.equal(true);
    expect(Number.isNaN(a.data[2])).to.equal(true);
    expect(a.data[3]).to.equal(-Infinity);
    expect(Array.from(t.get('a/out/0')!.data)).to.deep.equal([-2, 0, 2147483647]);
    expect(t.get('a/out/0')!.dtype).to.equal('int32');
    expect([t.get('b')!.dtype, Array.from(t.get('b')!.data)]).to.deep.equal(['bool', [1, 0]]);
    expect([t.get('c')!.shape, Array.from(t.get('c')!.data)]).to.deep.equal([[], [0.5]]);
    expect([t.get('e')!.shape, t.get('e')!.size]).to.deep.equal([[0, 3], 0]);
  });

  it('reads back what encodeSafetensors writes', () => {
    const tensors = [f32('x', [3], [0.1, -2, 3e38]), i32('y', [1, 2], [7, -7]), new GoldenTensor('z', 'bool', [1], Uint8Array.of(1))];
    const bytes = encodeSafetensors(tensors);
    // The Python library pads the header to a multiple of 8 bytes; so does the writer.
    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).to.equal(0);
    const back = readSafetensors(bytes, 'mine.safetensors');
    for (const t of tensors) {
      expect([back.get(t.key)!.dtype, back.get(t.key)!.shape, Array.from(back.get(t.key)!.data)]).to.deep.equal([t.dtype, t.shape, Array.from(t.data)]);
    }
  });

  it('names the file when it is shorter than the header length field', () => {
    expectGoldenError(() => readSafetensors(PYTHON_FILE.subarray(0, 5), 'golden/x.safetensors'), 'golden/x.safetensors', /truncated: 5 bytes/);
  });

  it('names the file when it is cut inside the header or the data', () => {
    expectGoldenError(() => readSafetensors(PYTHON_FILE.subarray(0, 100), 'x.safetensors'), 'x.safetensors', /^x.safetensors: truncated: the header claims 328 bytes but only 92 follow$/);
    expectGoldenError(() => readSafetensors(PYTHON_FILE.subarray(0, PYTHON_FILE.length - 1), 'x.safetensors'), 'x.safetensors', /truncated: tensor 'b' ends at byte 34 of the data but only 33 bytes remain/);
  });

  it('rejects a corrupt header: bad JSON, a bad length, a non-object, bad offsets, trailing bytes', () => {
    const broken = Uint8Array.from(PYTHON_FILE);
    broken[8] = '['.charCodeAt(0);
    expectGoldenError(() => readSafetensors(broken, 'x.safetensors'), 'x.safetensors', /corrupt header: not UTF-8 JSON/);
    const huge = Uint8Array.from(PYTHON_FILE);
    huge[7] = 0x7f;
    expectGoldenError(() => readSafetensors(huge, 'x.safetensors'), 'x.safetensors', /corrupt header: header length \d+ is implausible/);
    expectGoldenError(() => readSafetensors(withHeader('[1, 2]'), 'x.safetensors'), 'x.safetensors', /the JSON is not an object/);
    expectGoldenError(
      () => readSafetensors(withHeader('{"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}', 8), 'x.safetensors'),
      'x.safetensors',
      /tensor 't' \(F32, shape \[2\]\) has data_offsets \[0,4\]/,
    );
    expectGoldenError(
      () => readSafetensors(withHeader('{"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}', 8), 'x.safetensors'),
      'x.safetensors',
      /corrupt: 4 bytes after the last tensor/,
    );
  });

  it('rejects a dtype other than F32, I32, BOOL, C64, naming it', () => {
    const bytes = withHeader('{"t": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}}', 8);
    expectGoldenError(() => readSafetensors(bytes, 'x.safetensors'), 'x.safetensors', /unknown dtype "F64" of tensor 't' \(supported: F32, I32, BOOL, C64\)/);
  });
});

/** A safetensors file with a hand-written header and `dataBytes` zero bytes of data. */
function withHeader(json: string, dataBytes = 0): Uint8Array {
  const header = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + header.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  return out;
}

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

interface FixtureOp {
  cases: unknown[];
  tensors: GoldenTensor[];
}

/** Writes a golden directory as tools/gen_golden.py does: per op a case list and tensors, and the manifest. */
function writeGolden(dir: string, ops: Record<string, FixtureOp>) {
  const files: Record<string, string> = {};
  for (const [op, { cases, tensors }] of Object.entries(ops)) {
    const json = JSON.stringify({ op, cases });
    const bytes = encodeSafetensors(tensors);
    writeFileSync(join(dir, `${op}.json`), json);
    writeFileSync(join(dir, `${op}.safetensors`), bytes);
    files[`${op}.json`] = sha256(json);
    files[`${op}.safetensors`] = sha256(bytes);
  }
  const versions = { keras: '3.6.0', jax: '0.4.34', jaxlib: '0.4.34', tensorflow: '2.17.1', numpy: '1.26.4', python: '3.11' };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ format: 1, seed: 1, versions, files }));
  return files;
}

/** Rewrites the manifest's hash of one file, as if a faulty generator had hashed what it wrote. */
function rehash(dir: string, name: string, bytes: Uint8Array) {
  const manifest = JSON.parse(new TextDecoder().decode(directorySource(dir).read('manifest.json')));
  manifest.files[name] = sha256(bytes);
  writeFileSync(join(dir, name), bytes);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
}

const RELU: FixtureOp = {
  cases: [
    {
      id: 'relu/basic',
      args: [{ tensor: 'relu/basic/args/0' }],
      kwargs: {},
      expected: { outputs: [{ tensor: 'relu/basic/out/0' }] },
      tolerance: null,
      backends: { numpy: { agrees: true, max_abs: 0, max_rel: 0 } },
    },
    {
      id: 'relu/bad-keyword',
      args: [{ tensor: 'relu/basic/args/0' }],
      kwargs: { bogus: [1, null] },
      expected: { error: { class: 'TypeError', message: "relu() got an unexpected keyword argument 'bogus'", origin: 'keras' } },
      tolerance: { atol: 1e-5, rtol: 0, why: 'for the test' },
    },
  ],
  tensors: [f32('relu/basic/args/0', [2, 2], [-1, 2, -0.5, 3]), f32('relu/basic/out/0', [2, 2], [0, 2, 0, 3])],
};

const ONE_HOT: FixtureOp = {
  cases: [
    {
      id: 'one_hot/axis0',
      args: [{ tensor: 'one_hot/axis0/args/0' }, 3],
      kwargs: { axis: 0 },
      expected: { outputs: [{ tensor: 'one_hot/axis0/out/0' }] },
      tolerance: null,
    },
  ],
  tensors: [i32('one_hot/axis0/args/0', [2], [0, 2]), f32('one_hot/axis0/out/0', [3, 2], [1, 0, 0, 0, 0, 1])],
};

describe('golden loader', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kp-golden-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a good directory, tensors resolved in args, kwargs and outputs', () => {
    writeGolden(dir, { relu: RELU, one_hot: ONE_HOT });
    const set = loadGolden(directorySource(dir));
    expect(set.broken).to.deep.equal([]);
    expect(set.manifest.versions.keras).to.equal('3.6.0');
    expect(set.ops.map((o) => o.op)).to.deep.equal(['one_hot', 'relu']);
    const [basic, bad] = set.ops[1].cases;
    expect(basic.args[0]).to.be.instanceOf(GoldenTensor);
    expect(Array.from((basic.args[0] as GoldenTensor).data)).to.deep.equal([-1, 2, -0.5, 3]);
    expect('outputs' in basic.expected && basic.expected.outputs[0].key).to.equal('relu/basic/out/0');
    expect(basic.backends).to.deep.equal({ numpy: { agrees: true, max_abs: 0, max_rel: 0 } });
    expect(bad.kwargs).to.deep.equal({ bogus: [1, null] });
    expect(bad.expected).to.deep.equal({
      error: { class: 'TypeError', message: "relu() got an unexpected keyword argument 'bogus'", origin: 'keras' },
    });
    expect(bad.tolerance).to.deep.equal({ atol: 1e-5, rtol: 0, why: 'for the test' });
    expect(set.ops[0].cases[0].args[1]).to.equal(3);
  });

  it('fails clearly when the manifest is missing', () => {
    expectGoldenError(() => loadGolden(directorySource(dir)), /manifest\.json$/, /missing: generate the goldens with tools\/gen_golden.py/);
  });

  it('rejects a manifest of another format or without hashes', () => {
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ format: 2, files: {}, versions: {} }));
    expectGoldenError(() => readManifest(directorySource(dir)), /manifest\.json$/, /unknown format 2/);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ format: 1, files: { 'relu.json': 'abc' }, versions: {} }));
    expectGoldenError(() => readManifest(directorySource(dir)), /manifest\.json$/, /relu.json has no sha256/);
  });

  it('names the file whose sha256 differs from the manifest, and still loads the other ops', () => {
    writeGolden(dir, { relu: RELU, one_hot: ONE_HOT });
    writeFileSync(join(dir, 'relu.json'), JSON.stringify({ op: 'relu', cases: [] }));
    const set = loadGolden(directorySource(dir));
    expect(set.ops.map((o) => o.op)).to.deep.equal(['one_hot']);
    expect(set.broken).to.have.length(1);
    expect(set.broken[0].file).to.match(/relu\.json$/);
    expect(set.broken[0].message).to.match(/relu\.json: sha256 mismatch: manifest\.json says [0-9a-f]{64}, the file \(\d+ bytes\) hashes to [0-9a-f]{64}/);
  });

  it('reports a truncated safetensors file as a hash mismatch, and as truncated once the hash matches', () => {
    const files = writeGolden(dir, { relu: RELU });
    const full = directorySource(dir).read('relu.safetensors')!;
    writeFileSync(join(dir, 'relu.safetensors'), full.subarray(0, full.length - 3));
    expect(loadGolden(directorySource(dir)).broken[0].message).to.match(/relu\.safetensors: sha256 mismatch/);
    expect(files['relu.safetensors']).to.equal(sha256(full));
    rehash(dir, 'relu.safetensors', full.subarray(0, full.length - 3));
    expect(loadGolden(directorySource(dir)).broken[0].message).to.match(/relu\.safetensors: truncated: tensor 'relu\/basic\/out\/0'/);
  });

  it('names the file with a corrupt safetensors header', () => {
    writeGolden(dir, { relu: RELU });
    const bytes = Uint8Array.from(directorySource(dir).read('relu.safetensors')!);
    bytes[8] = 0x7b + 1;
    rehash(dir, 'relu.safetensors', bytes);
    const [error] = loadGolden(directorySource(dir)).broken;
    expect(error.file).to.match(/relu\.safetensors$/);
    expect(error.message).to.match(/corrupt header/);
  });

  it('names a listed file that is missing', () => {
    writeGolden(dir, { relu: RELU });
    rmSync(join(dir, 'relu.safetensors'));
    expect(loadGolden(directorySource(dir)).broken[0].message).to.match(/relu\.safetensors: missing, though manifest\.json lists it/);
  });

  it('names the case of a malformed case list: unknown tensor, bad id, duplicate, bad tolerance', () => {
    const variants: [unknown, RegExp][] = [
      [{ ...RELU.cases[0] as object, args: [{ tensor: 'nope' }] }, /case relu\/basic: tensor nope is not in the safetensors file/],
      [{ ...RELU.cases[0] as object, id: 'relu/has space' }, /case relu\/has space: the id must be relu\//],
      [{ ...RELU.cases[0] as object, id: 'elu/basic' }, /case elu\/basic: the id must be relu\//],
      [{ ...RELU.cases[0] as object, tolerance: { atol: 1e-3, rtol: 0 } }, /tolerance must be null or .*"why"/],
      [{ ...RELU.cases[0] as object, expected: {} }, /expected must be/],
    ];
    for (const [bad, why] of variants) {
      writeGolden(dir, { relu: { cases: [bad], tensors: RELU.tensors } });
      const { broken } = loadGolden(directorySource(dir));
      expect(broken[0]?.message, String(why)).to.match(why);
      expect(broken[0].file).to.match(/relu\.json$/);
    }
    writeGolden(dir, { relu: { cases: [RELU.cases[0], RELU.cases[0]], tensors: RELU.tensors } });
    expect(loadGolden(directorySource(dir)).broken[0].message).to.match(/case id relu\/basic appears twice/);
  });
});

const values = (dtype: Values['dtype'], shape: number[], data: number[]): Values => ({ dtype, shape, data });

describe('compare', () => {
  it('is numpy allclose: |got - want| <= atol + rtol*|want|', () => {
    const tol = { atol: 1e-6, rtol: 1e-6 };
    // Doubles here, so the bound is exact: at want = 1 the bound is 2e-6.
    expect(isClose(1 + 1.9e-6, 1, tol)).to.equal(true);
    expect(isClose(1 + 2.1e-6, 1, tol)).to.equal(false);
    expect(isClose(1e-6, 0, tol)).to.equal(true);
    expect(isClose(1.1e-6, 0, tol)).to.equal(false);
  });

  it('holds NaN equal to NaN and an infinity equal only to itself', () => {
    const r = compare(values('float32', [5], [NaN, Infinity, -Infinity, 1, NaN]), values('float32', [5], [NaN, Infinity, -Infinity, 1, NaN]));
    expect([r.ok, r.maxAbs, r.maxRel, r.maxUlp]).to.deep.equal([true, 0, 0, 0]);
    const bad = compare(values('float32', [4], [NaN, 0, -Infinity, 3e38]), values('float32', [4], [0, NaN, Infinity, Infinity]));
    // Non-finite mismatches are counted apart, so they do not hide the error of the finite elements.
    expect([bad.ok, bad.mismatches, bad.nonFinite, bad.maxAbs, bad.maxRel, bad.maxUlp]).to.deep.equal([false, 4, 4, 0, 0, 0]);
    const mixed = compare(values('float32', [2], [NaN, 1.5]), values('float32', [2], [0, 1]));
    expect([mixed.mismatches, mixed.nonFinite, mixed.maxAbs, mixed.maxRel]).to.deep.equal([2, 1, 0.5, 0.5]);
  });

  it('fails a shape mismatch without comparing elements', () => {
    const r = compare(values('float32', [3], [1, 2, 3]), values('float32', [1, 3], [1, 2, 3]));
    expect(r.ok).to.equal(false);
    expect(r.problems).to.deep.equal(['shape (3,), expected (1, 3)']);
    expect([r.maxAbs, r.maxRel, r.maxUlp]).to.deep.equal([null, null, null]);
  });

  it('fails a dtype mismatch even when the values agree', () => {
    const r = compare(values('int32', [2], [1, 2]), values('float32', [2], [1, 2]));
    expect([r.ok, r.problems, r.mismatches, r.maxAbs, r.maxUlp]).to.deep.equal([false, ['dtype int32, expected float32'], 0, 0, null]);
  });

  it('compares int32 and bool exactly by default', () => {
    expect(compare(values('int32', [2], [1, 3]), values('int32', [2], [1, 4])).ok).to.equal(false);
    expect(compare(values('bool', [2], [1, 0]), values('bool', [2], [1, 0])).ok).to.equal(true);
    expect(compare(values('bool', [2], [1, 1]), values('bool', [2], [1, 0])).mismatches).to.equal(1);
  });

  it('measures max abs, rel and ULP error and lists the first mismatches by multi-index', () => {
    const r = compare(values('float32', [2, 2], [1, 2.5, 4, 5]), values('float32', [2, 2], [1, 2, 4, 4]), { atol: 1e-6, rtol: 1e-6 }, 1);
    expect([r.ok, r.mismatches, r.maxAbs, r.maxRel]).to.deep.equal([false, 2, 1, 0.25]);
    // 2.5 and 2 share the binade [2, 4), where a float32 ULP is 2^-22: 0.5 / 2^-22 = 2^21 ULPs; 5 and 4
    // share [4, 8), ULP 2^-21: 1 / 2^-21 = 2^21 too.
    expect(r.maxUlp).to.equal(2 ** 21);
    expect(r.first).to.deep.equal([{ index: [0, 1], got: 2.5, want: 2 }]);
    // Any error against 0 is infinitely relative, as numpy's and torch's reports say.
    expect(compare(values('float32', [1], [Math.fround(1e-7)]), values('float32', [1], [0])).maxRel).to.equal(Infinity);
  });
});

describe('ulpDistance (float32)', () => {
  it('counts 1 and the next float32 after 1 as one ULP apart', () => {
    // 1 = 0x3F800000 (sign 0, exponent 127, mantissa 0). The next float32 has mantissa 1: 0x3F800001,
    // which is 1 + 2^-23. Adjacent bit patterns of same-sign floats are adjacent values: 1 ULP.
    expect(ulpDistance(1, 1 + 2 ** -23)).to.equal(1);
    // 2^-24 is below float32's resolution at 1: 1 + 2^-24 rounds back to 1 (ties to even): 0 ULP.
    expect(ulpDistance(1, Math.fround(1 + 2 ** -24))).to.equal(0);
  });

  it('counts across zero: -0 and +0 are equal, the two smallest subnormals of opposite sign 2 apart', () => {
    // 2^-149 is bit pattern 0x00000001; -2^-149 is 0x80000001. Between them lie -0 and +0, one value.
    expect(ulpDistance(-0, 0)).to.equal(0);
    expect(ulpDistance(-(2 ** -149), 2 ** -149)).to.equal(2);
    // The largest finite float32 (0x7F7FFFFF) and +inf (0x7F800000) are adjacent.
    expect(ulpDistance(3.4028234663852886e38, Infinity)).to.equal(1);
    expect(ulpDistance(NaN, NaN)).to.equal(0);
    expect(ulpDistance(NaN, 1)).to.equal(Infinity);
  });
});

describe('expected errors', () => {
  const keras = { class: 'ValueError', message: 'Invalid padding: bogus', origin: 'keras' };

  it('accepts the same class and, for Keras messages, the same message', () => {
    expect(errorMismatch(new KerasValueError('Invalid padding: bogus'), keras)).to.equal(null);
    expect(errorMismatch(new KerasValueError('our own words'), { ...keras, origin: 'jax' })).to.equal(null);
  });

  it('rejects another class, another Keras message, or a plain Error', () => {
    expect(errorMismatch(new KerasTypeError('Invalid: bogus'), keras)).to.equal(
      'threw KerasTypeError (Keras class TypeError): Invalid: bogus\n  Keras raised ValueError (from keras): Invalid padding: bogus',
    );
    expect(errorMismatch(new KerasValueError('Invalid padding: nope'), keras)).to.match(/message differs.*\n.*got:  Invalid padding: nope\n.*want: Invalid padding: bogus/);
    expect(errorMismatch(new RangeError('boom'), keras)).to.match(/^threw RangeError: boom, not a KerasParityError\n  Keras raised ValueError/);
  });
});

const CASE: GoldenCase = {
  id: 'conv/2d-same-s2-d1-channels_first',
  op: 'conv',
  args: [],
  kwargs: {},
  expected: { outputs: [] },
  tolerance: null,
  backends: {},
};

describe('tolerance table and exclusion list', () => {
  it('match a case id or an id prefix ending in *, and an adapter name, prefix or *', () => {
    expect(matches('conv/2d-*', 'conv/2d-same')).to.equal(true);
    expect(matches('conv/2d', 'conv/2d-same')).to.equal(false);
    expect(matches('*', 'reference')).to.equal(true);
    expect(matches('tfjs-*', 'tfjs-webgl')).to.equal(true);
    const list = [{ case: 'conv/*', adapter: 'tfjs-*', why: 'x' }];
    expect(exclusionFor(list, CASE, 'tfjs-cpu')).to.equal(list[0]);
    expect(exclusionFor(list, CASE, 'reference')).to.equal(undefined);
  });

  it('hold an entry for the Keras releases from its since up to its before, 3.6.0 where a case names none', () => {
    const list = [
      { case: CASE.id, adapter: '*', before: '3.14', why: 'old Keras' },
      { case: CASE.id, adapter: '*', since: '3.15', why: 'new Keras' },
    ] as const;
    expect(exclusionFor(list, CASE, 'reference')?.why).to.equal('old Keras');
    expect(exclusionFor(list, { ...CASE, keras: '3.6.0' }, 'reference')?.why).to.equal('old Keras');
    expect(exclusionFor(list, { ...CASE, keras: '3.14.0' }, 'reference')).to.equal(undefined);
    expect(exclusionFor(list, { ...CASE, keras: '3.15.1' }, 'reference')?.why).to.equal('new Keras');
    const table = [{ case: CASE.id, adapter: '*', atol: 1, rtol: 0, since: '3.15', why: 'new Keras' }] as const;
    expect(toleranceFor(CASE, 'reference', 'float32', table).atol).to.be.below(1);
    expect(toleranceFor({ ...CASE, keras: '3.15.1' }, 'reference', 'float32', table).atol).to.equal(1);
  });

  it('leave out a call by what it holds: an int32 beyond 2^24 on webgl and webgpu, in a page too, and nowhere else', () => {
    const int32 = (v: number[]) => new GoldenTensor('', 'int32', [v.length], new Int32Array(v));
    const call = (x: number[], out: GoldenTensor[]): GoldenCase => ({ ...CASE, id: 'relu/fuzz', args: [int32(x)], expected: { outputs: out } });
    const beyond = call([3, 2 ** 24 + 1], [int32([3, 2 ** 24 + 1])]);
    const within = call([3, -(2 ** 24)], [int32([3, 0])]);
    const outputBeyond = call([1], [int32([-(2 ** 31)])]);
    for (const adapter of ['tfjs-webgl', 'chromium:tfjs-webgl', 'chromium:tfjs-webgpu']) {
      expect(callExclusionFor(CALL_EXCLUSIONS, beyond, adapter)?.why, adapter).to.match(/^int32 computed in float32/);
      expect(callExclusionFor(CALL_EXCLUSIONS, outputBeyond, adapter), adapter).to.not.equal(undefined);
      expect(callExclusionFor(CALL_EXCLUSIONS, within, adapter), adapter).to.equal(undefined);
    }
    for (const adapter of ['chromium:tfjs-wasm', 'tfjs-wasm', 'tfjs-cpu', 'reference']) {
      expect(callExclusionFor(CALL_EXCLUSIONS, beyond, adapter), adapter).to.equal(undefined);
    }
  });

  it("leave out the beam searches Keras decodes on webgpu, as ctc_decode/beam-* is, but not Keras's errors", () => {
    const decode = (strategy: string, expected: GoldenCase['expected']): GoldenCase => ({ ...CASE, id: 'ctc_decode/fuzz', op: 'ctc_decode', kwargs: { strategy }, expected });
    const decoded = decode('beam_search', { outputs: [] });
    expect(callExclusionFor(CALL_EXCLUSIONS, decoded, 'chromium:tfjs-webgpu')?.why).to.match(/^unsupported: strategy='beam_search'/);
    expect(callExclusionFor(CALL_EXCLUSIONS, decoded, 'chromium:tfjs-webgl')).to.equal(undefined);
    expect(callExclusionFor(CALL_EXCLUSIONS, decode('greedy', { outputs: [] }), 'chromium:tfjs-webgpu')).to.equal(undefined);
    const rejected = decode('beam_search', { error: { class: 'ValueError', message: 'top_paths', origin: 'keras' } });
    expect(callExclusionFor(CALL_EXCLUSIONS, rejected, 'chromium:tfjs-webgpu')).to.equal(undefined);
  });

  it('take the loosest of the default, the golden case tolerance and matching table entries', () => {
    const table = [
      { case: 'conv/*', adapter: '*', atol: 1e-5, rtol: 0, why: 'accumulation order' },
      { case: CASE.id, adapter: 'tfjs-webgl', atol: 1e-3, rtol: 1e-3, why: 'float16 textures' },
    ];
    const golden = { ...CASE, tolerance: { atol: 0, rtol: 1e-4, why: 'catalogue' } };
    expect(toleranceFor(golden, 'reference', 'float32', table)).to.deep.equal({
      atol: 1e-5, rtol: 1e-4, sources: ['default', 'golden: catalogue', 'table: accumulation order'],
    });
    expect(toleranceFor(CASE, 'tfjs-webgl', 'float32', table)).to.include({ atol: 1e-3, rtol: 1e-3 });
    expect(toleranceFor(CASE, 'reference', 'int32', [])).to.deep.equal({ atol: 0, rtol: 0, sources: ['default'] });
  });

  it('flag entries without a reason, negative tolerances, duplicates and stale entries', () => {
    const problems = entryProblems(
      [
        { case: 'conv/*', adapter: '*', atol: -1, rtol: 0, why: ' ' },
        { case: 'conv/*', adapter: '*', atol: 0, rtol: 0, why: 'ok' },
        { case: 'elu/*', adapter: '*', atol: 0, rtol: 0, why: 'ok' },
        { case: 'conv/*', adapter: '*', atol: 0, rtol: 0, since: '3.15', why: 'only in sets of 3.15 and later' },
        { case: 'conv/*', adapter: 'tfjs-*', atol: 0, rtol: 0, since: '3.14', before: '3.7', why: 'empty range' },
      ],
      [{ id: CASE.id, keras: '3.6.0' }],
    );
    expect(problems).to.deep.equal([
      'conv/* [*]: no reason given',
      'conv/* [*]: atol and rtol must be finite and >= 0',
      'conv/* [*]: listed twice',
      'elu/* [*]: matches no golden case',
      'conv/* [*] (Keras since 3.15): matches no golden case',
      'conv/* [tfjs-*] (Keras since 3.14, before 3.7): before comes before since',
      'conv/* [tfjs-*] (Keras since 3.14, before 3.7): matches no golden case',
    ]);
  });
});

describe('runCase and its report', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kp-golden-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const load = (op: FixtureOp) => {
    writeGolden(dir, { relu: op });
    const set = loadGolden(directorySource(dir));
    expect(set.broken).to.deep.equal([]);
    return set.ops[0].cases;
  };

  it('passes a matching output and a matching Keras error', async () => {
    for (const c of load(RELU)) expect(await runCase(c, 'reference', [])).to.include({ ok: true });
  });

  it('reports the case, the call, the measured errors and the first mismatches', async () => {
    const wrong = { ...RELU, tensors: [RELU.tensors[0], f32('relu/basic/out/0', [2, 2], [0, 2.5, 0, 3])] };
    const [c] = load(wrong);
    const result = await runCase(c, 'reference', []);
    expect(result.ok).to.equal(false);
    expect(formatFailure(c, 'reference', result)).to.equal(
      [
        'relu/basic [reference]: output 0 differs from Keras',
        '  call: relu(<float32 (2, 2)>)',
        '  output 0: 1 of 4 elements outside tolerance',
        '    max abs 0.5, max rel 0.2, max ULP 2097152 (atol 1e-6, rtol 1e-6: default)',
        '    [0, 1]: got 2, want 2.5',
      ].join('\n'),
    );
  });

  it('fails a call that raises where Keras returned, and one that returns where Keras raised', async () => {
    const [, bad] = load(RELU);
    const raising = await runCase({ ...bad, expected: { outputs: [RELU.tensors[1]] } }, 'reference', []);
    expect(raising.failure).to.equal("raised KerasTypeError: relu() got an unexpected keyword argument 'bogus'");
    const returning = await runCase({ ...bad, kwargs: {} }, 'reference', []);
    expect(returning.failure).to.match(/^returned Tensor\(shape=\(2, 2\), dtype=float32\), but Keras raised TypeError \(from keras\): relu\(\) got/);
  });

  it('fails a case where the generator, not Keras, recorded an error', async () => {
    const [, bad] = load(RELU);
    const error = { class: 'WorkerTimeout', message: 'the jax worker took more than 60 s on this case', origin: 'gen_golden' };
    const result = await runCase({ ...bad, expected: { error } }, 'reference', []);
    expect(result.failure).to.equal('no Keras result: tools/gen_golden.py recorded WorkerTimeout: the jax worker took more than 60 s on this case');
    expect(result).to.deep.include({ ok: false, noKerasResult: true });
  });

  it("fails a case where the fuzzer's Keras oracle crashed, marked as having no Keras result", async () => {
    const [, bad] = load(RELU);
    const error = { class: 'OracleCrashed', message: 'the Keras oracle exited with SIGKILL', origin: 'oracle' };
    const result = await runCase({ ...bad, expected: { error } }, 'reference', []);
    expect(result).to.deep.include({ ok: false, noKerasResult: true });
    expect(result.failure).to.equal('no Keras result: the Keras oracle (tools/oracle.py) recorded OracleCrashed: the Keras oracle exited with SIGKILL');
    // Keras's own errors are compared, whatever package raised them.
    const keras = await runCase({ ...bad, expected: { error: { ...error, origin: 'keras' } } }, 'reference', []);
    expect(keras.noKerasResult).to.equal(undefined);
  });

  it('titles a test after the case id and the adapter', () => {
    expect(caseTitle('conv/2d-same-s2-d1-channels_first', 'reference')).to.equal('conv 2d same s2 d1 channels_first [reference]');
  });

  it('prints float32 values in their shortest form', () => {
    expect([formatNumber(Math.fround(0.1)), formatNumber(NaN), formatNumber(-Infinity), formatNumber(3), formatNumber(0.5)])
      .to.deep.equal(['0.1', 'nan', '-inf', '3', '0.5']);
  });
});
