/**
 * Keras versions side by side: the entry points and `opsFor` pin a version, each version's ops have only
 * its names, and the op table's records (an op's or a parameter's `since`, a parameter's later forms, a
 * behaviour change) turn into that version's binding and validation.
 */
import { expect } from 'chai';
import { ops as ops36 } from '../src/keras-3.6.js';
import { ops as ops315 } from '../src/keras-3.15.js';
import { KERAS_VERSIONS, KerasTypeError, KerasValueError, NEWEST_KERAS, ops, opsFor } from '../src/index.js';
import { compareVersions, includes } from '../src/keras-versions.js';
import { bindIdiomatic, bindKeras } from '../src/ops/dispatch.js';
import { changesAt, defineOp, kwarg, paramsAt, tensor, type ParamDef } from '../src/ops/op.js';
import { OP_TABLE, opsAt, publicNamesAt, type AnyOpDef } from '../src/ops/table.js';

describe('Keras versions', () => {
  it('orders versions numerically: 3.15.1 after 3.7, 3.6.0 = 3.6', () => {
    expect(compareVersions('3.15.1', '3.7')).to.equal(1);
    expect(compareVersions('3.6.0', '3.6')).to.equal(0);
    expect(includes('3.6.0', '3.7')).to.equal(false);
    expect(includes('3.15.1', '3.15')).to.equal(true);
  });

  it('pins a version per entry point and per opsFor; the main entry follows the newest', () => {
    expect(ops36.kerasVersion).to.equal('3.6.0');
    expect(ops315.kerasVersion).to.equal('3.15.1');
    expect(ops.kerasVersion).to.equal(NEWEST_KERAS).and.equal(KERAS_VERSIONS.at(-1));
    expect(opsFor('3.6.0')).to.equal(ops36);
    expect(opsFor('3.15.1').relu).to.be.a('function');
  });

  it('refuses an unsupported version, naming the argument, the value and the supported ones', () => {
    expect(() => opsFor('3.7.0')).to.throw(KerasValueError, "Argument `version` must be a Keras version keras-parity supports: 3.6.0, 3.15.1. Received: version=3.7.0");
  });

  it("gives each version only the ops it had: 3.6.0's 35 names, and the table's others from their release on", () => {
    expect(publicNamesAt('3.6.0')).to.have.length(35);
    expect(opsAt('3.6.0')).to.have.length(33);
    const later = (Object.entries(OP_TABLE) as [string, AnyOpDef][]).filter(([, def]) => def.since);
    for (const [name, def] of later) {
      expect(Object.keys(ops36), name).not.to.include(name);
      expect(() => ops36.call(name, []), name).to.throw(KerasTypeError, `Unknown op: ${name} (${name} came in Keras ${def.since}). keras.ops.nn of Keras 3.6.0 has:`);
      expect(publicNamesAt('3.15.1'), name).to.include(name);
    }
  });
});

describe('op table version records', () => {
  // A made-up op: `a` since 3.6, `b` added in 3.10, `c` required until 3.11 and defaulting to 1 after.
  const c: ParamDef = { name: 'c', kind: 'value', required: true, later: [{ since: '3.11', pr: 'keras-team/keras#1', required: false, default: 1 }] };
  const def = defineOp<Record<string, never>, 'x'>({
    params: [tensor('x'), c, kwarg('a', 0), kwarg('b', 2, '3.10')],
    outputs: 1,
    changes: { louder: { since: '3.13', pr: 'keras-team/keras#2', what: 'raises on a' } },
    resolve: ({ t }) => ({ attrs: {}, out: t.x }),
  }) as AnyOpDef;

  it("binds each version's parameters: a keyword added later is unknown before, a default gained later applies after", () => {
    expect(paramsAt(def, '3.6.0').map((p) => p.name)).to.deep.equal(['x', 'c', 'a']);
    expect(paramsAt(def, '3.15.1').map((p) => p.name)).to.deep.equal(['x', 'c', 'a', 'b']);
    expect(() => bindKeras('made_up', def, [1, 5], { b: 3 }, '3.6.0')).to.throw(KerasTypeError, "made_up() got an unexpected keyword argument 'b'");
    expect(bindKeras('made_up', def, [1, 5], { b: 3 }, '3.15.1')).to.deep.equal({ x: 1, c: 5, a: 0, b: 3 });
    expect(() => bindKeras('made_up', def, [1], {}, '3.6.0')).to.throw(KerasTypeError, "made_up() missing 1 required positional argument: 'c'");
    expect(bindKeras('made_up', def, [1], {}, '3.15.1')).to.deep.equal({ x: 1, c: 1, a: 0, b: 2 });
    expect(bindIdiomatic('made_up', def, [1, { c: 4 }], '3.15.1')).to.deep.equal({ x: 1, c: 4, a: 0, b: 2 });
  });

  it('answers a behaviour change by version, and refuses a change the op does not declare', () => {
    expect(changesAt(def, '3.6.0', 'made_up')('louder')).to.equal(false);
    expect(changesAt(def, '3.15.1', 'made_up')('louder')).to.equal(true);
    expect(() => changesAt(def, '3.15.1', 'made_up')('quieter')).to.throw("made_up declares no behaviour change 'quieter'");
  });

  it('records a pull request and a sentence for every change, and only known releases', () => {
    const releases = /^3\.(6|7|8|9|10|11|12|13|14|15)$/;
    for (const [name, d] of Object.entries(OP_TABLE) as [string, AnyOpDef][]) {
      if (d.since) expect(d.since, name).to.match(releases);
      for (const p of d.params) {
        if (p.since) expect(p.since, `${name}.${p.name}`).to.match(releases);
        for (const l of p.later ?? []) expect(l.pr, `${name}.${p.name}`).to.match(/^keras-team\/keras#\d+$/);
      }
      for (const [key, change] of Object.entries(d.changes ?? {})) {
        expect(change.since, `${name}: ${key}`).to.match(releases);
        expect(change.pr, `${name}: ${key}`).to.match(/^keras-team\/keras#\d+$|^Keras \d+\.\d+\.\d+ release notes$/);
        expect(change.what.trim(), `${name}: ${key}`).not.to.equal('');
      }
    }
  });
});
