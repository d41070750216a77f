/**
 * The machine facts (src/machine.ts) and their wording (src/machine-text.ts): /proc/cpuinfo and
 * nvidia-smi output parsed from fixture strings of real machines, CUDA libraries found on
 * LD_LIBRARY_PATH, a stand-in nvidia-smi on PATH that answers or fails, and this machine's own facts.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { expect } from 'chai';
import { cpuLine, gpuLine, cudaLibrariesLine, machineLines, settingsLine, variablesLine } from '../src/machine-text.js';
import { NUMBER_VARIABLES, cudaLibraries, machineFacts, parseCpuinfo, parseCudaVersion, parseGpuQuery, type MachineFacts } from '../src/machine.js';

// Abridged from real /proc/cpuinfo files: the fields parsed, in their places, with their spacing.
const SAPPHIRE_RAPIDS = `processor\t: 0
vendor_id\t: GenuineIntel
cpu family\t: 6
model\t\t: 143
model name\t: Intel(R) Xeon(R) Platinum 8480+
flags\t\t: fpu vme sse sse2 avx avx2 avx512f avx512dq avx512cd avx512bw avx512vl avx512_vnni avx512_bf16 amx_bf16 avx512_fp16 amx_tile amx_int8
bugs\t\t: spectre_v1

processor\t: 1
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8480+
`;

const EPYC_ROME = `processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 7B12
flags\t\t: fpu vme de pse sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2 bmi2
`;

// aarch64: no vendor_id or model name, and `Features` instead of `flags`.
const GRAVITON = `processor\t: 0
BogoMIPS\t: 243.75
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid
CPU implementer\t: 0x41
`;

// `nvidia-smi --query-gpu=name,driver_version --format=csv,noheader` on a two-GPU machine.
const QUERY_TWO = 'NVIDIA H200, 550.90.07\nNVIDIA H200, 550.90.07\n';

const BANNER = `Tue Nov 12 10:00:00 2024
+-----------------------------------------------------------------------------------------+
| NVIDIA-SMI 550.90.07              Driver Version: 550.90.07      CUDA Version: 12.4     |
|-----------------------------------------+------------------------+----------------------+
`;

describe('machine facts: parsing', () => {
  it('reads the model, vendor and the ISA features that matter from /proc/cpuinfo', () => {
    expect(parseCpuinfo(SAPPHIRE_RAPIDS)).to.deep.equal({
      model: 'Intel(R) Xeon(R) Platinum 8480+',
      vendor: 'GenuineIntel',
      isa: { avx2: true, avx512f: true, avx512_vnni: true, avx512_bf16: true, amx_tile: true, amx_int8: true, amx_bf16: true },
    });
    expect(parseCpuinfo(EPYC_ROME)).to.deep.equal({
      model: 'AMD EPYC 7B12',
      vendor: 'AuthenticAMD',
      isa: { avx2: true, avx512f: false, avx512_vnni: false, avx512_bf16: false, amx_tile: false, amx_int8: false, amx_bf16: false },
    });
  });

  it('says unknown, rather than no, where cpuinfo has no x86 flags', () => {
    expect(parseCpuinfo(GRAVITON)).to.deep.equal({ model: null, vendor: null, isa: null });
  });

  it('reads the GPUs and the driver from nvidia-smi, and the CUDA version from its banner', () => {
    expect(parseGpuQuery(QUERY_TWO)).to.deep.equal([
      { name: 'NVIDIA H200', driver: '550.90.07' },
      { name: 'NVIDIA H200', driver: '550.90.07' },
    ]);
    expect(parseGpuQuery('')).to.deep.equal([]);
    expect(parseCudaVersion(BANNER)).to.equal('12.4');
    expect(parseCudaVersion('No devices were found')).to.equal(undefined);
  });

  it('finds the versioned libcudart and libcudnn files, not their siblings', () => {
    const folders: Record<string, string[]> = {
      '/deps/nvidia/cuda_runtime/lib': ['libcudart.so.12', 'libcudart.so', 'libcudart_static.a'],
      '/deps/nvidia/cudnn/lib': ['libcudnn_ops_infer.so.8', 'libcudnn.so.8', 'libcudnn.so.8.9.7'],
    };
    const dirs = Object.keys(folders).map((dir) => ({ dir, source: 'tfjs-node-gpu' }));
    const found = cudaLibraries([{ dir: '/nowhere', source: 'LD_LIBRARY_PATH' }, ...dirs], (d) => folders[d] ?? []);
    expect(found.map((l) => l.name)).to.deep.equal(['libcudart.so.12', 'libcudnn.so.8', 'libcudnn.so.8.9.7']);
    expect(cudaLibrariesLine({ devices: [], libraries: found })).to.equal('libcudart.so.12, libcudnn.so.8, libcudnn.so.8.9.7 (tfjs-node-gpu)');
  });
});

describe('machine facts: in words', () => {
  const sapphire: MachineFacts = {
    cpu: { model: 'Intel(R) Xeon(R) Platinum 8480+', vendor: 'GenuineIntel', logicalCores: 8, availableCores: 4, isa: parseCpuinfo(SAPPHIRE_RAPIDS).isa },
    os: { platform: 'linux', arch: 'x64', release: '6.1.0' },
    node: 'v20.20.2',
    memoryMiB: 32000,
    variables: { TF_ENABLE_ONEDNN_OPTS: '0', OMP_NUM_THREADS: null },
    gpu: { devices: parseGpuQuery(QUERY_TWO), cudaDriverVersion: '12.4', libraries: [] },
  };

  it('words the CPU with its ISA features and cores, and the GPUs with driver and CUDA', () => {
    expect(cpuLine(sapphire.cpu)).to.equal(
      'Intel(R) Xeon(R) Platinum 8480+ (avx2 yes, avx512f yes, avx512_vnni yes, avx512_bf16 yes, amx yes), 8 logical cores, 4 available to this process',
    );
    expect(cpuLine({ ...sapphire.cpu, isa: null, availableCores: 8 })).to.equal(
      'Intel(R) Xeon(R) Platinum 8480+ (ISA features unknown: no /proc/cpuinfo), 8 logical cores',
    );
    expect(gpuLine(sapphire.gpu)).to.equal("2 \u00d7 NVIDIA H200 (driver 550.90.07), CUDA 12.4 (the driver's)");
    expect(gpuLine({ devices: [], note: 'no nvidia-smi', libraries: [] })).to.equal('none found (no nvidia-smi)');
    expect(cudaLibrariesLine(sapphire.gpu)).to.equal('none found');
  });

  it('names the variables set, or every one checked when none is', () => {
    expect(variablesLine(sapphire.variables)).to.equal('TF_ENABLE_ONEDNN_OPTS=0; the others unset');
    expect(variablesLine({ A: null, B: null })).to.equal('none set (A, B)');
    expect(machineLines(sapphire).map(([label]) => label)).to.deep.equal(['CPU', 'GPU', 'CUDA runtime / cuDNN', 'variables that change numbers']);
  });

  it('puts a backend\'s settings on one line', () => {
    expect(settingsLine({ oneDNN: 'on (TF_ENABLE_ONEDNN_OPTS=1)', 'intra-op threads': '2' })).to.equal('oneDNN on (TF_ENABLE_ONEDNN_OPTS=1), intra-op threads 2');
    expect(settingsLine(undefined)).to.equal('');
  });
});

describe('machine facts: this machine', () => {
  let tmp: string;
  let savedPath: string | undefined;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'keras-parity-machine-'));
    savedPath = process.env.PATH;
  });
  after(() => {
    process.env.PATH = savedPath;
    rmSync(tmp, { recursive: true, force: true });
  });

  /** A stand-in nvidia-smi first on PATH, running `script`. */
  function fakeSmi(folder: string, script: string): void {
    const dir = join(tmp, folder);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'nvidia-smi'), `#!/bin/sh\n${script}\n`);
    chmodSync(join(dir, 'nvidia-smi'), 0o755);
    process.env.PATH = `${dir}${delimiter}${savedPath}`;
  }

  it('records every fact, each variable set or null, and the CUDA libraries on LD_LIBRARY_PATH', () => {
    const libs = join(tmp, 'libs');
    mkdirSync(libs);
    for (const f of ['libcudart.so.12', 'libcudnn.so.9', 'libcublas.so.12']) writeFileSync(join(libs, f), '');
    const facts = machineFacts({ LD_LIBRARY_PATH: libs, OMP_NUM_THREADS: '3' });
    expect(facts.cpu.logicalCores).to.be.greaterThan(0);
    expect(facts.cpu.model).to.be.a('string').and.not.equal('');
    if (process.platform === 'linux' && process.arch === 'x64') expect(facts.cpu.isa).to.have.property('avx2').that.is.a('boolean');
    expect(Object.keys(facts.variables)).to.deep.equal([...NUMBER_VARIABLES]);
    expect(facts.variables.OMP_NUM_THREADS).to.equal('3');
    expect(facts.variables.TF_ENABLE_ONEDNN_OPTS).to.equal(null);
    expect(facts.gpu.libraries).to.deep.equal([
      { name: 'libcudart.so.12', dir: libs, source: 'LD_LIBRARY_PATH' },
      { name: 'libcudnn.so.9', dir: libs, source: 'LD_LIBRARY_PATH' },
    ]);
    // JSON-able as it is: report.json and bench.json hold it.
    expect(JSON.parse(JSON.stringify(facts))).to.deep.equal(facts);
  });

  it('without nvidia-smi: no GPU, saying why', () => {
    process.env.PATH = join(tmp, 'empty');
    const gpu = machineFacts({}).gpu;
    expect(gpu).to.deep.equal({ devices: [], note: 'no nvidia-smi', libraries: [] });
    expect(gpuLine(gpu)).to.equal('none found (no nvidia-smi)');
  });

  it('reads an nvidia-smi that answers; one that fails is a note, not a failure', () => {
    fakeSmi('answers', `case "$1" in --query-gpu=*) printf '${QUERY_TWO.replace(/\n/g, '\\n')}';; *) cat <<'EOF'\n${BANNER}EOF\n;; esac`);
    expect(machineFacts({}).gpu).to.deep.equal({ devices: parseGpuQuery(QUERY_TWO), cudaDriverVersion: '12.4', libraries: [] });
    fakeSmi('fails', 'echo "NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver." >&2; exit 9');
    const gpu = machineFacts({}).gpu;
    expect(gpu.devices).to.deep.equal([]);
    expect(gpu.note).to.match(/^nvidia-smi failed: /);
  });
});
