/**
 * `npm run example:browser`: serves the example page and the browser bundle on 127.0.0.1 in the
 * repository's own layout (examples/browser/ and dist/browser/, so the page's import map finds the bundle
 * at ../../dist/browser/), prints the page's address and serves until Ctrl-C. The bundle is built first
 * when it is missing or older than its sources. spec/example-page.spec.ts serves the page through here too.
 */
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureBrowserBundle, serveStatic, type StaticServer } from '../../src/browser/node/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PAGE_PATH = '/examples/browser/index.html';

export interface ExampleServer {
  server: StaticServer;
  /** The page's address. */
  url: string;
}

export async function serveExample(log?: (line: string) => void): Promise<ExampleServer> {
  const bundleDir = await ensureBrowserBundle(join(ROOT, 'dist', 'browser'), log);
  const server = await serveStatic(
    [
      { prefix: '/examples/browser/', dir: join(ROOT, 'examples', 'browser') },
      { prefix: '/dist/browser/', dir: bundleDir },
    ],
    {
      // The server lists no folders: the bare address forwards to the page.
      '/': { type: 'text/html; charset=utf-8', body: `<!doctype html><meta http-equiv="refresh" content="0; url=${PAGE_PATH}">\n` },
      '/favicon.ico': { type: 'image/x-icon', body: '' },
    },
  );
  return { server, url: `${server.origin}${PAGE_PATH}` };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { server, url } = await serveExample((line) => console.log(line));
  console.log(`keras-parity example page: ${url}  (Ctrl-C stops the server)`);
  process.once('SIGINT', () => void server.close().then(() => process.exit(0)));
}
