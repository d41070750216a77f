/**
 * The static server pages are tested with (src/browser/node/server.ts): MIME types (WebAssembly needs
 * application/wasm), mounts and pages in memory, and nothing outside a mounted folder.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { serveStatic, type StaticServer } from '../src/browser/node/server.js';

interface Reply {
  status: number;
  type: string | undefined;
  body: string;
}

/** A raw request, so that paths like /a/../b reach the server unnormalised. */
function get(server: StaticServer, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((done, fail) => {
    const req = request(`${server.origin}${path}`, { method }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', fail);
    req.end();
  });
}

describe('static server for pages', () => {
  let root: string;
  let server: StaticServer;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'keras-parity-server-'));
    mkdirSync(join(root, 'site', 'sub'), { recursive: true });
    writeFileSync(join(root, 'site', 'a.js'), 'export const a = 1;\n');
    writeFileSync(join(root, 'site', 'b.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
    writeFileSync(join(root, 'site', 'sub', 'c.json'), '{"c": 3}');
    writeFileSync(join(root, 'site', 'd.safetensors'), 'x');
    writeFileSync(join(root, 'secret.txt'), 'outside the mount');
    server = await serveStatic([{ prefix: '/site/', dir: join(root, 'site') }], {
      '/': { type: 'text/html; charset=utf-8', body: '<!doctype html><title>t</title>' },
    });
  });

  after(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 at a port of its own', () => {
    expect(server.origin).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.origin).not.to.match(/:0$/);
  });

  it('serves mounted files with their MIME types: application/wasm for WebAssembly, JavaScript modules as text/javascript', async () => {
    expect(await get(server, '/site/a.js')).to.deep.equal({ status: 200, type: 'text/javascript; charset=utf-8', body: 'export const a = 1;\n' });
    const wasm = await get(server, '/site/b.wasm');
    expect([wasm.status, wasm.type, wasm.body]).to.deep.equal([200, 'application/wasm', '\0asm']);
    expect((await get(server, '/site/sub/c.json')).type).to.equal('application/json; charset=utf-8');
    expect((await get(server, '/site/d.safetensors')).type).to.equal('application/octet-stream');
  });

  it('serves pages held in memory, and HEAD without a body', async () => {
    expect(await get(server, '/')).to.deep.include({ status: 200, type: 'text/html; charset=utf-8' });
    expect(await get(server, '/site/a.js', 'HEAD')).to.deep.include({ status: 200, body: '' });
  });

  it('serves nothing outside a mount, nor folders, nor other methods', async () => {
    for (const path of ['/secret.txt', '/site/../secret.txt', '/site/%2e%2e/secret.txt', '/site/..%2fsecret.txt', '/site/sub', '/site/missing.js', '/other/a.js']) {
      expect((await get(server, path)).status, path).to.equal(404);
    }
    expect((await get(server, '/site/a.js', 'POST')).status).to.equal(405);
  });
});
