/// <reference types="node" />
/** `keras-parity backends`: every registered backend, whether it starts here, its device or why not. */
import { listBackends, type BackendInfo } from '../backend/registry.js';
import { chromiumMissing } from '../browser/node/chromium.js';
import { openBrowserBackends } from '../browser/node/remote.js';
import { PAGE_BACKENDS, inChromium } from '../browser/node/session.js';
import type { CommandSpec } from './args.js';
import { defaultGoldenDir } from './paths.js';
import { paint, routeConsole, useColor, type Output } from './progress.js';

export const BACKENDS: CommandSpec = {
  name: 'backends',
  brief: 'lists every backend, available or not and why, and its device',
  summary:
    'Lists every backend: whether it can start on this machine, the device it computes on, or in one line\n' +
    'why it is unavailable and what fixes it (each backend is started to find out; the chromium: ones in\n' +
    'headless Chromium).',
  options: [{ name: 'json', help: 'print JSON: [{name, available, device?, reason?}]' }],
  details: 'Exit status: 0 (an unavailable backend is information here; `run --require` makes it a failure).',
};

export async function backendsCommand(json: boolean, stdout: Output = process.stdout): Promise<number> {
  const infos = [...(await routeConsole(undefined, () => listBackends())), ...(await chromiumBackends())];
  stdout.write(json ? `${JSON.stringify(infos, null, 2)}\n` : backendsTable(infos, useColor(stdout)));
  return 0;
}

export function backendsTable(infos: BackendInfo[], color: boolean): string {
  const width = Math.max(...infos.map((b) => b.name.length));
  const lines = infos.map((b) => {
    const status = b.available ? paint(color, 'green', 'available  ') : paint(color, 'yellow', 'unavailable');
    return `${b.name.padEnd(width)}  ${status}  ${b.available ? (b.device ?? '') : (b.reason ?? 'no reason given')}`;
  });
  return `${lines.join('\n')}\n`;
}

/** The page backends (chromium:tfjs-webgl, ...), each started in headless Chromium to find out. */
async function chromiumBackends(): Promise<BackendInfo[]> {
  const missing = chromiumMissing();
  if (missing) return PAGE_BACKENDS.map((n) => ({ name: inChromium(n), available: false, reason: missing }));
  const browser = await openBrowserBackends(PAGE_BACKENDS, { goldenDir: defaultGoldenDir() });
  try {
    return browser.backends.map((b) => b.info);
  } finally {
    await browser.close();
  }
}
