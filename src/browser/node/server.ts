/// <reference types="node" />
/**
 * A static file server on 127.0.0.1 at a free port, for pages under test: folders mounted at URL
 * prefixes, plus pages held in memory. GET and HEAD only; nothing outside a mounted folder is served.
 * 127.0.0.1 is a secure context, so pages get crypto.subtle and WebGPU without TLS.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';

/** `prefix` (`/golden/`) serves the files under `dir`. */
export interface Mount {
  prefix: string;
  dir: string;
}

/** A page or file held in memory, at an exact path (`/`, `/runner.html`). */
export interface MemoryFile {
  type: string;
  body: string | Uint8Array;
}

export interface StaticServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  close(): Promise<void>;
}

/** WebAssembly.instantiateStreaming refuses a .wasm without application/wasm; modules need a JS type. */
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

export function mimeType(path: string): string {
  return MIME[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export async function serveStatic(mounts: readonly Mount[], files: Record<string, MemoryFile> = {}): Promise<StaticServer> {
  for (const m of mounts) {
    if (!m.prefix.startsWith('/') || !m.prefix.endsWith('/')) throw new Error(`mount prefix must start and end with /: ${m.prefix}`);
  }
  // Longest prefix first, so /keras-parity/golden/ wins over /keras-parity/.
  const ordered = [...mounts].sort((a, b) => b.prefix.length - a.prefix.length).map((m) => ({ ...m, dir: resolve(m.dir) }));
  const server = createServer((req, res) => respond(req, res, ordered, files));
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', done);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

function respond(req: IncomingMessage, res: ServerResponse, mounts: readonly Mount[], files: Record<string, MemoryFile>): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405, 'only GET and HEAD');
  let path: string;
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  } catch {
    return fail(res, 400, 'bad path');
  }
  const memory = files[path];
  if (memory) return send(res, req, memory.type, memory.body);
  const file = fileFor(path, mounts);
  if (!file) return fail(res, 404, `not found: ${path}`);
  res.writeHead(200, { 'content-type': mimeType(file.path), 'content-length': file.size, 'cache-control': 'no-store' });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(file.path).pipe(res);
}

/** The file a path names under its mount, or undefined (no mount, not a file, or a path that climbs out). */
function fileFor(path: string, mounts: readonly Mount[]): { path: string; size: number } | undefined {
  const mount = mounts.find((m) => path.startsWith(m.prefix));
  if (!mount || path.includes('\0')) return undefined;
  const full = resolve(join(mount.dir, path.slice(mount.prefix.length)));
  if (!full.startsWith(mount.dir + sep)) return undefined;
  try {
    const stat = statSync(full);
    return stat.isFile() ? { path: full, size: stat.size } : undefined;
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, req: IncomingMessage, type: string, body: string | Uint8Array): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(200, { 'content-type': type, 'content-length': bytes.length, 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

function fail(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${message}\n`);
}
