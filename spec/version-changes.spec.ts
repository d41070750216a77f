/**
 * docs/keras-version-changes.md is what the golden sets say changed between the oldest and the newest
 * Keras, and every op it lists beyond last-bit noise is explained: by a record in the op table, or by a
 * line naming a Keras bug.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { renderVersionChanges, unexplained } from '../src/report/version-changes.js';
import { versionDiff } from '../src/report/version-changes-doc.js';
import type { GoldenSet } from '../src/golden/loader.js';
import { diffGoldenSets } from '../src/golden/versions.js';
import { GoldenTensor } from '../src/golden/safetensors.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('Keras version changes', function () {
  this.timeout(60_000);
  const diff = versionDiff(`${ROOT}golden`);

  it('docs/keras-version-changes.md is up to date (npm run changes)', () => {
    const doc = readFileSync(`${ROOT}docs/keras-version-changes.md`, 'utf8');
    expect(doc === renderVersionChanges(diff), 'docs/keras-version-changes.md is stale: run `npm run changes`').to.equal(true);
  });

  it('explains every op whose results changed: a record in the op table, or a Keras bug', () => {
    expect(unexplained(diff), 'ops without a change record').to.deep.equal([]);
  });

  it("tells a changed error, a new error, other values, other last bits and another library's message apart", () => {
    const t = (data: number[]) => new GoldenTensor('k', 'float32', [data.length], Float32Array.from(data));
    const set = (keras: string, cases: [string, object][]): GoldenSet =>
      ({
        manifest: { format: 1, seed: 0, versions: { keras }, files: {} },
        broken: [],
        ops: [{ op: 'relu', cases: cases.map(([id, expected]) => ({ id, op: 'relu', args: [], kwargs: {}, expected, tolerance: null, backends: {} })) }],
      }) as unknown as GoldenSet;
    const older = set('3.6.0', [
      ['relu/a', { error: { class: 'ValueError', message: 'old', origin: 'keras' } }],
      ['relu/b', { outputs: [t([1])] }],
      ['relu/c', { outputs: [t([1])] }],
      ['relu/d', { outputs: [t([1])] }],
      ['relu/e', { outputs: [t([1])] }],
      ['relu/f', { error: { class: 'TypeError', message: 'neg does not accept bool', origin: 'jax' } }],
    ]);
    const newer = set('3.15.1', [
      ['relu/a', { error: { class: 'ValueError', message: 'new', origin: 'keras' } }],
      ['relu/b', { error: { class: 'ValueError', message: 'now' } }],
      ['relu/c', { outputs: [t([1.5])] }],
      ['relu/d', { outputs: [t([1 + 2 ** -23])] }],
      ['relu/e', { outputs: [t([1])] }],
      ['relu/f', { error: { class: 'TypeError', message: 'neg does not accept dtype bool', origin: 'jax' } }],
    ]);
    const [relu] = diffGoldenSets(older, newer).ops;
    expect(relu.compared).to.equal(6);
    expect(relu.changes.map((c) => [c.id, c.kind])).to.deep.equal([
      ['relu/a', 'error'],
      ['relu/b', 'raises'],
      ['relu/c', 'values'],
      ['relu/d', 'bits'],
      ['relu/f', 'message'],
    ]);
  });
});
