/// <reference types="node" />
/**
 * `keras-parity backends`: every registered backend, whether it starts here, its device or why not; then
 * each supported Keras version: its ops, its golden set and whether its live Keras can run here.
 */
import { listBackends, type BackendInfo } from '../backend/registry.js';
import { chromiumMissing } from '../browser/node/chromium.js';
import { openBrowserBackends } from '../browser/node/remote.js';
import { PAGE_BACKENDS, inChromium } from '../browser/node/session.js';
import { machineLines, settingText } from '../machine-text.js';
import { machineFacts, type MachineFacts } from '../machine.js';
import { KERAS_VERSIONS, type KerasVersion } from '../keras-versions.js';
import { publicNamesAt } from '../ops/table.js';
import { ORACLE_REQUIREMENTS } from '../fuzz/oracle.js';
import { preparePython } from '../python/env.js';
import { opsOf, readManifest } from '../golden/loader.js';
import { directorySource, goldenSetDirs } from '../golden/node.js';
import { kerasOption, type CommandSpec } from './args.js';
import { defaultGoldenDir, shortPath } from './paths.js';
import { paint, routeConsole, useColor, type Output } from './progress.js';

export const BACKENDS: CommandSpec = {
  name: 'backends',
  brief: 'lists every backend, available or not and why, and its device',
  summary:
    'Lists every backend: whether it can start on this machine, the device it computes on, or in one line\n' +
    'why it is unavailable and what fixes it (each backend is started to find out; the chromium: ones in\n' +
    'headless Chromium). Above the table, what changes numbers on this machine: the CPU and its ISA\n' +
    'features, cores, GPU, driver, CUDA libraries and the variables that set kernels and threads; under a\n' +
    'backend, one line per setting of it that changes numbers (oneDNN on tfjs-tensorflow).',
  options: [
    {
      name: 'json',
      help: 'print JSON: {machine, backends: [{name, available, device?, reason?, settings?}], keras: [{version, names, golden?, python}]}',
    },
    kerasOption('every supported version'),
  ],
  details: [
    '--json prints an object, so that the machine facts sit beside the backends; a script that read the',
    'bare list earlier versions printed reads .backends (jq .backends).',
    '',
    'Exit status: 0 (an unavailable backend is information here; `run --require` makes it a failure).',
  ].join('\n'),
};

export async function backendsCommand(json: boolean, stdout: Output = process.stdout, keras: readonly KerasVersion[] = KERAS_VERSIONS): Promise<number> {
  const infos = [...(await routeConsole(undefined, () => listBackends())), ...(await chromiumBackends())];
  const machine = machineFacts();
  const versions = await Promise.all(keras.map(versionInfo));
  stdout.write(
    json
      ? `${JSON.stringify({ machine, backends: infos, keras: versions }, null, 2)}\n`
      : `${backendsText(machine, infos, useColor(stdout))}\n${versionsText(versions, useColor(stdout))}`,
  );
  return 0;
}

/** One supported Keras version as this installation has it. */
export interface VersionInfo {
  version: KerasVersion;
  /** Its public names in keras.ops.nn (ops and aliases). */
  names: number;
  /** Its golden set: the folder and its case count; absent when there is none. */
  golden?: { dir: string; files: number };
  /** The Python of its live Keras (the fuzzer's oracle, `keras-parity golden`), or why it cannot run. */
  python: { path: string; ready: true } | { ready: false; problem: string };
}

async function versionInfo(version: KerasVersion): Promise<VersionInfo> {
  const set = goldenSetDirs(defaultGoldenDir()).find((s) => s.keras === version);
  const ready = await preparePython(undefined, ORACLE_REQUIREMENTS, version);
  return {
    version,
    names: publicNamesAt(version).length,
    ...(set ? { golden: { dir: shortPath(set.dir), files: opFiles(set.dir) } } : {}),
    python: 'problem' in ready ? { ready: false, problem: ready.problem.join(' ') } : { path: shortPath(ready.python), ready: true },
  };
}

function opFiles(dir: string): number {
  return opsOf(readManifest(directorySource(dir))).length;
}

/** `Keras 3.15.1: 55 names, goldens golden/keras-3.15.1 (53 ops), live Keras .venv/keras-3.15.1/bin/python`. */
export function versionsText(versions: readonly VersionInfo[], color: boolean): string {
  const lines = versions.map((v) => {
    const golden = v.golden ? `goldens ${v.golden.dir} (${v.golden.files} ops)` : paint(color, 'yellow', 'no golden set');
    const live = v.python.ready ? `live Keras ${v.python.path}` : paint(color, 'yellow', `no live Keras: ${v.python.problem}`);
    return `Keras ${v.version}: ${v.names} names, ${golden}, ${live}`;
  });
  return `${lines.join('\n')}\n`;
}

/** The machine header, a blank line, then the table. */
export function backendsText(machine: MachineFacts, infos: BackendInfo[], color: boolean): string {
  return `${machineHeader(machine, infos)}\n${backendsTable(infos, color)}`;
}

/** `CPU: AMD EPYC (avx2 yes, ...), 2 logical cores`, GPU, CUDA libraries, variables, and Chromium when it started. */
export function machineHeader(machine: MachineFacts, infos: BackendInfo[]): string {
  // The page backends' devices end with the browser's version: `..., in headless Chromium 156.0.8078.108`.
  const chromium = infos.map((b) => /in headless Chromium ([\d.]+)/.exec(b.device ?? '')?.[1]).find(Boolean);
  const lines = [...machineLines(machine), ...(chromium ? [['Chromium', chromium]] : [])];
  return lines.map(([k, v]) => `${k}: ${v}\n`).join('');
}

export function backendsTable(infos: BackendInfo[], color: boolean): string {
  const width = Math.max(...infos.map((b) => b.name.length));
  const indent = ' '.repeat(width + 2);
  const lines = infos.flatMap((b) => {
    const status = b.available ? paint(color, 'green', 'available  ') : paint(color, 'yellow', 'unavailable');
    const row = `${b.name.padEnd(width)}  ${status}  ${b.available ? (b.device ?? '') : (b.reason ?? 'no reason given')}`;
    return [row, ...Object.entries(b.settings ?? {}).map(([k, v]) => `${indent}${settingText(k, v)}`)];
  });
  return `${lines.join('\n')}\n`;
}

/**
 * The page backends (chromium:tfjs-webgl, ...), each started in headless Chromium to find out. Their pages
 * load no goldens: starting a backend needs none, and a golden set that cannot load would list it as unavailable.
 */
async function chromiumBackends(): Promise<BackendInfo[]> {
  const missing = chromiumMissing();
  if (missing) return PAGE_BACKENDS.map((n) => ({ name: inChromium(n), available: false, reason: missing }));
  const browser = await openBrowserBackends(PAGE_BACKENDS, {});
  try {
    return browser.backends.map((b) => b.info);
  } finally {
    await browser.close();
  }
}
