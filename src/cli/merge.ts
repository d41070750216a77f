/// <reference types="node" />
/**
 * `keras-parity merge A.json B.json ... --out DIR`: the reports of several machines as one report.json,
 * report.md and report.html whose columns are machine x backend (src/report/merge.ts), with where the
 * machines disagree (on a case, or on its gradients); JUnit XML on request.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { plural } from '../format.js';
import { renderJunit } from '../report/junit.js';
import { MergeError, machineDisagreements, mergeReports } from '../report/merge.js';
import { parseReport, type ParityReport } from '../report/model.js';
import { UsageError, type CommandSpec } from './args.js';
import { shortPath } from './paths.js';
import { paint, useColor, type Output } from './progress.js';
import { summaryTable } from './summary.js';
import { writeReport } from './write.js';

export const MERGE: CommandSpec = {
  name: 'merge',
  brief: 'merges report.json files of several machines into one report, columns machine x backend',
  summary:
    'keras-parity merge A.json B.json ... [options]\n\n' +
    'Merges the report.json of runs on several machines (each with its own `run --label`) into one report\n' +
    'whose columns are `label · backend`, and lists the cases where machines disagree on the same backend\n' +
    '(forward results, and gradients through ops.vjp, each marked).\n' +
    'Shards of one run (the same label, different cases) merge back into one column.',
  options: [
    { name: 'out', value: 'DIR', help: 'folder for the merged report.json, report.md and report.html (default: parity-report)' },
    { name: 'junit', value: 'FILE', help: 'also write JUnit XML of the merged report: a testsuite per machine and backend' },
    { name: 'allow-mixed-goldens', help: 'merge reports of different golden sets (refused otherwise)' },
  ],
  details: [
    'Examples:',
    '  keras-parity merge ci-amd/report.json gpu-runner/report.json --out merged',
    '  keras-parity merge shard-*/report.json --out all --junit all.xml',
    '',
    'Exit status: 0 every merged run passed, 1 one of them failed (a case, a required backend), 2 a usage',
    'error, a report that cannot be read, or reports that cannot be merged (different golden sets without',
    '--allow-mixed-goldens, the same case twice under one label).',
  ].join('\n'),
};

export interface MergeCommandOptions {
  files: readonly string[];
  out?: string;
  junit?: string;
  allowMixedGoldens?: boolean;
  command: string;
  argv: readonly string[];
}

export function mergeCommand(options: MergeCommandOptions, stdout: Output, stderr: Output): number {
  if (options.files.length < 2) throw new UsageError('merge: give two or more report.json files', 'merge');
  const inputs = options.files.map((file) => ({ file, report: readReportFile(file, 'merge') }));
  let report: ParityReport;
  try {
    report = mergeReports(inputs, { allowMixedGoldens: options.allowMixedGoldens, command: options.command, argv: options.argv });
  } catch (e) {
    if (!(e instanceof MergeError)) throw e;
    stderr.write(`${paint(useColor(stderr), 'red', 'keras-parity')}: merge: ${e.message}\n`);
    return 2;
  }
  stdout.write(summaryTable(report, useColor(stdout)));
  stdout.write(`${disagreementLine(report)}\n`);
  const files = writeReport(report, resolve(options.out ?? 'parity-report'));
  if (options.junit) files.push(writeText(resolve(options.junit), renderJunit(report)));
  stdout.write(`Wrote ${files.map(shortPath).join(', ')}\n`);
  return report.summary.ok ? 0 : 1;
}

/** `Machines disagree on 2 cases and 1 gradient case (...)`, or that they agree. */
function disagreementLine(report: ParityReport): string {
  const list = machineDisagreements(report);
  const gradients = list.filter((d) => d.gradient).length;
  const counts = ([[list.length - gradients, 'case'], [gradients, 'gradient case']] as const).filter(([n]) => n > 0).map(([n, noun]) => plural(n, noun));
  const machines = plural(report.sources?.length ?? 1, 'report');
  return list.length
    ? `Machines disagree on ${counts.join(' and ')} (report.md, "Where machines disagree"); merged ${machines}.`
    : `Merged ${machines}; the machines agree on every case they share, gradients too.`;
}

/** A report.json, or a UsageError saying why it cannot be read (exit 2). */
export function readReportFile(file: string, command: string): ParityReport {
  try {
    return parseReport(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`${command}: cannot read ${file}: ${(e as Error).message}`, command);
  }
}

function writeText(path: string, text: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}
