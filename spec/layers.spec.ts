/**
 * The layers of ARCHITECTURE.md point down only, read from the import statements of src/ and adapters/
 * (static, type-only and dynamic imports alike): no import loop, nothing outside the command layer
 * imports it, and no adapter imports another (what they share lives in adapters/host/).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const IMPORT = /(?:from\s+|import\s*\(\s*|^import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** file (relative to the root) -> the files it imports, .js specifiers read as their .ts sources. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'adapters'))]) {
    const targets = [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) =>
      relative(ROOT, resolve(dirname(file), m[1]).replace(/\.js$/, '.ts')),
    );
    graph.set(relative(ROOT, file), [...new Set(targets)]);
  }
  return graph;
}

/** Every strongly connected component with more than one file, or a file importing itself (Tarjan). */
function loops(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

const edges = (graph: Map<string, string[]>) => [...graph].flatMap(([from, tos]) => tos.map((to) => ({ from, to })));
const adapterOf = (file: string) => /^adapters\/([^/]+)\//.exec(file)?.[1];

describe('layers (import statements of src/ and adapters/)', () => {
  const graph = importGraph();

  it('reads a graph of the whole tree', () => {
    expect(graph.size).to.be.above(100);
    expect(graph.get('src/ops/dispatch.ts')).to.include('src/backend/registry.ts');
  });

  it('has no import loop', () => {
    expect(loops(graph)).to.deep.equal([]);
  });

  it('nothing outside src/cli/ imports from it', () => {
    const up = edges(graph).filter(({ from, to }) => to.startsWith('src/cli/') && !from.startsWith('src/cli/'));
    expect(up.map(({ from, to }) => `${from} -> ${to}`)).to.deep.equal([]);
  });

  it('no adapter imports another adapter (adapters/host/ is theirs to share)', () => {
    const across = edges(graph).filter(({ from, to }) => {
      const [a, b] = [adapterOf(from), adapterOf(to)];
      return a && b && a !== b && b !== 'host';
    });
    expect(across.map(({ from, to }) => `${from} -> ${to}`)).to.deep.equal([]);
  });
});
