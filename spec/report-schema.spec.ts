/**
 * report.json is a versioned record: a real report (runParity in-process, every Keras version with
 * goldens) validates against docs/report.schema.json with Ajv, the schema rejects a report missing a
 * required field or of another format, docs/report-format.md names every field, and reports of formats 2
 * and 1 still parse (as Keras 3.6.0), render and compare.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'chai';
import { goldenSetDirs } from '../src/golden/node.js';
import { defaultGoldenDir } from '../src/cli/paths.js';
import { compareReports } from '../src/report/compare.js';
import { renderHtml } from '../src/report/html.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { mergeReports } from '../src/report/merge.js';
import { REPORT_FORMAT, parseReport, stringifyReport, type ParityReport } from '../src/report/model.js';
import { RECORD_BACKENDS, RECORD_LABEL, recordRun } from './fixtures/record-run.js';

const SCHEMA_PATH = fileURLToPath(new URL('../docs/report.schema.json', import.meta.url));
const DOC_PATH = fileURLToPath(new URL('../docs/report-format.md', import.meta.url));

interface Schema {
  required: string[];
  properties: Record<string, unknown>;
  $defs: Record<string, { required?: string[] }>;
}

const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Schema;
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

/** report.json's content as written: what the schema describes (non-finite numbers are strings there). */
const asWritten = (report: ParityReport): Record<string, unknown> => JSON.parse(stringifyReport(report));

function problems(json: unknown): string[] {
  return validate(json) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}

describe('report.json, the run record (docs/report.schema.json)', () => {
  let report: ParityReport;
  before(async function () {
    this.timeout(60_000);
    report = (await recordRun()).report;
  });

  it('a real run validates, with every status it had', () => {
    expect(problems(asWritten(report))).to.deep.equal([]);
    expect(new Set(report.results!.map((r) => r.status))).to.include.members(['passed', 'failed', 'excluded', 'unsupported']);
  });

  it('holds the label, the argv, the versions, the golden sets and a result per case, version and backend', () => {
    expect(report.format).to.equal(REPORT_FORMAT);
    expect(report.label).to.equal(RECORD_LABEL);
    expect(report.argv).to.deep.equal(['run', '--label', RECORD_LABEL]);
    const versions = goldenSetDirs(defaultGoldenDir()).map((s) => s.keras);
    expect(report.kerasVersions).to.deep.equal(versions).and.include('3.6.0');
    expect(report.golden!.manifestSha256).to.match(/^[0-9a-f]{64}$/);
    expect(report.golden!.sets.map((s) => s.keras)).to.deep.equal(versions);
    const seed = readFileSync(new URL('../golden/keras-3.6.0/manifest.json', import.meta.url));
    expect(report.golden!.sets[0].manifestSha256).to.equal(createHash('sha256').update(seed).digest('hex'));
    const own = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(report.environment.kerasParity).to.equal(own.version);
    for (const v of versions) expect(report.environment.keras[v].keras).to.equal(v);
    const perCell = report.cells.reduce((n, c) => n + c.passed + c.failed + c.excluded + c.unsupported, 0);
    expect(report.results).to.have.length(perCell);
    expect(new Set(report.results!.map((r) => r.backend))).to.deep.equal(new Set(RECORD_BACKENDS));
    expect([...new Set(report.results!.map((r) => r.keras))]).to.deep.equal(versions);
    expect([...new Set(report.cells.map((c) => c.keras))]).to.deep.equal(versions);
  });

  it('holds the gradient cases apart, validating: a failed one fails the run, the forward counts stay forward', () => {
    const g = report.gradient!;
    expect(g.sets.map((s) => s.keras)).to.deep.equal(report.kerasVersions);
    for (const s of g.sets) {
      const bytes = readFileSync(new URL(`../golden/grad/keras-${s.keras}/manifest.json`, import.meta.url));
      expect(s.manifestSha256).to.equal(createHash('sha256').update(bytes).digest('hex'));
    }
    const perCell = g.cells.reduce((n, c) => n + c.passed + c.failed + c.excluded + c.unsupported, 0);
    expect(g.results).to.have.length(perCell);
    // cli-broken-grad's relu gradient is off by one, its forward relu right; cli-unsupported refuses relu.
    const relu = (backend: string) => g.results.filter((r) => r.backend === backend && r.op === 'relu');
    const failed = relu('cli-broken-grad').filter((r) => r.status === 'failed');
    // All but the empty case (f32-0x3), whose gradient has no element to be off.
    expect(failed.length).to.be.greaterThan(0).and.equal(relu('cli-broken-grad').filter((r) => !/-0x3$/.test(r.id)).length);
    for (const r of failed) expect(r.maxAbs).to.be.closeTo(1, 1e-6);
    expect(relu('cli-unsupported').every((r) => r.status === 'unsupported')).to.equal(true);
    expect(relu('reference').every((r) => r.status === 'passed')).to.equal(true);
    expect(report.results!.filter((r) => r.backend === 'cli-broken-grad' && r.op === 'relu' && r.status !== 'passed')).to.deep.equal([]);
    expect(g.summary.failed).to.equal(failed.length);
    expect(report.summary.ok).to.equal(false);
    const json = asWritten(report) as { gradient: { cells: Record<string, unknown>[] } };
    json.gradient.cells[0].note = 'no-idea';
    expect(problems(json)).to.include('/gradient/cells/0/note must be equal to one of the allowed values');
  });

  it('names a result by its Keras version and id: the same id once per version and backend', () => {
    const keys = report.results!.map((r) => `${r.keras} ${r.backend} ${r.id}`);
    expect(new Set(keys).size).to.equal(keys.length);
    const ids = report.results!.map((r) => `${r.backend} ${r.id}`);
    expect(new Set(ids).size).to.be.below(ids.length);
  });

  it('records a failure with its measured error, tolerance source and time', () => {
    const failed = report.results!.find((r) => r.status === 'failed')!;
    expect(failed.maxAbs).to.be.greaterThan(0);
    expect(failed).to.include.keys('maxRel', 'maxUlp', 'reason');
    expect(failed.tolerance!.source).to.be.a('string');
    expect(failed.ms).to.be.at.least(0);
  });

  for (const field of schema.required) {
    it(`rejects a report without ${field}`, () => {
      const json = asWritten(report);
      delete json[field];
      expect(problems(json)).to.include(`/ must have required property '${field}'`);
    });
  }

  it('rejects a result without its status or its Keras version, and a report of another format', () => {
    const json = asWritten(report) as { results: Record<string, unknown>[]; cells: Record<string, unknown>[]; format: unknown };
    delete json.results[0].status;
    delete json.results[1].keras;
    delete json.cells[0].keras;
    expect(problems(json)).to.include("/results/0 must have required property 'status'");
    expect(problems(json)).to.include("/results/1 must have required property 'keras'");
    expect(problems(json)).to.include("/cells/0 must have required property 'keras'");
    expect(problems({ ...asWritten(report), format: 1 })).to.include('/format must be equal to constant');
    expect(problems({ ...asWritten(report), format: 'keras-parity-report/2' })).to.include('/format must be equal to constant');
  });

  it('docs/report-format.md names every field of the schema', () => {
    const doc = readFileSync(DOC_PATH, 'utf8');
    const fields = [
      ...Object.keys(schema.properties),
      ...Object.values(schema.$defs).flatMap((d) => Object.keys((d as { properties?: object }).properties ?? {})),
    ];
    expect(fields.filter((f) => !doc.includes(`\`${f}\``))).to.deep.equal([]);
  });
});

/** JSON as report.json has it, whatever the shape: non-finite numbers as strings. */
const asText = (json: object): string => stringifyReport(json as ParityReport);

/** What format 2 wrote of the real report's Keras 3.6.0 part: one golden set, nothing tagged with a version. */
async function formatTwo(): Promise<Record<string, unknown>> {
  const { report } = await recordRun();
  const seed = <T extends { keras: string }>(items: readonly T[]) =>
    items.filter((x) => x.keras === '3.6.0').map(({ keras: _keras, ...rest }) => rest);
  const { kerasVersions: _versions, gradient: _gradient, ...rest } = report;
  return {
    ...rest,
    format: 'keras-parity-report/2',
    golden: { manifestSha256: report.golden!.sets[0].manifestSha256 },
    environment: { ...report.environment, keras: report.environment.keras['3.6.0'] },
    cells: seed(report.cells),
    cases: seed(report.cases),
    results: seed(report.results!),
    kerasDisagreements: seed(report.kerasDisagreements),
  };
}

describe('report.json of format 2 (one Keras version)', () => {
  it('parses as Keras 3.6.0: every record tagged, one golden set, the goldens\' versions under 3.6.0', async () => {
    const old = parseReport(asText(await formatTwo()));
    expect(old.format).to.equal('keras-parity-report/2');
    expect(old.kerasVersions).to.deep.equal(['3.6.0']);
    expect(old.golden!.sets).to.deep.equal([{ keras: '3.6.0', manifestSha256: old.golden!.manifestSha256 }]);
    expect(old.environment.keras['3.6.0'].keras).to.equal('3.6.0');
    for (const list of [old.cells, old.cases, old.results!, old.kerasDisagreements]) expect(list.every((x) => x.keras === '3.6.0')).to.equal(true);
    expect(renderMarkdown(old)).to.include('## Results: Keras 3.6.0').and.not.include('Keras 3.15.1');
  });

  it('compares and merges with a report of this format: the same golden set of 3.6.0, the newer version new', async () => {
    const { report } = await recordRun();
    const old = parseReport(asText(await formatTwo()));
    const forward = compareReports(old, report);
    expect(forward).to.include({ goldenChanged: false, regressions: 0, compared: old.results!.length });
    const back = compareReports(report, old);
    const gone = report.kerasVersions.filter((v) => v !== '3.6.0');
    expect(back.changes.map((c) => [c.kind, c.keras])).to.deep.equal(gone.flatMap((v) => RECORD_BACKENDS.map(() => ['backend-gone', v])));
    const merged = mergeReports([{ report: { ...old, label: 'old-box' }, file: 'old.json' }, { report, file: 'new.json' }]);
    expect(merged.kerasVersions).to.deep.equal(report.kerasVersions);
    expect(problems(asWritten(merged))).to.deep.equal([]);
  });
});

describe('report.json of format 1 (before the record)', () => {
  /** The real report as format 1 wrote it: format 2 without label, argv, golden, results nor keras-parity version. */
  async function formatOne(): Promise<string> {
    const two = await formatTwo();
    const { label: _label, argv: _argv, golden: _golden, results: _results, ...rest } = two;
    const { kerasParity: _version, ...environment } = two.environment as ParityReport['environment'];
    return asText({ ...rest, format: 1, environment });
  }

  it('still parses and renders', async () => {
    const old = parseReport(await formatOne());
    expect(old.format).to.equal(1);
    expect(old.kerasVersions).to.deep.equal(['3.6.0']);
    expect(renderMarkdown(old)).to.include('# keras-parity report').and.not.to.include('machine label');
    expect(renderHtml(old)).to.include('id="environment"').and.not.to.include('machine label');
  });

  it('is told apart from an unknown format', () => {
    expect(() => parseReport('{"format": "keras-parity-report/99"}')).to.throw(/format "keras-parity-report\/99"/);
  });
});
