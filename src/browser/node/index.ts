/// <reference types="node" />
/**
 * The Node-only half of keras-parity's browser support, for the conformance spec, `keras-parity run` and
 * pages of one's own (examples/): the static server, the Chromium launcher, the bundle check and the
 * conformance session. None of it goes into the browser bundle.
 */
export { serveStatic, mimeType } from './server.js';
export type { Mount, MemoryFile, StaticServer } from './server.js';
export { CHROMIUM, CHROMIUM_ARGS, chromiumMissing, chromiumPath, launchChromium } from './chromium.js';
export type { ChromiumSession, LaunchOptions } from './chromium.js';
export { BUNDLE_ENTRY, ensureBrowserBundle } from './bundle.js';
export { IN_CHROMIUM, PAGE_BACKENDS, inChromium, openBrowserSession } from './session.js';
export type { BrowserBackend, BrowserSession, GoldenCaseRef, PageBackend, SessionOptions } from './session.js';
export { CHROMIUM_BACKENDS, openBrowserBackends, pageBackendOf } from './remote.js';
export type { BrowserBackends } from './remote.js';
