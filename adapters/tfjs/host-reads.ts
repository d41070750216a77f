/**
 * Every place where the TF.js adapter copies tensor data to the host inside an op, and why the algorithm
 * forces it. Everything else is composed from TF.js ops and stays on the device. A host read is
 * synchronous (dataSync): it blocks on webgl and is impossible on webgpu, where the op raises
 * UnsupportedError instead.
 */
export interface HostRead {
  /** The Keras op name, with the option that takes this path when only one does. */
  readonly op: string;
  readonly why: string;
}

export const HOST_READS: readonly HostRead[] = [
  {
    op: "ctc_decode (strategy='beam_search')",
    why:
      "Keras-JAX's pruned beam search deduplicates, at every time step, the 2 * beam_width * C extended " +
      'label paths with jnp.unique(axis=0): a lexicographic sort of variable-length integer rows, whose ' +
      'order also breaks ties in the stable argsort that keeps the beam_width best; identical paths are ' +
      'merged by a scatter-add of their probabilities. TF.js has no row sort, row unique or segment merge: ' +
      'composing them needs pairwise comparison of all R = 2 * beam_width * C rows (R^2 * T values per ' +
      'step, 36e6 * T for the default beam_width 100 with C = 30) or T sort passes per step, and a ' +
      'data-dependent loop. So the logits and sequence_lengths are read (dataSync) and the reference ' +
      "adapter's float64 beam search (adapters/reference/ctc.ts, the spec) runs on them; the paths and " +
      "scores are uploaded. Greedy decoding and ctc_loss stay on the device. Raises UnsupportedError on " +
      'webgpu, which cannot read synchronously.',
  },
];
