/// <reference types="node" />
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'chai';
import { UsageError } from '../src/cli/args.js';
import { runParity } from '../src/cli/run.js';
import { registerBackend } from '../src/index.js';
import { summaryTable } from '../src/cli/summary.js';
import { ExpectationError, expectationFor, parseExpectations, tagsHold, unmatchedLines } from '../src/report/expectations.js';
import { renderHtml } from '../src/report/html.js';
import { renderJunit } from '../src/report/junit.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { parseReport, stringifyReport, type ReportBackend } from '../src/report/model.js';
import { machineFacts, type MachineFacts } from '../src/machine.js';
import registerFixtures from './fixtures/cli-backends.js';

const BACKENDS = ['reference', 'tfjs-wasm', 'tfjs-tensorflow', 'chromium:tfjs-webgl', 'cli-broken', 'cli-broken-grad'];
const parse = (text: string) => parseExpectations(text, 'exp.txt', '0'.repeat(64), BACKENDS);
const problems = (text: string) => {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof ExpectationError) return e.problems;
    throw e;
  }
  return [];
};

const base = machineFacts();
const machine = (isa: Partial<NonNullable<MachineFacts['cpu']['isa']>>, gpus = 0): MachineFacts => ({
  ...base,
  os: { ...base.os, platform: 'linux' },
  cpu: { ...base.cpu, isa: { avx2: false, avx512f: false, avx512_vnni: false, avx512_bf16: false, amx_tile: false, amx_int8: false, amx_bf16: false, ...isa } },
  gpu: { ...base.gpu, devices: Array.from({ length: gpus }, () => ({ name: 'NVIDIA H100', driver: '550' })) },
});
const backend = (name: string, settings?: Record<string, string>): ReportBackend => ({ name, available: true, required: false, ...(settings ? { settings } : {}) });

describe('expectations files', () => {
  it('parses tagged and untagged lines, comments and blank lines', () => {
    const set = parse(
      ['# known failures', '', '[ tfjs-tensorflow avx512 onednn-on ] conv/2d-* [ Failure ]  # https://example.org/issues/12', 'softmax [ Skip ] # too slow here'].join('\n'),
    );
    expect(set.lines).to.deep.equal([
      { line: 3, tags: ['tfjs-tensorflow', 'avx512', 'onednn-on'], pattern: 'conv/2d-*', result: 'Failure', reason: 'https://example.org/issues/12' },
      { line: 4, tags: [], pattern: 'softmax', result: 'Skip', reason: 'too slow here' },
    ]);
  });

  it('names the line of each error: unknown tag, no reason, bad result word, bad shape', () => {
    const found = problems(['[ avx9 ] relu [ Failure ] # x', 'relu [ Failure ]', 'relu [ Flaky ] # x', 'relu Failure # x', '[ tfjs-* ] relu [ Skip ] # prefix ok'].join('\n'));
    expect(found).to.have.length(4);
    expect(found[0]).to.match(/^exp\.txt:1: unknown tag 'avx9'/);
    expect(found[1]).to.match(/^exp\.txt:2: no reason/);
    expect(found[2]).to.match(/^exp\.txt:3: expected result must be Failure or Skip, not 'Flaky'/);
    expect(found[3]).to.match(/^exp\.txt:4: not `\[ tags \]/);
  });

  it('reads a Keras version tag, keras-<version>, of a supported version only', () => {
    const [line] = parse('[ keras-3.15.1 cli-broken ] relu [ Failure ] # changed in 3.15').lines;
    expect(line.tags).to.deep.equal(['keras-3.15.1', 'cli-broken']);
    expect(problems('[ keras-3.7.0 ] relu [ Failure ] # x')[0]).to.match(/^exp\.txt:1: unknown tag 'keras-3\.7\.0' \(tags: .*keras-3\.6\.0, keras-3\.15\.1, or a backend name\)/);
  });

  it('applies a tagged line to its Keras version\'s cases only, an untagged one to every version\'s', () => {
    const set = parse(['[ keras-3.15.1 ] relu/f32-7 [ Failure ] # newer only', 'relu/* [ Failure ] # every version'].join('\n'));
    const m = machine({});
    const ref = backend('reference');
    expect(expectationFor(set, { id: 'relu/f32-7', op: 'relu', keras: '3.15.1' }, ref, m)?.line).to.equal(1);
    expect(expectationFor(set, { id: 'relu/f32-7', op: 'relu', keras: '3.6.0' }, ref, m)?.line).to.equal(2);
    expect(expectationFor(set, { id: 'relu/f32-7', op: 'relu' }, ref, m)?.line).to.equal(2);
    expect(tagsHold(set.lines[0], ref, m, '3.6.0')).to.equal(false);
    expect(tagsHold(set.lines[0], ref, m)).to.equal(true);
    // A line of a version the run did not cover is for other jobs, not unmatched.
    expect(unmatchedLines(set, [{ id: 'relu/f32-7', op: 'relu', keras: '3.6.0' }], [ref], m)).to.deep.equal([]);
    const other = parse('[ keras-3.15.1 ] softmax [ Failure ] # x');
    expect(unmatchedLines(other, [{ id: 'relu/f32-7', op: 'relu', keras: '3.15.1' }], [ref], m).map((e) => e.line)).to.deep.equal([1]);
  });

  it('applies a line only where all its tags hold', () => {
    const [line] = parse('[ tfjs-tensorflow avx512 onednn-on ] conv/2d-* [ Failure ] # why').lines;
    const tf = backend('tfjs-tensorflow', { oneDNN: 'on (TF_ENABLE_ONEDNN_OPTS=1)' });
    expect(tagsHold(line, tf, machine({ avx512f: true }))).to.equal(true);
    expect(tagsHold(line, tf, machine({ avx2: true }))).to.equal(false);
    expect(tagsHold(line, backend('tfjs-tensorflow', { oneDNN: 'off (default)' }), machine({ avx512f: true }))).to.equal(false);
    expect(tagsHold(line, backend('tfjs-wasm'), machine({ avx512f: true }))).to.equal(false);
    const [gpu] = parse('[ nvidia ] relu [ Failure ] # why').lines;
    expect(tagsHold(gpu, backend('reference'), machine({}, 1))).to.equal(true);
    expect(tagsHold(gpu, backend('reference'), machine({}))).to.equal(false);
    const [page] = parse('[ chromium tfjs-webgl ] relu [ Failure ] # why').lines;
    expect(tagsHold(page, backend('chromium:tfjs-webgl'), machine({}))).to.equal(true);
  });

  it('matches a case by id, id prefix or op name; a line for other machines is not unmatched', () => {
    const set = parse(['relu/f32-7 [ Failure ] # a', 'relu/* [ Failure ] # b', 'softmax [ Failure ] # c', 'conv [ Failure ] # d', '[ nvidia ] conv [ Failure ] # e'].join('\n'));
    const m = machine({});
    const ref = backend('reference');
    expect(expectationFor(set, { id: 'relu/f32-7', op: 'relu' }, ref, m)?.line).to.equal(1);
    expect(expectationFor(set, { id: 'relu/f32-8', op: 'relu' }, ref, m)?.line).to.equal(2);
    expect(expectationFor(set, { id: 'softmax/axis0', op: 'softmax' }, ref, m)?.line).to.equal(3);
    const cases = [{ id: 'relu/f32-7', op: 'relu' }, { id: 'softmax/axis0', op: 'softmax' }];
    expect(unmatchedLines(set, cases, [ref], m).map((e) => e.line)).to.deep.equal([4]);
  });

  it('reads grad:<case-or-op> as the gradient cases, and says so for a tag that means gradients', () => {
    const [line] = parse('[ cli-broken-grad ] grad:relu/f32-* [ Failure ] # the gradient is off by one').lines;
    expect(line).to.deep.equal({ line: 1, tags: ['cli-broken-grad'], pattern: 'relu/f32-*', gradient: true, result: 'Failure', reason: 'the gradient is off by one' });
    const found = problems(['grad: [ Failure ] # x', '[ gradient ] relu [ Failure ] # x'].join('\n'));
    expect(found[0]).to.equal("exp.txt:1: no case or op after 'grad:': grad: [ Failure ] # x");
    expect(found[1]).to.match(/^exp\.txt:2: unknown tag 'gradient' \(.*; gradient cases are named grad:<case-or-op>\)/);
  });

  it('keeps forward and gradient lines apart: each names its own part\'s cases only', () => {
    const set = parse(['grad:relu [ Failure ] # gradient', 'relu [ Failure ] # forward', 'grad:softmax/* [ Skip ] # gradient'].join('\n'));
    const m = machine({});
    const ref = backend('reference');
    const relu = { id: 'relu/f32-7', op: 'relu', keras: '3.6.0' };
    expect(expectationFor(set, { ...relu, gradient: true }, ref, m)?.line).to.equal(1);
    expect(expectationFor(set, relu, ref, m)?.line).to.equal(2);
    expect(expectationFor(set, { id: 'softmax/axis0', op: 'softmax', keras: '3.6.0' }, ref, m)).to.equal(undefined);
    // Line 3 names no gradient case of a run that has some; line 2 none of a run of gradient cases alone, which is for other jobs.
    expect(unmatchedLines(set, [relu, { ...relu, gradient: true }], [ref], m).map((e) => e.line)).to.deep.equal([3]);
    expect(unmatchedLines(set, [relu], [ref], m).map((e) => e.line), 'no gradient case ran: gradient lines are for other jobs').to.deep.equal([]);
    expect(unmatchedLines(set, [{ ...relu, gradient: true }], [ref], m).map((e) => e.line)).to.deep.equal([3]);
  });
});

/**
 * Inside a describe: the fixture backends registered, `file` writing an expectations file in a folder
 * removed afterwards, and `run` running relu silently on the broken fixture and the reference.
 */
function expectationsRun(broken: string) {
  before(() => registerFixtures({ registerBackend }));
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'kp-expectations-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (text: string) => {
    const path = join(dir, `exp-${Math.random().toString(36).slice(2)}.txt`);
    writeFileSync(path, text);
    return path;
  };
  const silent = { write: () => true };
  const run = (options: Parameters<typeof runParity>[0]) =>
    runParity({ out: null, stdout: null, stderr: silent, progress: 'none', ops: ['relu'], backends: [broken, 'reference'], ...options });
  return { file, run };
}

describe('run --expectations', () => {
  const { file, run } = expectationsRun('cli-broken');

  it('a failing case fails the run; the file naming it turns the run green and shows it as expected', async () => {
    const plain = await run({});
    expect(plain.exitCode).to.equal(1);
    const results = plain.report.results!.filter((r) => r.backend === 'cli-broken' && r.status === 'failed');
    // An untagged line names the case in every Keras version.
    const failing = [...new Set(results.map((r) => r.id))];
    expect(failing).to.not.be.empty;

    const path = file(failing.map((id) => `[ cli-broken ] ${id} [ Failure ]  # relu is off by one on cli-broken (fixture)\n`).join(''));
    const { exitCode, report } = await run({ expectations: path });
    expect(exitCode).to.equal(0);
    expect(report.summary).to.deep.include({ failed: 0, expectedFailures: results.length, ok: true });
    const r = report.results!.find((x) => x.id === failing[0] && x.backend === 'cli-broken')!;
    expect(r).to.deep.include({ status: 'expected-failure', expectation: { line: 1, reason: 'relu is off by one on cli-broken (fixture)' } });
    expect(report.expectations).to.deep.include({ file: path, unexpectedPasses: [] });
    expect(report.expectations!.sha256).to.match(/^[0-9a-f]{64}$/);
    expect(renderMarkdown(report)).to.include('## Expectations').and.to.include('expected failure');
    expect(renderJunit(report)).to.include('message="expected failure: relu is off by one on cli-broken (fixture)"');
  });

  it('a passing case a Failure line names is an unexpected pass: reported, and red under --strict-expectations', async () => {
    const path = file(`[ reference ] relu [ Failure ]  # wrongly thought broken\n[ cli-broken ] relu [ Failure ] # fixture\n`);
    const lenient = await run({ expectations: path });
    expect(lenient.exitCode).to.equal(0);
    const passes = lenient.report.expectations!.unexpectedPasses.filter((p) => p.backend === 'reference');
    expect(passes).to.not.be.empty;
    expect(passes[0]).to.deep.include({ backend: 'reference', expectation: { line: 1, reason: 'wrongly thought broken' } });
    expect(renderMarkdown(lenient.report)).to.include('**unexpected pass**');
    expect(renderJunit(lenient.report)).to.include('name="unexpected-pass"');
    const strict = await run({ expectations: path, strictExpectations: true });
    expect(strict.exitCode).to.equal(1);
  });

  it('a line tagged keras-3.15.1 foresees the failures of that version only', async () => {
    const path = file(`[ cli-broken keras-3.15.1 ] relu [ Failure ]  # fixture, newer goldens only\n`);
    const { exitCode, report } = await run({ expectations: path });
    expect(exitCode).to.equal(1);
    const broken = report.results!.filter((r) => r.backend === 'cli-broken' && r.status !== 'passed');
    expect(new Set(broken.filter((r) => r.status === 'expected-failure').map((r) => r.keras))).to.deep.equal(new Set(['3.15.1']));
    expect(new Set(broken.filter((r) => r.status === 'failed').map((r) => r.keras))).to.deep.equal(new Set(['3.6.0']));
    const md = renderMarkdown(report);
    expect(md).to.include('on `cli-broken`, Keras 3.15.1 (line 1: fixture, newer goldens only)');
    const seedOnly = await run({ expectations: path, keras: ['3.6.0'] });
    expect(seedOnly.exitCode, 'a line of a version not run is no error').to.equal(1);
    expect(seedOnly.report.summary.expectedFailures ?? 0).to.equal(0);
  });

  it('a Skip line leaves the case out with its reason', async () => {
    const path = file(`[ cli-broken ] relu [ Skip ]  # skipped on cli-broken\n`);
    const { exitCode, report } = await run({ expectations: path });
    expect(exitCode).to.equal(0);
    const r = report.results!.find((x) => x.backend === 'cli-broken')!;
    expect(r).to.deep.include({ status: 'excluded', reason: 'skipped on cli-broken', ms: 0 });
  });

  it('a line that names nothing of the run, or a bad file, is a usage error naming the line', async () => {
    const path = file(`relu [ Failure ] # fixture\nsoftmax [ Failure ] # not in --op relu\n[ nvidia ] softmax [ Failure ] # other machines\n`);
    const unmatched = await run({ expectations: path, backends: ['reference'] }).catch((e: unknown) => e);
    if (machineFacts().gpu.devices.length === 0) {
      expect(unmatched).to.be.instanceOf(UsageError);
      expect((unmatched as Error).message).to.include(`${path}:2: 'softmax' names no case`).and.not.include(`${path}:3`);
    }
    const bad = await run({ expectations: file('relu [ Failure ]\n') }).catch((e: unknown) => e);
    expect(bad).to.be.instanceOf(UsageError);
    expect((bad as Error).message).to.include(':1: no reason');
    expect(readFileSync(path, 'utf8')).to.include('softmax');
  });
});

describe('run --expectations on gradient cases', () => {
  // cli-broken-grad: relu right, its gradient off by one (spec/fixtures/cli-backends.ts).
  const { file, run } = expectationsRun('cli-broken-grad');
  const BROKEN = "[ cli-broken-grad ] grad:relu [ Failure ]  # relu's gradient is off by one on cli-broken-grad (fixture)\n";
  const onBroken = (r: { backend: string }) => r.backend === 'cli-broken-grad';

  it('a grad: line foresees the gradient failures: the run passes, and every output shows them as expected', async () => {
    const plain = await run({});
    expect(plain.exitCode).to.equal(1);
    const failing = plain.report.gradient!.results.filter((r) => onBroken(r) && r.status === 'failed');
    expect(failing).to.not.be.empty;
    expect(plain.report.summary.failed, 'the forward relu of cli-broken-grad is right').to.equal(0);

    const { exitCode, report } = await run({ expectations: file(BROKEN) });
    expect(exitCode).to.equal(0);
    expect(report.summary.ok).to.equal(true);
    expect(report.gradient!.summary).to.deep.include({ failed: 0, expectedFailures: failing.length });
    const reason = "relu's gradient is off by one on cli-broken-grad (fixture)";
    const first = report.gradient!.results.find((r) => r.id === failing[0].id && r.keras === failing[0].keras && onBroken(r))!;
    expect(first).to.deep.include({ status: 'expected-failure', expectation: { line: 1, reason } });
    // The forward cases are not the line's: they pass, with no expectation and no unexpected pass. The
    // line's gradient cases that pass all the same (an empty relu/f32-0x3 has no value to be off) are.
    expect(report.results!.filter(onBroken).every((r) => r.status === 'passed' && !r.expectation)).to.equal(true);
    const passing = plain.report.gradient!.results.filter((r) => onBroken(r) && r.status === 'passed');
    const passes = report.expectations!.unexpectedPasses;
    expect(passes.map((p) => `${p.keras} ${p.id} ${p.gradient}`)).to.deep.equal(passing.map((r) => `${r.keras} ${r.id} true`));
    expect(parseReport(stringifyReport(report)).gradient!.results).to.deep.equal(report.gradient!.results);

    expect(renderMarkdown(report)).to.include(`- expected failure: \`${first.id}\` (gradient) on \`cli-broken-grad\`, Keras ${first.keras} (line 1: ${reason})`);
    const name = `${first.id} [Keras ${first.keras}] (gradient)`.replace(/[[\]().]/g, '\\$&');
    expect(renderJunit(report)).to.match(new RegExp(`name="${name}" time="[\\d.]+">\\s*<skipped message="expected failure: relu&#39;s gradient is off by one`));
    const html = renderHtml(report);
    expect(html.slice(html.indexOf('id="gradient-case-list"'))).to.include('<span class="tag expected-failure">expected-failure</span>');
    const terminal = summaryTable(report, false);
    expect(terminal).to.match(new RegExp(`gradients: \\d+ passed, 0 failed, ${failing.length} expected failures?,`));
    const seed = failing.filter((r) => r.keras === '3.6.0').length;
    expect(terminal).to.match(new RegExp(`^Keras 3\\.6\\.0 gradients\\n.*\\nrelu +\\d+/0/0 \\(${seed} expected\\)`, 'm'));
  });

  it('a forward line does not foresee a gradient failure: the run still fails, and its forward cases pass unexpectedly', async () => {
    const { exitCode, report } = await run({ expectations: file('[ cli-broken-grad ] relu [ Failure ]  # forward only\n') });
    expect(exitCode).to.equal(1);
    expect(report.gradient!.summary.expectedFailures ?? 0).to.equal(0);
    const passes = report.expectations!.unexpectedPasses;
    expect(passes).to.have.length(report.results!.filter(onBroken).length);
    expect(passes.every((p) => p.gradient === undefined)).to.equal(true);
  });

  it('a gradient that passes where a grad: line expects a failure is an unexpected pass, named (gradient), red under --strict-expectations', async () => {
    const path = file(`${BROKEN}[ reference ] grad:relu [ Failure ]  # wrongly thought broken\n`);
    const lenient = await run({ expectations: path });
    expect(lenient.exitCode).to.equal(0);
    const passes = lenient.report.expectations!.unexpectedPasses.filter((p) => p.backend === 'reference');
    const passed = lenient.report.gradient!.results.filter((r) => r.backend === 'reference' && r.status === 'passed');
    expect(passes).to.have.length(passed.length).and.not.be.empty;
    expect(passes[0]).to.deep.include({ backend: 'reference', gradient: true, expectation: { line: 2, reason: 'wrongly thought broken' } });
    const text = `${passes[0].id} (gradient) on reference, Keras ${passes[0].keras}: passed, but line 2 of the expectations expects a failure (wrongly thought broken)`;
    expect(renderMarkdown(lenient.report)).to.include(`- **unexpected pass**: ${text}`);
    expect(renderJunit(lenient.report)).to.include(`<property name="unexpected-pass" value="${text}"/>`);
    expect(summaryTable(lenient.report, false)).to.include(`unexpected pass: ${text}`);
    const schema = JSON.parse(readFileSync(new URL('../docs/report.schema.json', import.meta.url), 'utf8')) as object;
    const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
    expect(validate(JSON.parse(stringifyReport(lenient.report))), JSON.stringify(validate.errors)).to.equal(true);
    const strict = await run({ expectations: path, strictExpectations: true });
    expect(strict.exitCode).to.equal(1);
  });

  it('a grad: Skip line leaves the gradient cases out, not the forward ones', async () => {
    const { exitCode, report } = await run({ expectations: file('[ cli-broken-grad ] grad:relu [ Skip ]  # skipped gradients\n') });
    expect(exitCode).to.equal(0);
    expect(report.gradient!.results.filter(onBroken).every((r) => r.status === 'excluded' && r.reason === 'skipped gradients')).to.equal(true);
    expect(report.results!.filter(onBroken).every((r) => r.status === 'passed')).to.equal(true);
  });

  it('every shard accepts a grad: line of one case, and the shard that runs the case expects its failure', async () => {
    const plain = await run({ keras: ['3.6.0'] });
    const id = plain.report.gradient!.results.find((r) => onBroken(r) && r.status === 'failed')!.id;
    const path = file(`[ cli-broken-grad ] grad:${id} [ Failure ]  # one case\n`);
    // One after the other: a run sets the process's active backend.
    const shards = [await run({ keras: ['3.6.0'], expectations: path, shard: { index: 1, count: 2 } })];
    shards.push(await run({ keras: ['3.6.0'], expectations: path, shard: { index: 2, count: 2 } }));
    const expected = shards.map((r) => r.report.gradient!.results.filter((x) => x.status === 'expected-failure').map((x) => x.id));
    expect(expected.flat()).to.deep.equal([id]);
  });

  it('a grad: line that names nothing of the run is a usage error naming it as written, but not in a run without gradients', async () => {
    const path = file(`${BROKEN}grad:softmax [ Failure ]  # not in --op relu\n`);
    const unmatched = await run({ expectations: path }).catch((e: unknown) => e);
    expect(unmatched).to.be.instanceOf(UsageError);
    expect((unmatched as Error).message).to.include(`${path}:2: 'grad:softmax' names no case`).and.not.include(`${path}:1`);
    const forwardOnly = await run({ expectations: path, grad: false });
    expect(forwardOnly.exitCode).to.equal(0);
    expect(forwardOnly.report.gradient).to.equal(undefined);
  });
});
