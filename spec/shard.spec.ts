/**
 * `run --shard i/n` (src/report/shard.ts): the split is deterministic, covers every case of every Keras
 * version once and is balanced on its cost model; shards of one run over both versions merge back into what
 * the unsharded run reports; bad --shard values and incomplete shard sets are refused.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'chai';
import { cli } from '../src/cli/cli.js';
import { parseShard, runParity } from '../src/cli/run.js';
import { UsageError } from '../src/cli/args.js';
import { directorySource, goldenSetDirs } from '../src/golden/node.js';
import { loadOp, readManifest } from '../src/golden/loader.js';
import { MergeError, mergeReports, type MergeInput } from '../src/report/merge.js';
import { stringifyReport, type ParityReport, type ReportShard } from '../src/report/model.js';
import { assignShards, caseCost, shardOps, shardVersions } from '../src/report/shard.js';
import { defaultGoldenDir } from '../src/cli/paths.js';

const silent = { write: () => true };
const OPS = ['relu', 'conv', 'ctc_decode', 'dot_product_attention'];

const SETS = goldenSetDirs(defaultGoldenDir());

/** The ops' goldens of one Keras version (default: the seed, 3.6.0). */
function goldenOps(ops: readonly string[], keras = '3.6.0') {
  const source = directorySource(SETS.find((s) => s.keras === keras)!.dir);
  const manifest = readManifest(source);
  return ops.map((op) => loadOp(source, manifest, op));
}

function run(shard?: ReportShard): Promise<ParityReport> {
  return runParity({
    backends: ['reference'],
    ops: OPS,
    label: 'spec-shards',
    ...(shard ? { shard } : {}),
    out: null,
    bench: null,
    stdout: null,
    stderr: silent,
    progress: 'none',
  }).then((r) => r.report);
}

/** Each case (version and id) and backend with its status, the backend without the merged report's label prefix. */
function statuses(report: ParityReport): string[] {
  return (report.results ?? []).map((r) => `${r.keras}/${r.id} ${r.backend.replace(/^.* · /, '')} ${r.status}`).sort();
}

describe('run --shard', () => {
  const ops = goldenOps(OPS);
  const cases = ops.flatMap((o) => o.cases).map((c) => ({ id: c.id, cost: caseCost(c) }));

  it('splits deterministically: the same shards whatever the order of the cases', () => {
    const forward = assignShards(cases, 3);
    const backward = assignShards([...cases].reverse(), 3);
    expect([...backward].sort()).to.deep.equal([...forward].sort());
  });

  it('covers every case exactly once, for any number of shards', () => {
    for (const count of [1, 2, 3, 7, cases.length + 2]) {
      const parts = Array.from({ length: count }, (_, i) => shardOps(ops, { index: i + 1, count }));
      const ids = parts.flatMap((p) => p.flatMap((o) => o.cases.map((c) => c.id)));
      expect(ids.length, `${count} shards`).to.equal(cases.length);
      expect(new Set(ids).size, `${count} shards`).to.equal(cases.length);
    }
  });

  it('balances the estimated cost: no shard above the mean by more than the costliest case, 3 shards within 5%', () => {
    const costOf = new Map(cases.map((c) => [c.id, c.cost]));
    const costliest = Math.max(...cases.map((c) => c.cost));
    for (const count of [2, 3, 5]) {
      const loads = new Array<number>(count).fill(0);
      for (const [id, shard] of assignShards(cases, count)) loads[shard - 1] += costOf.get(id)!;
      const mean = loads.reduce((a, b) => a + b, 0) / count;
      expect(Math.max(...loads) - mean, `${count} shards`).to.be.at.most(costliest);
      if (count === 3) expect(Math.max(...loads) / Math.min(...loads)).to.be.below(1.05);
    }
  });

  it('splits the cases of every Keras version together, each `version/id` in exactly one shard, every version and op kept', () => {
    const versions = SETS.map((s) => ({ keras: s.keras, ops: goldenOps(OPS, s.keras) }));
    expect(versions.length).to.be.greaterThan(1);
    const all = versions.flatMap((v) => v.ops.flatMap((o) => o.cases.map((c) => `${v.keras}/${c.id}`)));
    for (const count of [1, 3, 5]) {
      const parts = Array.from({ length: count }, (_, i) => shardVersions(versions, { index: i + 1, count }));
      for (const part of parts) expect(part.map((v) => [v.keras, v.ops.map((o) => o.op)])).to.deep.equal(versions.map((v) => [v.keras, OPS]));
      const keys = parts.flatMap((part) => part.flatMap((v) => v.ops.flatMap((o) => o.cases.map((c) => `${v.keras}/${c.id}`))));
      expect([...keys].sort(), `${count} shards`).to.deep.equal([...all].sort());
    }
    // The same id of two versions may land in two shards: the key is the version and the id.
    const [one, two] = [1, 2].map((index) => shardVersions(versions, { index, count: 2 }));
    const ids = (part: typeof one, keras: string) => part.find((v) => v.keras === keras)!.ops.flatMap((o) => o.cases.map((c) => c.id));
    expect(ids(one, '3.6.0').length + ids(two, '3.6.0').length).to.equal(all.filter((k) => k.startsWith('3.6.0/')).length);
  });

  it('weighs a convolution above a relu of the same size', () => {
    const [relu, conv] = goldenOps(['relu', 'conv']).map((o) => o.cases[0]);
    expect(caseCost(conv)).to.be.above(caseCost(relu));
  });

  it('shards 1/3, 2/3 and 3/3 of both Keras versions merged equal the unsharded run, case for case', async function () {
    this.timeout(120_000);
    const whole = await run();
    expect(whole.kerasVersions).to.deep.equal(SETS.map((s) => s.keras));
    expect(new Set(whole.results!.map((r) => r.keras)).size).to.equal(SETS.length);
    const shards: MergeInput[] = [];
    for (const index of [1, 2, 3]) shards.push({ report: await run({ index, count: 3 }), file: `shard${index}.json` });
    expect(shards.map((s) => s.report.shard)).to.deep.equal([1, 2, 3].map((index) => ({ index, count: 3 })));
    const merged = mergeReports(shards);
    expect(statuses(merged)).to.deep.equal(statuses(whole));
    expect(merged.summary).to.deep.equal(whole.summary);
    expect(merged.kerasVersions).to.deep.equal(whole.kerasVersions);
    const cellsOf = (r: ParityReport) => r.cells.map((c) => `${c.keras} ${c.op} ${c.passed}/${c.failed}/${c.excluded}/${c.unsupported}`).sort();
    expect(cellsOf(merged)).to.deep.equal(cellsOf(whole));
    // Every shard holds cases of both versions: the split is over all of them together.
    for (const s of shards) expect(new Set(s.report.results!.map((r) => r.keras)).size).to.equal(SETS.length);
    expect(merged.backends.map((b) => b.name)).to.deep.equal(['spec-shards · reference']);
    expect(merged.sources!.map((s) => s.shard?.index)).to.deep.equal([1, 2, 3]);
    const schema = JSON.parse(readFileSync(new URL('../docs/report.schema.json', import.meta.url), 'utf8'));
    const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
    for (const report of [shards[0].report, merged]) expect(validate(JSON.parse(stringifyReport(report))), JSON.stringify(validate.errors)).to.equal(true);

    expect(() => mergeReports(shards.slice(0, 2))).to.throw(MergeError, 'shard 3/3 missing');
    expect(() => mergeReports([...shards, shards[0]])).to.throw(MergeError, 'shard 1/3 twice');
    const mixed = { ...shards[2], report: { ...shards[2].report, shard: { index: 3, count: 4 } } };
    expect(() => mergeReports([shards[0], shards[1], mixed])).to.throw(MergeError, 'shards of different splits');
    expect(() => mergeReports([...shards, { report: whole, file: 'whole.json' }])).to.throw(MergeError, 'shards and an unsharded run');
    const otherOps = { ...shards[1], report: { ...shards[1].report, ops: ['relu', 'conv'] } };
    expect(() => mergeReports([shards[0], otherOps, shards[2]])).to.throw(MergeError, 'shards of different selections');
    const otherVersions = { ...shards[1], report: { ...shards[1].report, kerasVersions: ['3.6.0'] } };
    expect(() => mergeReports([shards[0], otherVersions, shards[2]])).to.throw(MergeError, /shards of different selections \(--keras /);
  });
});

describe('--shard values', () => {
  it('reads I/N with 1 <= I <= N', () => {
    expect(parseShard('2/3')).to.deep.equal({ index: 2, count: 3 });
    expect(parseShard('1/1')).to.deep.equal({ index: 1, count: 1 });
  });

  for (const bad of ['0/3', '4/3', '1/0', '2', 'a/b', '1.5/3', '-1/3', '1/3/5', '']) {
    it(`refuses '${bad}', naming --shard and the value`, () => {
      expect(() => parseShard(bad)).to.throw(UsageError, `--shard must be I/N`).with.property('message').that.includes(`got '${bad}'`);
    });
  }

  it('run --shard 0/3 exits 2 with the message, before running anything', async () => {
    let stderr = '';
    const code = await cli(['run', '--backend', 'reference', '--op', 'relu', '--shard', '0/3', '--out', '/nonexistent/never'], {
      stdout: silent,
      stderr: { write: (s: string) => ((stderr += s), true) },
    });
    expect(code).to.equal(2);
    expect(stderr).to.include("run: --shard must be I/N, whole numbers with 1 <= I <= N (e.g. 2/3); got '0/3'");
  });
});
