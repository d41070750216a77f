/**
 * The generators of every op, one file per op family (as the op table is split), merged here. The type
 * says every op of the table has its generators.
 */
import type { Generators } from '../call.js';
import { activationsGenerators } from './activations.js';
import { attentionGenerators } from './attention.js';
import { convGenerators } from './conv.js';
import { ctcGenerators } from './ctc.js';
import { encodingGenerators } from './encoding.js';
import { lossesGenerators } from './losses.js';
import { normalizationGenerators } from './normalization.js';
import { patchesGenerators } from './patches.js';
import { poolingGenerators } from './pooling.js';
import { complexGenerators } from './complex.js';

export const GENERATORS: Generators = {
  ...activationsGenerators,
  ...poolingGenerators,
  ...convGenerators,
  ...encodingGenerators,
  ...lossesGenerators,
  ...normalizationGenerators,
  ...ctcGenerators,
  ...attentionGenerators,
  ...patchesGenerators,
  ...complexGenerators,
};
