/**
 * Specs that run live Keras (the fuzzer's oracle) need the project's environments (`npm run golden:setup`).
 * Without it they show as pending with the reason; with KERAS_PARITY_REQUIRE_KERAS=1 (CI) they fail.
 */
import { ORACLE_REQUIREMENTS } from '../src/fuzz/oracle.js';
import { NEWEST_KERAS, type KerasVersion } from '../src/keras-versions.js';
import { preparePython } from '../src/python/env.js';

export const REQUIRE_KERAS = process.env.KERAS_PARITY_REQUIRE_KERAS === '1';

/** Why live Keras `keras` cannot run here, or undefined when it can. */
export async function kerasMissing(keras: KerasVersion = NEWEST_KERAS): Promise<string | undefined> {
  const ready = await preparePython(undefined, ORACLE_REQUIREMENTS, keras);
  return 'problem' in ready ? ready.problem.join(' ') : undefined;
}

/**
 * `body` declares the suite's tests when Keras is there; otherwise one test says why not: pending, or
 * failing under KERAS_PARITY_REQUIRE_KERAS=1.
 */
export function withKeras(missing: string | undefined, body: () => void): void {
  if (missing === undefined) {
    body();
    return;
  }
  const title = `needs live Keras: ${missing}`;
  if (REQUIRE_KERAS) {
    it(title, () => {
      throw new Error(`${missing} (KERAS_PARITY_REQUIRE_KERAS=1 demands live Keras)`);
    });
  } else {
    it(title);
  }
}
