/**
 * report.json is a versioned record: a real report (runParity in-process) validates against
 * docs/report.schema.json with Ajv, the schema rejects a report missing a required field or of another
 * format, docs/report-format.md names every field, and reports of format 1 still parse and render.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'chai';
import { renderHtml } from '../src/report/html.js';
import { renderMarkdown } from '../src/report/markdown.js';
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

  it('holds the label, the argv, the versions, the golden set and a result per case and backend', () => {
    expect(report.format).to.equal(REPORT_FORMAT);
    expect(report.label).to.equal(RECORD_LABEL);
    expect(report.argv).to.deep.equal(['run', '--label', RECORD_LABEL]);
    expect(report.golden!.manifestSha256).to.match(/^[0-9a-f]{64}$/);
    const own = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(report.environment.kerasParity).to.equal(own.version);
    expect(report.environment.keras.keras).to.equal('3.6.0');
    const perCell = report.cells.reduce((n, c) => n + c.passed + c.failed + c.excluded + c.unsupported, 0);
    expect(report.results).to.have.length(perCell);
    expect(new Set(report.results!.map((r) => r.backend))).to.deep.equal(new Set(RECORD_BACKENDS));
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

  it('rejects a result without its status, and a report of another format', () => {
    const json = asWritten(report) as { results: Record<string, unknown>[]; format: unknown };
    delete json.results[0].status;
    expect(problems(json)).to.include("/results/0 must have required property 'status'");
    expect(problems({ ...asWritten(report), format: 1 })).to.include('/format must be equal to constant');
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

describe('report.json of format 1 (before the record)', () => {
  /** The real report as format 1 wrote it: no label, argv, golden, results nor keras-parity version. */
  async function formatOne(): Promise<string> {
    const { report } = await recordRun();
    const { label: _label, argv: _argv, golden: _golden, results: _results, ...rest } = report;
    const { kerasParity: _version, ...environment } = report.environment;
    return stringifyReport({ ...rest, format: 1, environment });
  }

  it('still parses and renders', async () => {
    const old = parseReport(await formatOne());
    expect(old.format).to.equal(1);
    expect(renderMarkdown(old)).to.include('# keras-parity report').and.not.to.include('machine label');
    expect(renderHtml(old)).to.include('id="environment"').and.not.to.include('machine label');
  });

  it('is told apart from an unknown format', () => {
    expect(() => parseReport('{"format": "keras-parity-report/99"}')).to.throw(/format "keras-parity-report\/99"/);
  });
});
