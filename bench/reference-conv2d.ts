/**
 * The reference adapter's conv2d: input 1x64x64x32, kernel 3x3x32x64, 'same', channels_last.
 * Prints the median of repeated runs after a warm-up, read back included.
 */
import { ops, setBackend, tensor } from '../src/index.js';
import { filled, median } from './data.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);



await setBackend('reference');
const x = tensor(filled(64 * 64 * 32, 1), [1, 64, 64, 32]);
const k = tensor(filled(3 * 3 * 32 * 64, 2), [3, 3, 32, 64]);
const run = () => {
  const y = ops.conv(x, k, { padding: 'same' });
  y.dataSync();
  y.dispose();
};
run();
const times: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  run();
  times.push(performance.now() - t0);
}
console.log(
  `reference conv2d 1x64x64x32 * 3x3x32x64 same: median ${median(times).toFixed(1)} ms ` +
    `(min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)}, ${RUNS} runs)`,
);
