/**
 * The example page: pick a backend, run a convolution and an attention on seeded inputs, see the result,
 * its median time and whether it matches the reference backend.
 */
import { listBackends, ops, setBackend, tensor } from 'keras-parity';
import { attentionAccumulation, compare, convAccumulation } from './check.js';
import { PRESETS, attentionInputs, convInputs } from './inputs.js';

const SHOWN_VALUES = 4;
const $ = (id) => document.getElementById(id);

// ?perturb=0.01 adds 0.01 to the first value of each result before it is shown and checked: a way to
// see the check fail (spec/example-page.spec.ts uses it).
const PERTURB = Number(new URLSearchParams(location.search).get('perturb') ?? 0);

/** The two ops: how to make their input tensors on the active backend, and the call. */
const OPS = {
  conv: {
    call: ({ input, kernel }, { strides }) => {
      const x = tensor(input.values, input.shape);
      const k = tensor(kernel.values, kernel.shape);
      return { tensors: [x, k], compute: () => ops.conv(x, k, { strides, padding: 'same' }) };
    },
    describe: ({ strides }) => `ops.conv(x, kernel, { strides: ${strides}, padding: 'same' })`,
    inputShapes: ({ input, kernel }) => `x ${shape(input.shape)}, kernel ${shape(kernel.shape)}`,
    accumulation: ({ kernel }) => convAccumulation(kernel.shape),
  },
  attention: {
    call: ({ query, key, value }, { causal }) => {
      const [q, k, v] = [query, key, value].map((t) => tensor(t.values, t.shape));
      return { tensors: [q, k, v], compute: () => ops.dotProductAttention(q, k, v, { isCausal: causal }) };
    },
    describe: ({ causal }) => `ops.dotProductAttention(query, key, value, { isCausal: ${causal} })`,
    inputShapes: ({ query }) => `query, key, value ${shape(query.shape)}`,
    accumulation: ({ key }) => attentionAccumulation(key.shape),
  },
};

const shape = (dims) => `[${dims.join(', ')}]`;
const milliseconds = (ms) => `${ms >= 100 ? ms.toFixed(0) : ms.toPrecision(3)} ms`;

function median(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Browsers coarsen performance.now() (to 0.1 ms in Chromium, to 1 ms in some browsers), too coarse for a
 * fast call: a sample repeats the call until it has lasted MIN_SAMPLE_MS and gives the time per call.
 */
const MIN_SAMPLE_MS = 10;

/** Makes the op's input tensors on the active backend, hands `use` the call, then frees the inputs. */
async function withOp(op, inputs, settings, use) {
  const { tensors, compute } = op.call(inputs, settings);
  try {
    return await use(compute);
  } finally {
    for (const t of tensors) t.dispose();
  }
}

/** One call's shape and values. `await data()`: WebGPU cannot read synchronously. */
async function read(compute) {
  const output = compute();
  try {
    return { shape: output.shape, values: await output.data() };
  } finally {
    output.dispose();
  }
}

/**
 * Each call is timed until its values are read back: without the read, a GPU backend would only have
 * queued the work.
 */
async function sample(compute) {
  const start = performance.now();
  let calls = 0;
  let elapsed;
  do {
    await read(compute);
    calls++;
    elapsed = performance.now() - start;
  } while (elapsed < MIN_SAMPLE_MS);
  return elapsed / calls;
}

/**
 * The result of the first call, which is also the warm-up (WebGL and WebGPU compile their shaders on
 * first use), and the median time per call over `samples` samples.
 */
async function measure(compute, samples) {
  const result = await read(compute);
  const times = [];
  for (let i = 0; i < samples; i++) times.push(await sample(compute));
  return { ...result, medianMs: median(times) };
}

async function runAll(settings) {
  const inputs = { conv: convInputs(settings.preset, settings.seed), attention: attentionInputs(settings.preset, settings.seed) };
  const results = {};
  await setBackend(settings.backend);
  for (const [name, op] of Object.entries(OPS)) {
    setStatus(`Running ${name} on ${settings.backend}…`);
    results[name] = await withOp(op, inputs[name], settings, (compute) => measure(compute, settings.samples));
    results[name].values[0] += PERTURB;
  }
  setStatus('Computing the reference…');
  await setBackend('reference');
  for (const [name, op] of Object.entries(OPS)) {
    const reference = await withOp(op, inputs[name], settings, read);
    results[name].check = compare(results[name].values, reference.values, op.accumulation(inputs[name]));
  }
  return { inputs, results };
}

function show(settings, { inputs, results }, device) {
  $('result-backend').textContent = settings.backend;
  $('result-device').textContent = device ? `Device: ${device}` : '';
  for (const [name, op] of Object.entries(OPS)) {
    const { shape: dims, values, medianMs, check } = results[name];
    $(`${name}-call`).textContent = op.describe(settings);
    $(`${name}-inputs`).textContent = op.inputShapes(inputs[name]);
    $(`${name}-shape`).textContent = shape(dims);
    $(`${name}-values`).textContent = [...values.slice(0, SHOWN_VALUES)].map((v) => v.toFixed(5)).join(', ') + ', …';
    $(`${name}-time`).textContent = milliseconds(medianMs);
    // The mark and the words carry the verdict; the colour only repeats it.
    const cell = $(`${name}-check`);
    cell.textContent = check.matches ? '✓ Yes, within tolerance' : '✗ No, outside tolerance';
    cell.className = check.matches ? 'pass' : 'fail';
    $(`${name}-error`).textContent = `${check.maxAbsError.toExponential(2)}, allowed ${check.tolerance.toExponential(2)} (L = ${check.accumulation})`;
  }
  $('timing-note').textContent =
    `Time per call, from the call until its values are read back: the median of ${settings.samples} ` +
    `sample${settings.samples === 1 ? '' : 's'} after a warm-up call, each sample repeating the call for at least ${MIN_SAMPLE_MS} ms.` +
    (PERTURB ? ` The first value of each result was perturbed by ${PERTURB} (?perturb=${PERTURB}).` : '');
  $('results').hidden = false;
}

function setStatus(text) {
  $('status').textContent = text;
}

function readSettings() {
  const form = $('controls');
  return {
    backend: form.elements.backend.value,
    preset: $('preset').value,
    seed: Number($('seed').value),
    strides: Number($('strides').value),
    causal: $('causal').checked,
    samples: Number($('samples').value),
  };
}

/** One radio button per backend; an unavailable one is disabled and says why. */
function showBackends(infos) {
  $('backends-loading').remove();
  const preferred = infos.find((b) => b.available && b.name !== 'reference') ?? infos[0];
  for (const info of infos) {
    const radio = Object.assign(document.createElement('input'), {
      type: 'radio', name: 'backend', id: `backend-${info.name}`, value: info.name,
      disabled: !info.available, checked: info === preferred,
    });
    const label = Object.assign(document.createElement('label'), { htmlFor: radio.id, textContent: info.name });
    const about = Object.assign(document.createElement('span'), {
      id: `${radio.id}-about`, className: 'note',
      textContent: info.available ? info.device ?? '' : `unavailable: ${info.reason}`,
    });
    radio.setAttribute('aria-describedby', about.id);
    const row = Object.assign(document.createElement('div'), { className: 'backend' });
    row.append(radio, label, about);
    $('backends').append(row);
  }
}

function showPresets() {
  const select = $('preset');
  for (const name of Object.keys(PRESETS)) select.append(new Option(name, name));
  const describe = () => {
    const { conv, attention } = PRESETS[select.value];
    $('preset-about').textContent =
      `conv ${conv.input.join('×')} with kernel ${conv.kernel.join('×')}; attention ${attention.query.join('×')}`;
  };
  select.addEventListener('change', describe);
  describe();
}

async function start() {
  showPresets();
  const infos = await listBackends();
  showBackends(infos);
  const button = $('run');
  button.disabled = false;
  setStatus('Ready.');
  $('controls').addEventListener('submit', async (event) => {
    event.preventDefault();
    const settings = readSettings();
    button.disabled = true;
    setStatus(`Starting ${settings.backend}…`);
    $('results').setAttribute('aria-busy', 'true');
    const started = performance.now();
    try {
      const outcome = await runAll(settings);
      show(settings, outcome, infos.find((b) => b.name === settings.backend)?.device);
      const failed = Object.keys(OPS).filter((name) => !outcome.results[name].check.matches);
      const took = `${((performance.now() - started) / 1000).toFixed(2)} s`;
      setStatus(failed.length ? `Done in ${took}: ${failed.join(' and ')} did not match the reference.` : `Done in ${took}: both match the reference.`);
    } catch (e) {
      setStatus(`Failed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    } finally {
      $('results').removeAttribute('aria-busy');
      button.disabled = false;
    }
  });
}

start().catch((e) => setStatus(`The page could not start: ${e instanceof Error ? e.message : String(e)}`));
