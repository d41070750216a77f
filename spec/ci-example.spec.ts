/**
 * examples/ci/github-actions.yml: actionlint finds nothing in it, and the `report` job's own run scripts
 * (merge, compare) run here as written on two labelled reports made in-process, so a renamed option or a
 * changed exit code breaks this spec before it breaks someone's CI.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { runParity } from '../src/cli/run.js';
import '../src/index.js'; // registers the reference backend
import { stringifyReport } from '../src/report/model.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORKFLOW = join(ROOT, 'examples/ci/github-actions.yml');

/** .ci/run installs actionlint into .venv/bin; otherwise one on PATH. */
function actionlint(): string | null {
  const venv = join(ROOT, '.venv/bin/actionlint');
  if (existsSync(venv)) return venv;
  try {
    execFileSync('actionlint', ['--version'], { stdio: 'ignore' });
    return 'actionlint';
  } catch {
    return null;
  }
}

/** The `run:` scripts of one job, read from the YAML text (block scalars and one-liners). */
function jobRunScripts(yaml: string, job: string): string[] {
  const lines = yaml.split('\n');
  const start = lines.findIndex((l) => l === `  ${job}:`);
  if (start < 0) throw new Error(`no job ${job}`);
  const end = lines.findIndex((l, i) => i > start && /^ {2}\S/.test(l));
  const body = lines.slice(start + 1, end < 0 ? undefined : end);
  const scripts: string[] = [];
  for (let i = 0; i < body.length; i++) {
    const m = /^(\s*)(?:- )?run: ?(.*)$/.exec(body[i]!);
    if (!m) continue;
    if (!/^[|>]/.test(m[2]!)) {
      scripts.push(m[2]!);
      continue;
    }
    const block: string[] = [];
    while (i + 1 < body.length && (body[i + 1]!.trim() === '' || indent(body[i + 1]!) > m[1]!.length)) block.push(body[++i]!);
    const cut = Math.min(...block.filter((l) => l.trim()).map(indent));
    const text = block.map((l) => l.slice(cut));
    // `>-` folds lines into one; `|` keeps them.
    scripts.push(m[2]!.startsWith('>') ? text.join(' ').trim() : text.join('\n').trim());
  }
  return scripts;
}

const indent = (l: string): number => l.length - l.trimStart().length;

describe('examples/ci', function () {
  this.timeout(120_000);

  it('github-actions.yml passes actionlint', function () {
    const bin = actionlint();
    if (!bin) {
      const missing = 'actionlint is missing (.ci/run installs it into .venv/bin)';
      if (process.env.CI === 'true') throw new Error(`${missing} (CI=true demands it)`);
      this.skip();
    }
    const config = join(ROOT, 'examples/ci/actionlint.yaml');
    const r = sh(bin, ['-no-color', '-config-file', config, WORKFLOW], ROOT);
    return r.then(({ code, stdout, stderr }) => expect({ code, out: stdout + stderr }).to.deep.equal({ code: 0, out: '' }));
  });

  describe("the report job's merge and compare steps", () => {
    const scripts = jobRunScripts(readFileSync(WORKFLOW, 'utf8'), 'report');
    const merge = scripts.find((s) => s.includes('keras-parity merge'));
    const compare = scripts.find((s) => s.includes('keras-parity compare'));
    let dir: string;
    let summary: string;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ci-example-'));
      summary = join(dir, 'step-summary.md');
      writeFileSync(summary, '');
      // As download-artifact lays them out: one folder per uploaded artifact.
      for (const label of ['cpu-onednn-0', 'cpu-onednn-1']) {
        const { report } = await runParity({ backends: ['reference'], ops: ['relu'], label, out: null, bench: null, stdout: null, stderr: { write: () => true }, progress: 'none' });
        mkdirSync(join(dir, `reports/parity-${label}`), { recursive: true });
        writeFileSync(join(dir, `reports/parity-${label}/report.json`), stringifyReport(report));
      }
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('has both steps', () => {
      expect(merge, 'merge step').to.be.a('string');
      expect(compare, 'compare step').to.be.a('string');
    });

    it('merges the downloaded reports into one with a column per label', async () => {
      const r = await step(merge!, dir, summary);
      expect(r.code, r.stderr).to.equal(0);
      for (const f of ['merged/report.json', 'merged/report.md', 'merged/report.html', 'merged.xml']) expect(existsSync(join(dir, f)), f).to.equal(true);
      const merged = JSON.parse(readFileSync(join(dir, 'merged/report.json'), 'utf8')) as { backends: { name: string }[] };
      expect(merged.backends.map((b) => b.name)).to.deep.equal(['cpu-onednn-0 · reference', 'cpu-onednn-1 · reference']);
    });

    it("writes the merged table to the job summary when main has no report yet", async () => {
      const r = await step(compare!, dir, summary);
      expect(r.code, r.stderr).to.equal(0);
      expect(readFileSync(summary, 'utf8')).to.equal(readFileSync(join(dir, 'merged/report.md'), 'utf8'));
    });

    it("compares with main's merged report and appends the comparison to the job summary", async () => {
      writeFileSync(summary, '');
      mkdirSync(join(dir, 'main-report'));
      writeFileSync(join(dir, 'main-report/report.json'), readFileSync(join(dir, 'merged/report.json')));
      const r = await step(compare!, dir, summary);
      expect(r.code, r.stderr).to.equal(0);
      const text = readFileSync(summary, 'utf8');
      expect(text).to.not.equal('');
      expect(text).to.not.equal(readFileSync(join(dir, 'merged/report.md'), 'utf8'));
    });
  });
});

/**
 * One run script as GitHub's `bash -e` runs it, in `cwd`, with `npx keras-parity` meaning this checkout's
 * sources (`node --import tsx src/cli/main.ts`) and GITHUB_STEP_SUMMARY pointing at `summary`.
 */
function step(script: string, cwd: string, summary: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const main = join(ROOT, 'src/cli/main.ts');
  const prelude = `npx() { [ "$1" = keras-parity ] || return 127; shift; node --import '${tsx}' '${main}' "$@"; }\n`;
  return sh('bash', ['-e', '-c', prelude + script], cwd, { GITHUB_STEP_SUMMARY: summary, NO_COLOR: '1' });
}

function sh(file: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(file, args, { cwd, env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
