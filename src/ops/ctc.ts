/** CTC: ctc_loss and ctc_decode (greedy and beam search). */
import { defineOp, kwarg, tensor } from './op.js';

const TODO = () => { throw new Error('TODO'); };

export const ctc = {
  ctc_loss: defineOp<unknown, 'target' | 'output' | 'target_length' | 'output_length'>({
    params: [tensor('target'), tensor('output'), tensor('target_length'), tensor('output_length'), kwarg('mask_index', 0)],
    outputs: 1, resolve: TODO,
  }),
  ctc_decode: defineOp<unknown, 'inputs' | 'sequence_lengths', never, 2>({
    params: [tensor('inputs'), tensor('sequence_lengths'), kwarg('strategy', 'greedy'), kwarg('beam_width', 100), kwarg('top_paths', 1), kwarg('merge_repeated', true), kwarg('mask_index', 0)],
    outputs: 2, resolve: TODO,
  }),
};
