/// <reference types="node" />
/**
 * Debian's Chromium (/usr/bin/chromium, or $KERAS_PARITY_CHROMIUM), headless, driven by playwright-core,
 * in a fresh profile folder that goes with it. Playwright kills the browser when Node exits or is
 * interrupted; the profile folder is removed on close and, failing that, when the process exits.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** KERAS_PARITY_CHROMIUM names another Chromium executable; Debian's /usr/bin/chromium by default. */
export function chromiumPath(): string {
  return process.env.KERAS_PARITY_CHROMIUM || CHROMIUM;
}

/**
 * WebGPU needs --enable-unsafe-webgpu on Linux; both WebGL and WebGPU then run on SwiftShader where there
 * is no GPU (--enable-unsafe-swiftshader: Chromium no longer falls back to it silently). The sandbox
 * cannot run as root. The rest keep a test browser from reaching the network. Forcing a GL backend
 * (--use-gl, --use-angle) breaks WebGL here.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface LaunchOptions {
  executablePath?: string;
  /** Extra command-line switches, after CHROMIUM_ARGS. */
  args?: readonly string[];
}

export interface ChromiumSession {
  context: BrowserContext;
  /** `156.0.8078.108` */
  version: string;
  /** The profile folder, removed on close. */
  profile: string;
  /** Closes the browser and removes its profile folder; safe to call twice. */
  close(): Promise<void>;
}

/** Why Chromium cannot be launched here, or null when its executable is present. */
export function chromiumMissing(executablePath = chromiumPath()): string | null {
  return existsSync(executablePath)
    ? null
    : `${executablePath} does not exist: install Debian's chromium (apt-get install -y chromium)`;
}

export async function launchChromium(options: LaunchOptions = {}): Promise<ChromiumSession> {
  const executablePath = options.executablePath ?? chromiumPath();
  const missing = chromiumMissing(executablePath);
  if (missing) throw new Error(missing);
  const { chromium } = await importPlaywright();
  const profile = mkdtempSync(join(tmpdir(), 'keras-parity-chromium-'));
  const removeProfile = () => rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
  process.on('exit', removeProfile);
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
    });
  } catch (e) {
    removeProfile();
    process.off('exit', removeProfile);
    throw e;
  }
  let closing: Promise<void> | undefined;
  return {
    context,
    version: browserVersion(executablePath),
    profile,
    close: () =>
      (closing ??= context.close().finally(() => {
        removeProfile();
        process.off('exit', removeProfile);
      })),
  };
}

/** playwright-core is a devDependency: an installed package without it says so instead of crashing. */
async function importPlaywright(): Promise<typeof import('playwright-core')> {
  try {
    return await import('playwright-core');
  } catch {
    throw new Error('playwright-core is not installed (npm install playwright-core@1.65.1)');
  }
}

/**
 * A persistent context has no Browser object to ask, and the user agent says only 156.0.0.0, so the
 * executable tells: `Chromium 156.0.8078.108 built on Debian ...`.
 */
function browserVersion(executablePath: string): string {
  try {
    const out = execFileSync(executablePath, ['--version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
    return /([\d]+(?:\.[\d]+)+)/.exec(out)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
