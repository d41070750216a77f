#!/usr/bin/env node
// Gives @tensorflow/tfjs-node (or tfjs-node-gpu) a libtensorflow and a native addon, so that the
// `tfjs-tensorflow` backend works after a plain `npm install` / `npm ci`. docs/tfjs-tensorflow.md
// explains the route and what was tested.
//
// Why: tfjs-node's own install script downloads libtensorflow 2.9.1 and a prebuilt addon from
// storage.googleapis.com, which many build machines cannot reach, and then the whole install fails.
// package.json therefore denies that script (`allowScripts`) and runs this one as `postinstall`.
//
// Where libtensorflow comes from: the TensorFlow wheel on PyPI (tensorflow-cpu, or tensorflow for the
// CUDA build). From 2.13 on it ships tensorflow/libtensorflow_cc.so.2 (which exports the TF_*/TFE_* C
// API the binding calls), tensorflow/libtensorflow_framework.so.2 and the C API headers. pip downloads
// the wheel whatever the local Python is; the two libraries and the headers the binding includes are
// extracted, stripped and cached; <tfjs-node>/deps/ is filled from the cache; the addon is built from
// source with node-gyp and checked in a child process.
//
// Never fails an install: any problem (no pip, PyPI unreachable, no compiler...) prints ONE line saying
// why tfjs-tensorflow is unavailable and exits 0 when run by npm as an install script; run by hand it
// exits 1. The outcome is recorded in <tfjs-node>/.libtensorflow.json, where adapters/tfjs/register.ts
// reads the reason. A second run takes a second or two: the wheel's extract and the built addon are
// cached, and nothing is redone while the record matches and the addon loads.
//
// Usage:
//   node scripts/install-libtensorflow.mjs          CPU: tfjs-node + tensorflow-cpu (npm's postinstall)
//   node scripts/install-libtensorflow.mjs --gpu    CUDA: tfjs-node-gpu + tensorflow + nvidia-*-cu12
//                                                   (also TFJS_LIBTF_GPU=1; `npm run setup:gpu`)
// Environment (all optional):
//   TFJS_LIBTF_VERSION  TensorFlow wheel version (default 2.17.1)
//   TFJS_LIBTF_WHEEL    PyPI project to take libtensorflow from (default tensorflow-cpu; tensorflow with --gpu)
//   TFJS_LIBTF_CUDA     with --gpu: 0 to skip the nvidia-*-cu12 wheels (CUDA 12 + cuDNN 8.9 from the
//                       system instead, or a CPU-only check of the GPU build)
//   TFJS_LIBTF_CUDA_SKIP  with --gpu: comma-separated nvidia wheels not to fetch (e.g. nvidia-nccl-cu12)
//   TFJS_LIBTF_CACHE    cache folder (default $XDG_CACHE_HOME/tfjs-libtensorflow, else ~/.cache/...)
//   TFJS_LIBTF_STRIP    0 keeps the libraries' symbol tables (stripping saves ~140 MB on the CPU build)
//   TFJS_LIBTF_FORCE    1 redoes deps/ and the addon (the cached extract is kept)
//   TFJS_LIBTF_SKIP     1 does nothing
//   TFJS_LIBTF_STRICT   1 exits 1 on failure even as an install script
//   PYTHON              Python with pip (default python3)
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TAG = '[install-libtensorflow]';
const env = process.env;
const t0 = Date.now();
const GPU = process.argv.includes('--gpu') || env.TFJS_LIBTF_GPU === '1';
const VERSION = env.TFJS_LIBTF_VERSION || '2.17.1';
const SCRIPT = fileURLToPath(import.meta.url);
// This file lives in <project>/scripts/, also when the project is itself installed as a dependency.
const ROOT = path.resolve(path.dirname(SCRIPT), '..');
const RETRY = `node ${path.relative(process.cwd(), SCRIPT) || SCRIPT}${GPU ? ' --gpu' : ''}`;
const STATUS_FILE = '.libtensorflow.json';
const log = (msg) => console.log(`${TAG} ${msg}`);

class Unavailable extends Error {}
const fail = (reason) => { throw new Unavailable(reason); };

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  return { ok: !r.error && r.status === 0, error: r.error, stdout: r.stdout || '', out: `${r.stdout || ''}${r.stderr || ''}` };
}
const lastLine = (s) => (s.trim().split('\n').filter((l) => l.trim()).pop() || '').trim().slice(0, 300);
const hasCmd = (c) => run(c, ['--version']).ok;

function findPackage(name) {
  try {
    const pj = createRequire(path.join(ROOT, 'noop.js')).resolve(`${name}/package.json`);
    return { name, dir: path.dirname(pj), json: JSON.parse(fs.readFileSync(pj, 'utf8')) };
  } catch {
    return null;
  }
}

/** tfjs-node-gpu is not a dependency (its own install script would fetch ~400 MB from Google): add it for this tree only. */
function ensureGpuPackage() {
  const have = findPackage('@tensorflow/tfjs-node-gpu');
  if (have) return have;
  const version = findPackage('@tensorflow/tfjs-node')?.json.version || '4.22.0';
  const npm = env.npm_execpath && /npm-cli\.js$/.test(env.npm_execpath) ? [process.execPath, [env.npm_execpath]] : ['npm', []];
  log(`adding @tensorflow/tfjs-node-gpu@${version} to node_modules (npm install --no-save --ignore-scripts)...`);
  const r = run(npm[0], [...npm[1], 'install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund',
    `@tensorflow/tfjs-node-gpu@${version}`], { cwd: ROOT });
  if (!r.ok) fail(`npm could not add @tensorflow/tfjs-node-gpu@${version} (${lastLine(r.out)})`);
  return findPackage('@tensorflow/tfjs-node-gpu') || fail('@tensorflow/tfjs-node-gpu is still missing after npm install');
}

/** Loads the package in a fresh process (a failed native load cannot be retried in this one). */
function verify(pkgName) {
  const code = `
    const tf = require(${JSON.stringify(pkgName)});
    const b = tf.findBackend('tensorflow');
    const y = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5], [6]])).dataSync();
    console.log(JSON.stringify({ ok: tf.getBackend() === 'tensorflow' && y[0] === 17 && y[1] === 39,
      backend: tf.getBackend(), tf: b && b.binding.TF_Version, gpu: !!(b && b.isUsingGpuDevice) }));`;
  const r = run(process.execPath, ['-e', code], { cwd: ROOT, env: { ...env, TF_CPP_MIN_LOG_LEVEL: '2' } });
  const line = r.stdout.split('\n').reverse().find((l) => l.startsWith('{"ok"'));
  if (r.ok && line) return JSON.parse(line);
  const why = r.out.split('\n').find((l) => /Error:|error while loading/.test(l)) || lastLine(r.out);
  return { ok: false, why: why.trim().slice(0, 300) };
}

const PIP_TARGET = ['--python-version', '3.11', '--implementation', 'cp', '--platform', 'manylinux1_x86_64',
  '--platform', 'manylinux2014_x86_64', '--platform', 'manylinux_2_17_x86_64', '--platform', 'manylinux_2_27_x86_64',
  '--platform', 'manylinux_2_28_x86_64'];

/** pip download of exact requirements into `dir`; the tags are pinned, so the local Python does not matter. */
function pipDownload(py, reqs, dir, what) {
  // libtensorflow_cc does not link libpython: any cp3x wheel of a version carries the same libraries.
  const args = ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--no-cache-dir',
    '--disable-pip-version-check', '--retries', '1', '--timeout', '20', ...PIP_TARGET, '-d', dir, ...reqs];
  log(`downloading ${what} from PyPI with pip...`);
  const r = run(py, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const wheels = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.whl')) : [];
  if (r.ok && wheels.length === reqs.length) return wheels.map((w) => path.join(dir, w));
  const net = r.out.match(/(Failed to establish a new connection: [^'")]+|Read timed out[^'")]*|ConnectTimeout[^'")]*|SSLError[^'")]*|ProxyError[^'")]*|Temporary failure in name resolution|Name or service not known)/);
  if (net) fail(`PyPI is unreachable (${net[1].startsWith('SSLError') ? 'SSL error: certificate or proxy' : net[1].trim()})`);
  const ignored = r.out.match(/repository located at (\S+) is not a trusted or secure host/);
  if (ignored) fail(`pip ignores its index ${ignored[1]} (plain http and not a --trusted-host)`);
  if (/from versions: none/.test(r.out)) fail(`pip's index lists no ${reqs.join(' ')} at all (is PyPI reachable through it?)`);
  if (/No matching distribution|Could not find a version/.test(r.out)) fail(`PyPI has no linux x86_64 wheel for ${reqs.join(' ')}`);
  fail(`pip download failed (${lastLine(r.out)})`);
}

function needPip(py) {
  const v = run(py, ['-m', 'pip', '--version']);
  if (!v.ok) fail(`pip is not available (${py} -m pip: ${lastLine(v.out) || v.error?.code || 'failed'})`);
}

// Extracts the two libraries, the closure of C API headers the binding includes, and the wheel's
// pinned CUDA requirements (its `and-cuda` extra), which the --gpu route fetches next.
const EXTRACT_TF_PY = String.raw`
import sys, zipfile, os, re, json, shutil
whl, dest = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(whl)
names = set(z.namelist())
libs = ['tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2']
missing = [l for l in libs if l not in names]
if missing:
    print('wheel lacks ' + ', '.join(missing)); sys.exit(3)
os.makedirs(os.path.join(dest, 'lib'))
for l in libs:
    with z.open(l) as src, open(os.path.join(dest, 'lib', os.path.basename(l)), 'wb') as dst:
        shutil.copyfileobj(src, dst, 1 << 22)
P = 'tensorflow/include/'
roots = ['tensorflow/c/c_api.h', 'tensorflow/c/eager/c_api.h', 'tensorflow/c/tf_datatype.h',
         'tensorflow/c/tf_status.h', 'tensorflow/c/tf_tensor.h', 'tensorflow/core/platform/ctstring_internal.h']
inc = re.compile(rb'^\s*#\s*include\s*"([^"]+)"', re.M)
seen, todo, headers = set(), list(roots), []
while todo:
    h = todo.pop()
    if h in seen: continue
    seen.add(h)
    if P + h not in names:
        if h in roots:
            print('wheel lacks header ' + h); sys.exit(3)
        continue
    data = z.read(P + h)
    out = os.path.join(dest, 'include', h)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, 'wb') as f: f.write(data)
    headers.append(h)
    todo += [m.decode() for m in inc.findall(data)]
meta = next((n for n in names if n.endswith('.dist-info/METADATA')), None)
cuda = []
if meta:
    for line in z.read(meta).decode('utf8', 'replace').splitlines():
        m = re.match(r'Requires-Dist:\s*(nvidia-[A-Za-z0-9_.-]+)\s*\(?\s*==\s*([^\s;)]+)\)?\s*;.*extra\s*==\s*.and-cuda.', line)
        if m: cuda.append(m.group(1) + '==' + m.group(2))
print(json.dumps({'headers': sorted(headers), 'cuda': cuda}))
`;

// An nvidia-*-cu12 wheel's nvidia/<lib>/ tree without headers and static libraries, exec bits kept.
const EXTRACT_CUDA_PY = String.raw`
import sys, zipfile, os
whl, dest = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(whl)
n = 0
for i in z.infolist():
    p = i.filename
    if not p.startswith('nvidia/') or p.endswith('/') or p.count('/') < 2: continue
    if '/include/' in p or p.endswith('.a'): continue
    out = z.extract(i, dest)
    mode = (i.external_attr >> 16) & 0o777
    if mode: os.chmod(out, mode)
    n += 1
print(n)
`;

function strip(files) {
  if (env.TFJS_LIBTF_STRIP === '0' || !hasCmd('strip')) return false;
  for (const f of files) {
    const s = run('strip', ['--strip-unneeded', f]);
    if (!s.ok) fail(`strip failed on ${path.basename(f)} (${lastLine(s.out)})`);
  }
  return true;
}

/** Builds `dir` through `make(stage)` in a temporary sibling and renames it into place when complete. */
function cached(cacheRoot, key, make) {
  const dir = path.join(cacheRoot, key);
  if (fs.existsSync(path.join(dir, 'COMPLETE'))) return { dir, cached: true };
  fs.mkdirSync(cacheRoot, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(cacheRoot, '.tmp-'));
  try {
    const stage = path.join(tmp, 'x');
    fs.mkdirSync(stage);
    make(stage, tmp);
    fs.writeFileSync(path.join(stage, 'COMPLETE'), '');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(stage, dir);
    return { dir, cached: false };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function ensureLibtensorflow(py, cacheRoot, wheel) {
  const key = `${wheel}-${VERSION}-linux-x86_64${env.TFJS_LIBTF_STRIP === '0' ? '' : '-stripped'}`;
  return cached(cacheRoot, key, (stage, tmp) => {
    needPip(py);
    const size = wheel === 'tensorflow' ? '~600 MB' : '~220 MB';
    const [whl] = pipDownload(py, [`${wheel}==${VERSION}`], path.join(tmp, 'wheel'), `${wheel}==${VERSION} (${size})`);
    const x = run(py, ['-c', EXTRACT_TF_PY, whl, stage]);
    if (!x.ok) fail(`could not extract libtensorflow from ${path.basename(whl)} (${lastLine(x.out)})`);
    fs.rmSync(whl);
    const { headers, cuda } = JSON.parse(x.out.trim().split('\n').pop());
    const stripped = strip(['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'].map((f) => path.join(stage, 'lib', f)));
    fs.writeFileSync(path.join(stage, 'manifest.json'),
      JSON.stringify({ wheel: path.basename(whl), project: wheel, version: VERSION, stripped, headers, cuda }, null, 2));
  });
}

/** The nvidia-*-cu12 wheels the TensorFlow wheel pins, one cache folder each (cublas, cudnn, ...). */
function ensureCudaWheels(py, cacheRoot, reqs) {
  const skip = new Set((env.TFJS_LIBTF_CUDA_SKIP || '').split(',').map((s) => s.trim()).filter(Boolean));
  const wanted = reqs.filter((r) => !skip.has(r.split('==')[0]));
  return wanted.map((req) => cached(path.join(cacheRoot, 'cuda'), req.replace('==', '-'), (stage, tmp) => {
    needPip(py);
    const [whl] = pipDownload(py, [req], path.join(tmp, 'wheel'), req);
    const x = run(py, ['-c', EXTRACT_CUDA_PY, whl, stage]);
    if (!x.ok) fail(`could not extract ${path.basename(whl)} (${lastLine(x.out)})`);
  }).dir);
}

function linkOrCopy(src, dst) {
  try { fs.linkSync(src, dst); } catch { fs.copyFileSync(src, dst); }
}

function linkTree(src, dst) {
  fs.mkdirSync(dst, { recursive: true });
  for (const e of fs.readdirSync(src, { withFileTypes: true })) {
    const s = path.join(src, e.name);
    const d = path.join(dst, e.name);
    if (e.isDirectory()) linkTree(s, d);
    else if (e.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(s), d);
    else { linkOrCopy(s, d); fs.chmodSync(d, fs.statSync(s).mode); }
  }
}

function assembleDeps(pkgDir, libDir, cudaDirs) {
  const deps = path.join(pkgDir, 'deps');
  fs.rmSync(deps, { recursive: true, force: true });
  fs.mkdirSync(path.join(deps, 'lib'), { recursive: true });
  const L = (f) => path.join(deps, 'lib', f);
  for (const f of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']) linkOrCopy(path.join(libDir, 'lib', f), L(f));
  // binding.gyp links -ltensorflow -ltensorflow_framework; the addon then records the SONAMEs
  // (libtensorflow_cc.so.2, libtensorflow_framework.so.2) and finds them through its rpath
  // $ORIGIN/../../deps/lib.
  fs.symlinkSync('libtensorflow_cc.so.2', L('libtensorflow.so'));
  fs.symlinkSync('libtensorflow_framework.so.2', L('libtensorflow_framework.so'));
  fs.symlinkSync('libtensorflow_cc.so.2', L('libtensorflow.so.2'));
  // tfjs-node's scripts/install.js (should it run anyway) skips its download when this file exists.
  fs.symlinkSync('libtensorflow_cc.so.2', L('libtensorflow.so.2.9.1'));
  fs.symlinkSync('libtensorflow_framework.so.2', L('libtensorflow_framework.so.2.9.1'));
  fs.cpSync(path.join(libDir, 'include'), path.join(deps, 'include'), { recursive: true });
  // The CUDA build's RUNPATH holds $ORIGIN/../nvidia/<lib>/lib, as in site-packages (tensorflow/ beside
  // nvidia/), and the nvidia libraries find each other through $ORIGIN/../../<lib>/lib: deps/lib beside
  // deps/nvidia reproduces that layout, so no LD_LIBRARY_PATH is needed.
  for (const d of cudaDirs) linkTree(path.join(d, 'nvidia'), path.join(deps, 'nvidia'));
}

function nodeDir() {
  const cands = [env.npm_config_nodedir, path.resolve(path.dirname(process.execPath), '..'), '/usr', '/usr/local'];
  return cands.find((d) => d && fs.existsSync(path.join(d, 'include', 'node', 'node_api.h'))
                               && fs.existsSync(path.join(d, 'include', 'node', 'common.gypi')));
}

function buildAddon(pkg) {
  for (const c of ['make', 'g++']) if (!hasCmd(c)) fail(`no C++ toolchain to build the tfjs-node addon (${c} is missing)`);
  let preGyp;
  try {
    const pj = createRequire(path.join(pkg.dir, 'package.json')).resolve('@mapbox/node-pre-gyp/package.json');
    preGyp = path.join(path.dirname(pj), 'bin', 'node-pre-gyp');
  } catch {
    fail('@mapbox/node-pre-gyp (a dependency of tfjs-node) is missing');
  }
  const buildEnv = { ...env, npm_config_build_from_source: 'true', JOBS: 'max' };
  delete buildEnv.npm_config_update_binary;
  // Local Node headers avoid node-gyp's download of them; without them node-gyp fetches its own.
  const nd = nodeDir();
  if (nd) buildEnv.npm_config_nodedir = nd;
  if (!buildEnv.npm_config_node_gyp) {
    const g = path.resolve(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (fs.existsSync(g)) buildEnv.npm_config_node_gyp = g;
  }
  // node-gyp configure + build, then node-pre-gyp copies the addon to lib/napi-v*/.
  const r = run(process.execPath, [preGyp, 'install', '--build-from-source'], { cwd: pkg.dir, env: buildEnv });
  if (!r.ok) {
    const err = r.out.split('\n').find((l) => /error|Error|ERR!/.test(l)) || lastLine(r.out);
    fail(`building the tfjs-node addon failed (${err.trim().slice(0, 300)})`);
  }
}

function addonFiles(pkgDir) {
  const lib = path.join(pkgDir, 'lib');
  if (!fs.existsSync(lib)) return [];
  return fs.readdirSync(lib).filter((d) => d.startsWith('napi-v'))
    .map((d) => path.join('lib', d, 'tfjs_binding.node'))
    .filter((f) => fs.existsSync(path.join(pkgDir, f)));
}

function readStatus(pkgDir) {
  try { return JSON.parse(fs.readFileSync(path.join(pkgDir, STATUS_FILE), 'utf8')); } catch { return null; }
}

function writeStatus(pkgDir, status) {
  try { fs.writeFileSync(path.join(pkgDir, STATUS_FILE), `${JSON.stringify(status, null, 2)}\n`); } catch { /* best effort */ }
}

const summary = (v) => `libtensorflow ${v.tf}${GPU ? `, GPU in use: ${v.gpu ? 'yes' : 'no (no usable CUDA device; TensorFlow runs on the CPU)'}` : ''}`;

function main(state) {
  if (env.TFJS_LIBTF_SKIP === '1') { log('TFJS_LIBTF_SKIP=1, skipping'); return; }
  if (process.platform !== 'linux' || process.arch !== 'x64') fail(`only linux x64 is handled (this is ${process.platform} ${process.arch})`);
  const pkg = GPU ? ensureGpuPackage() : findPackage('@tensorflow/tfjs-node');
  if (!pkg) fail('@tensorflow/tfjs-node is not installed');
  state.pkgDir = pkg.dir;
  const wheel = env.TFJS_LIBTF_WHEEL || (GPU ? 'tensorflow' : 'tensorflow-cpu');
  const cuda = GPU && env.TFJS_LIBTF_CUDA !== '0';
  const cacheRoot = env.TFJS_LIBTF_CACHE || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'tfjs-libtensorflow');
  const key = { pkg: `${pkg.name}@${pkg.json.version}`, wheel, version: VERSION, strip: env.TFJS_LIBTF_STRIP !== '0',
    cuda: cuda ? (env.TFJS_LIBTF_CUDA_SKIP || 'all') : false, node: process.versions.modules };
  const old = readStatus(pkg.dir);

  if (env.TFJS_LIBTF_FORCE !== '1' && addonFiles(pkg.dir).length) {
    // Nothing to do when our last run made this very setup and it still loads...
    if (old?.ok && JSON.stringify(old.key) === JSON.stringify(key)) {
      const v = verify(pkg.name);
      if (v.ok) { log(`tfjs-tensorflow ready (already set up: ${summary(v)}, ${Date.now() - t0} ms)`); return; }
    }
    // ...or when tfjs-node's own install script did work (it could reach Google's storage).
    if (!old) {
      const v = verify(pkg.name);
      if (v.ok) {
        writeStatus(pkg.dir, { ok: true, key: null, libtensorflow: v.tf, gpu: v.gpu, by: "tfjs-node's own install script" });
        log(`tfjs-tensorflow ready (${pkg.name} already works: ${summary(v)}); nothing to do`);
        return;
      }
    }
  }

  const py = env.PYTHON || 'python3';
  const tf = ensureLibtensorflow(py, cacheRoot, wheel);
  const manifest = JSON.parse(fs.readFileSync(path.join(tf.dir, 'manifest.json'), 'utf8'));
  if (cuda && !manifest.cuda?.length) fail(`${wheel} ${VERSION} names no nvidia-*-cu12 wheels (is it a CUDA build?)`);
  const cudaDirs = cuda ? ensureCudaWheels(py, cacheRoot, manifest.cuda) : [];
  assembleDeps(pkg.dir, tf.dir, cudaDirs);

  // The addon depends only on the N-API version and the deps/ layout: it is cached beside the libraries.
  const addonCache = path.join(tf.dir, 'addon', `${pkg.name.replace('/', '+')}@${pkg.json.version}-node${process.versions.modules}`);
  let built = false;
  if (fs.existsSync(path.join(addonCache, 'COMPLETE'))) {
    fs.rmSync(path.join(pkg.dir, 'lib'), { recursive: true, force: true });
    fs.cpSync(path.join(addonCache, 'lib'), path.join(pkg.dir, 'lib'), { recursive: true });
  } else {
    log('building the tfjs-node addon from source (node-gyp)...');
    buildAddon(pkg);
    built = true;
  }
  const v = verify(pkg.name);
  if (!v.ok) fail(`the tfjs-node addon does not load (${v.why || `backend is ${v.backend}`})`);
  if (built) {
    fs.rmSync(addonCache, { recursive: true, force: true });
    for (const f of addonFiles(pkg.dir)) {
      fs.mkdirSync(path.join(addonCache, path.dirname(f)), { recursive: true });
      fs.copyFileSync(path.join(pkg.dir, f), path.join(addonCache, f));
    }
    fs.writeFileSync(path.join(addonCache, 'COMPLETE'), '');
  }
  writeStatus(pkg.dir, { ok: true, key, libtensorflow: v.tf, gpu: v.gpu, from: tf.dir, cuda: cudaDirs });
  log(`tfjs-tensorflow ready: ${summary(v)} from ${wheel} ${VERSION}` +
      ` (${tf.cached ? 'cached' : 'downloaded'} wheel, ${built ? 'built' : 'cached'} addon, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

const state = {};
try {
  main(state);
} catch (e) {
  const reason = e instanceof Unavailable ? e.message : `unexpected error: ${e && e.stack ? e.stack.split('\n')[0] : e}`;
  if (state.pkgDir) writeStatus(state.pkgDir, { ok: false, reason, retry: RETRY });
  console.log(`${TAG} tfjs-tensorflow unavailable: ${reason}. Retry with: ${RETRY}`);
  const asInstallScript = ['preinstall', 'install', 'postinstall', 'prepare'].includes(env.npm_lifecycle_event);
  process.exitCode = asInstallScript && env.TFJS_LIBTF_STRICT !== '1' ? 0 : 1;
}
