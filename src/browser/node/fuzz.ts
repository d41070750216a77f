/// <reference types="node" />
/**
 * A page backend as the fuzzer sees it: a CaseRunner (src/fuzz/runner.ts) whose calls travel to its
 * Chromium page as data, bit-exact, and run there (BrowserBackend.runSentCase); the program that
 * reproduces a mismatch is an ES module for a web page, on keras-parity's browser build.
 */
import type { CaseRunner } from '../../fuzz/runner.js';
import type { ProgramTarget } from '../../fuzz/snippet.js';
import { pageBackendOf } from './remote.js';
import type { BrowserBackend, PageBackend } from './session.js';

/** The backend in a page of one's own, where keras-parity/browser registers it under its bare name. */
export function pageProgram(backend: PageBackend, placed: string): ProgramTarget {
  return {
    backend,
    importFrom: 'keras-parity/browser',
    howToRun: 'load it as an ES module in a web page (see its header)',
    header: [
      `An ES module for a web page, not a Node program: keras-parity's browser build on its ${backend} backend`,
      `(the fuzzer ran it in headless Chromium as ${placed}). Load it with <script type="module" src="repro.mjs">`,
      'after an import map that points keras-parity/browser at node_modules/keras-parity/dist/browser/keras-parity.js',
      '(served over HTTP, with the .wasm files beside it); it prints to the browser console.',
    ],
  };
}

/** Runs each case in `started`'s page; a page that crashed or closed fails the case saying so. */
export function pageRunner(started: BrowserBackend): CaseRunner {
  return {
    backend: started.name,
    program: pageProgram(pageBackendOf(started.name)!, started.name),
    // The page started its backend once, when it opened, and runs nothing else.
    begin: async () => async () => {},
    run: (c) => started.runSentCase(c),
    hasBackwardRule: (op) => started.backwardRules.includes(op),
    runGrad: (c) => started.runSentGradCase(c),
  };
}
