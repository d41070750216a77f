/**
 * The browser bundle (dist/browser/keras-parity.js) in headless Chromium, imported by a page as it would
 * be from npm, served by src/browser/node's server and driven by its launcher: the backends it
 * registers, webgpu's asynchronous-read rule, reads that hand storage over, the refusal of a webgl
 * backend below float32, the .wasm files served beside the bundle, and a launcher that leaves no
 * browser and no profile behind.
 *
 * Without /usr/bin/chromium these are pending, unless KERAS_PARITY_REQUIRE_CHROMIUM=1 (CI).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import {
  chromiumMissing,
  ensureBrowserBundle,
  launchChromium,
  serveStatic,
  type ChromiumSession,
  type StaticServer,
} from '../src/browser/node/index.js';

import { chromiumUnavailable } from './helpers.js';

const STRICT = process.env.KERAS_PARITY_REQUIRE_CHROMIUM === '1';
const missing = chromiumMissing();
const BUNDLE = '/kp/keras-parity.js';

/** Runs `body` in the page as an async function of the bundle's module `kp`; returns what it returns. */
function inPage<T>(page: Page, body: string): Promise<T> {
  return page.evaluate(
    async ([url, code]) => {
      const kp = await import(url);
      return new Function('kp', `return (async () => { ${code} })();`)(kp);
    },
    [BUNDLE, body] as const,
  ) as Promise<T>;
}

/** `{name, message}` of what `expression` (awaited) throws in the page, or null. */
const thrown = (expression: string) =>
  `try { await (${expression}); return null; } catch (e) { return { name: e.name, message: e.message }; }`;

describe('browser bundle in headless Chromium', function () {
  this.timeout(60_000);
  if (chromiumUnavailable(missing)) return;

  let bundleDir: string;
  let server: StaticServer;
  let chromium: ChromiumSession;
  let page: Page;
  const wasmResponses: { url: string; type: string | undefined }[] = [];

  before(async function () {
    this.timeout(120_000);
    bundleDir = await ensureBrowserBundle();
    server = await serveStatic([{ prefix: '/kp/', dir: bundleDir }], {
      '/': { type: 'text/html; charset=utf-8', body: '<!doctype html><title>bundle</title>' },
    });
    chromium = await launchChromium();
    page = await chromium.context.newPage();
    page.on('response', (r) => {
      if (r.url().endsWith('.wasm')) wasmResponses.push({ url: r.url(), type: r.headers()['content-type'] });
    });
    await page.goto(`${server.origin}/`);
  });

  after(async () => {
    await chromium?.close();
    await server?.close();
  });

  it('exports the public API of the Node entry', async () => {
    const nodeApi = Object.keys(await import('../src/index.js')).sort();
    const names = await inPage<string[]>(page, 'return Object.keys(kp).sort();');
    expect(names.filter((n) => n !== 'setWasmDirectory')).to.deep.equal(nodeApi);
    expect(names).to.include('setWasmDirectory');
  });

  it('registers reference, tfjs-webgl, tfjs-webgpu and tfjs-wasm, each available with its device', async () => {
    const infos = await inPage<{ name: string; available: boolean; device?: string; reason?: string }[]>(page, 'return kp.listBackends();');
    expect(infos.map((b) => [b.name, b.available, b.reason])).to.deep.equal([
      ['reference', true, undefined],
      ['tfjs-webgl', true, undefined],
      ['tfjs-webgpu', true, undefined],
      ['tfjs-wasm', true, undefined],
    ]);
    const devices = Object.fromEntries(infos.map((b) => [b.name, b.device]));
    expect(devices['tfjs-webgl']).to.match(/^WebGL 2: .*SwiftShader/);
    expect(devices['tfjs-webgpu']).to.match(/^WebGPU: /);
    expect(devices['tfjs-wasm']).to.match(/^CPU \(TF\.js WebAssembly in the page, SIMD/);
  });

  it("loads tfjs-wasm's binary from beside the bundle, as application/wasm", () => {
    expect(wasmResponses.length).to.be.greaterThan(0);
    for (const r of wasmResponses) {
      expect(r.url).to.match(new RegExp(`^${server.origin}/kp/tfjs-backend-wasm[-a-z]*\\.wasm$`));
      expect(r.type).to.equal('application/wasm');
    }
  });

  it('on tfjs-webgpu, dataSync() and arraySync() raise UnsupportedError naming data() and array(); the device keeps working', async () => {
    const result = await inPage<Record<string, unknown>>(
      page,
      `await kp.setBackend('tfjs-webgpu');
       const t = kp.ops.relu(kp.tensor(new Float32Array([-1, 2, -3, 4]), [2, 2]));
       const attempt = (read) => { try { read(); return null; } catch (e) { return { name: e.name, message: e.message }; } };
       return { dataSync: attempt(() => t.dataSync()), arraySync: attempt(() => t.arraySync()) };`,
    );
    for (const call of ['dataSync', 'arraySync']) {
      expect(result[call], call).to.deep.equal({
        name: 'UnsupportedError',
        message:
          'The tfjs-webgpu backend cannot read a tensor synchronously: use await tensor.data() or await tensor.array() ' +
          'instead of dataSync() / arraySync().',
      });
    }
    const after = await inPage(page, `const t = kp.ops.relu(kp.tensor(new Float32Array([-1, 2, -3, 4]), [2, 2])); return t.array();`);
    expect(after).to.deep.equal([[0, 2], [0, 4]]);
  });

  // webgl and webgpu read into a CPU-side cache that they hand out: a plain read copies it (writing to
  // it leaves the tensor alone), a read that disposes may hand it over. On webgpu a synchronous read
  // that disposes refuses and disposes nothing.
  for (const backend of ['tfjs-webgl', 'tfjs-webgpu', 'tfjs-wasm']) {
    it(`on ${backend}, data({dispose: true}) hands the values over and disposes the tensor`, async () => {
      const got = await inPage<Record<string, unknown>>(
        page,
        `await kp.setBackend('${backend}');
         const x = kp.tensor(new Float32Array([-1, 2, -3, 4]), [2, 2]);
         const y = kp.ops.relu(x);
         const first = await y.data();
         first[0] = 7;
         let refused = null;
         if (kp.getBackend() === 'tfjs-webgpu') {
           try { y.dataSync({ dispose: true }); } catch (e) { refused = [e.name, y.isDisposed]; }
         }
         const second = await y.data({ dispose: true });
         const again = await kp.ops.relu(x).array({ dispose: true });
         x.dispose();
         return { second: Array.from(second), disposed: y.isDisposed, again, refused };`,
      );
      expect(got).to.deep.equal({
        second: [0, 2, 0, 4],
        disposed: true,
        again: [[0, 2], [0, 4]],
        refused: backend === 'tfjs-webgpu' ? ['UnsupportedError', false] : null,
      });
    });
  }

  it("on tfjs-webgpu, ctc_decode's beam search raises UnsupportedError instead of reading synchronously", async () => {
    const error = await inPage(
      page,
      `await kp.setBackend('tfjs-webgpu');
       const logits = kp.tensor(new Float32Array(2 * 3 * 4).map((_, i) => Math.sin(i)), [2, 3, 4]);
       const lengths = kp.tensor(new Int32Array([3, 2]), [2], 'int32');
       try { kp.ops.ctcDecode(logits, lengths, { strategy: 'beam_search' }); return null; }
       catch (e) { return { name: e.name, message: e.message }; }`,
    );
    expect(error).to.deep.equal({
      name: 'UnsupportedError',
      message:
        "ctc_decode with strategy='beam_search' reads tensor data to the host synchronously, which TF.js's webgpu " +
        "backend cannot do (dataSync there returns zeros and breaks the device). Use strategy='greedy', or another backend.",
    });
    // Greedy decoding stays on the device, and gives what the reference backend gives.
    const greedy = await inPage<unknown[]>(
      page,
      `const decode = async (backend) => {
         await kp.setBackend(backend);
         const logits = kp.tensor(new Float32Array(2 * 3 * 4).map((_, i) => Math.sin(i)), [2, 3, 4]);
         const [decoded] = kp.ops.ctcDecode(logits, kp.tensor(new Int32Array([3, 2]), [2], 'int32'));
         return decoded.array();
       };
       return [await decode('tfjs-webgpu'), await decode('reference')];`,
    );
    expect(greedy[0]).to.deep.equal(greedy[1]);
  });

  it('refuses a tfjs-webgl backend whose textures are float16 with BackendUnavailableError saying why', async () => {
    const f16 = await chromium.context.newPage();
    try {
      // TF.js reads flags from the page's URL: this one makes webgl use float16 textures.
      await f16.goto(`${server.origin}/?tfjsflags=WEBGL_FORCE_F16_TEXTURES:true`);
      const error = await inPage<{ name: string; message: string }>(f16, thrown("kp.setBackend('tfjs-webgl')"));
      expect(error.name).to.equal('BackendUnavailableError');
      expect(error.message).to.match(
        /^Backend tfjs-webgl is unavailable: TF\.js's webgl backend computes below float32 here \(float32 textures off: float16, .*\): its results cannot be compared at float32 tolerance\.$/,
      );
      expect(await inPage(f16, 'return kp.getBackend();')).to.equal('reference');
    } finally {
      await f16.close();
    }
  });

  it('holds no Node module and none of the Node-only sources', () => {
    const { inputs } = JSON.parse(readFileSync(join(bundleDir, 'build.json'), 'utf8')) as { inputs: string[] };
    const nodeOnly = ['src/golden/node.ts', 'adapters/tfjs/tensorflow.ts', 'adapters/tfjs/register.ts', 'src/index.ts'];
    expect(inputs.filter((i) => nodeOnly.includes(i) || i.startsWith('src/cli/') || i.startsWith('src/browser/node/') || i.includes('tfjs-node'))).to.deep.equal([]);
    expect(inputs).to.include.members(['src/browser/index.ts', 'src/public.ts', 'adapters/tfjs/browser.ts']);
  });
});

describe('Chromium launcher', () => {
  it('leaves no browser process and no profile folder once closed', async function () {
    if (missing) {
      if (STRICT) throw new Error(`${missing} (KERAS_PARITY_REQUIRE_CHROMIUM=1)`);
      this.skip();
    }
    this.timeout(60_000);
    const chromium = await launchChromium();
    const running = () => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(chromium.profile));
    expect(existsSync(chromium.profile)).to.equal(true);
    expect(running().length).to.be.greaterThan(0);
    await chromium.close();
    expect(existsSync(chromium.profile)).to.equal(false);
    expect(running()).to.deep.equal([]);
  });
});
