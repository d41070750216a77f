/**
 * A report's results as JUnit XML, for the test views of CI systems: a testsuite per backend and Keras
 * version (named `label · backend · Keras 3.15.1`), a testcase per golden case (classname the op, name the
 * case id and its version, `relu/f32-7 [Keras 3.15.1]`: ids repeat across versions; a gradient case of
 * `report.gradient` the same with ` (gradient)` after it, in the same suite). Failed cases carry
 * a <failure> naming the case and its measured error, runner breakdowns an <error>, excluded, unsupported
 * and expected failures (`run --expectations`) a <skipped> with the reason. The shape validates against the Windy Road JUnit.xsd with
 * Jenkins's <skipped> (spec/fixtures/junit.xsd), the strictest of the common readers' schemas.
 */
import { unexpectedPassText } from './cell.js';
import { esc } from './escape.js';
import { caseText, everyResult, type AnyResult } from './gradient.js';
import { formatMeasure, formatUlp } from './measure.js';
import type { ParityReport, ReportResult } from './model.js';
import { kerasTitle } from './versions.js';

/** The JUnit XML of a report; a report without per-case results (format 1) gives suites without cases. */
export function renderJunit(report: ParityReport): string {
  const results = everyResult(report);
  const cells = [...report.cells, ...(report.gradient?.cells ?? [])];
  const label = report.label ?? 'keras-parity';
  // Only where the version ran on the backend: in a merged report, a machine may have run fewer versions.
  const ran = (p: Place) => cells.some((c) => c.backend === p.backend && c.keras === p.keras);
  const places = report.backends.filter((b) => b.available).flatMap((b) => report.kerasVersions.map((keras) => ({ keras, backend: b.name })));
  const suites = places.filter(ran).map((place, id) =>
    suite(report, label, place, id, results.filter((r) => r.backend === place.backend && r.keras === place.keras)),
  );
  const totals = counts(results);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="keras-parity" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" ` +
      `skipped="${totals.skipped}" time="${seconds(totals.ms)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

/** Where a suite's cases ran: a backend (a merged report's column) and the Keras version of their goldens. */
interface Place {
  keras: string;
  backend: string;
}

function suite(report: ParityReport, label: string, place: Place, id: number, results: AnyResult[]): string {
  const c = counts(results);
  const { keras, backend } = place;
  const attributes = {
    // A merged report's columns already read `label · backend`.
    name: `${report.sources ? backend : `${label} · ${backend}`} · ${kerasTitle(keras)}`,
    package: 'keras-parity',
    id: String(id),
    // The schema's timestamp has neither fractions nor a zone; generatedAt is UTC.
    timestamp: report.generatedAt.slice(0, 19),
    hostname: label,
    tests: String(c.tests),
    failures: String(c.failures),
    errors: String(c.errors),
    skipped: String(c.skipped),
    time: seconds(c.ms),
  };
  return [
    `  <testsuite ${attributesText(attributes)}>`,
    `    <properties>${properties(report, place)}</properties>`,
    ...results.map(testcase),
    '    <system-out/>',
    '    <system-err/>',
    '  </testsuite>',
  ].join('\n');
}

/**
 * What tells this suite's numbers apart from another machine's: the backend's device and settings, the
 * Keras version and its golden set.
 */
function properties(report: ParityReport, { keras, backend }: Place): string {
  const b = report.backends.find((x) => x.name === backend);
  const entries: [string, string | undefined][] = [
    ['backend', backend],
    ['device', b?.device],
    ...Object.entries(b?.settings ?? {}).map(([k, v]): [string, string] => [`setting.${k}`, v]),
    ['keras', keras],
    ['golden.manifestSha256', report.golden?.sets.find((s) => s.keras === keras)?.manifestSha256],
    ['golden.gradient.manifestSha256', report.gradient?.sets.find((s) => s.keras === keras)?.manifestSha256],
    ['command', report.command],
    // A passing testcase has no element for it; the suite's properties carry the unexpected passes.
    ...(report.expectations?.unexpectedPasses ?? [])
      .filter((p) => p.backend === backend && p.keras === keras)
      .map((p): [string, string] => ['unexpected-pass', unexpectedPassText(p)]),
  ];
  return entries
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([name, value]) => `<property ${attributesText({ name, value })}/>`)
    .join('');
}

function testcase(r: AnyResult): string {
  const open = `    <testcase ${attributesText({ classname: r.op, name: caseName(r), time: seconds(r.ms) })}`;
  const reason = r.reason ?? '';
  switch (r.status) {
    case 'passed':
      return `${open}/>`;
    case 'failed':
      return `${open}>\n      <failure ${attributesText({ message: failureMessage(r), type: 'mismatch' })}>${xmlText(reason)}</failure>\n    </testcase>`;
    case 'expected-failure':
      return `${open}>\n      <skipped ${attributesText({ message: `expected failure: ${r.expectation?.reason ?? firstLine(reason)}` })}/>\n    </testcase>`;
    case 'error':
      return `${open}>\n      <error ${attributesText({ message: `${caseName(r)}: ${firstLine(reason)}`, type: 'runner' })}>${xmlText(reason)}</error>\n    </testcase>`;
    default:
      return `${open}>\n      <skipped ${attributesText({ message: `${r.status}: ${firstLine(reason)}` })}/>\n    </testcase>`;
  }
}

/**
 * `relu/f32-7 [Keras 3.15.1]`, `relu/f32-7 [Keras 3.15.1] (gradient)`: CI test views key cases by classname
 * and name, and ids repeat across versions and between a case and its gradient.
 */
function caseName(r: AnyResult): string {
  return caseText({ id: `${r.id} [${kerasTitle(r.keras)}]`, gradient: r.gradient });
}

/** `conv/2d-same-s2 [Keras 3.6.0]: max abs 0.0123, max rel 0.002, max ULP 81234 (tolerance default): <why>`. */
function failureMessage(r: AnyResult): string {
  const measured = r.maxAbs === undefined ? 'no error measured' : measures(r);
  const tolerance = r.tolerance ? ` (tolerance ${r.tolerance.source})` : '';
  return `${caseName(r)}: ${measured}${tolerance}: ${firstLine(r.reason ?? '')}`;
}

function measures(r: ReportResult): string {
  const ulp = r.maxUlp === undefined ? '' : `, max ULP ${formatUlp(r.maxUlp)}`;
  return `max abs ${formatMeasure(r.maxAbs!)}, max rel ${formatMeasure(r.maxRel ?? NaN)}${ulp}`;
}

function counts(results: readonly ReportResult[]) {
  const of = (...statuses: string[]) => results.filter((r) => statuses.includes(r.status)).length;
  return {
    tests: results.length,
    failures: of('failed'),
    errors: of('error'),
    skipped: of('excluded', 'unsupported', 'expected-failure'),
    ms: results.reduce((t, r) => t + r.ms, 0),
  };
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}

/** XML attributes; line breaks and tabs as references, so that an attribute's normalisation keeps them. */
function attributesText(attributes: Record<string, string>): string {
  return Object.entries(attributes)
    .map(([k, v]) => `${k}="${xmlText(v).replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;')}"`)
    .join(' ');
}

/**
 * Escaped text. XML 1.0 has no form for most control characters, even as references, and a failure text
 * may hold one: they become U+FFFD.
 */
function xmlText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return esc(text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD'));
}
