/**
 * Golden files from real Keras 3.6.0 (docs/golden-format.md): reading, checking, replaying, comparing
 * and reporting; gradient sets too (grad.ts). Platform-neutral; `./node.js` adds a directory source for Node.
 */
export { GoldenError } from './errors.js';
export { GoldenTensor, readSafetensors, encodeSafetensors } from './safetensors.js';
export type { GoldenCase, GoldenOp, GoldenValue, Expected, ExpectedError, Tolerance, ToleranceWithReason } from './cases.js';
export { parseOpFile } from './cases.js';
export { MANIFEST, FORWARD_MANIFEST, readManifest, verifiedBytes, opsOf, readOpFiles, loadOp, loadGolden } from './loader.js';
export type { Manifest, GoldenSource, GoldenSet, OpFiles } from './loader.js';
export { loadGradSet, parseGradFile } from './grad.js';
export type { GradManifest, GradCase, GradOp, GradSet, ExpectedGradients } from './grad.js';
export { DEFAULT_TOLERANCE, compare, isClose, ulpDistance, errorMismatch, describeExpectedError } from './compare.js';
export type { Values, Comparison, Mismatch } from './compare.js';
export { matches, exclusionFor, callExclusionFor, toleranceFor, entryProblems } from './policy.js';
export type { ToleranceEntry, ExclusionEntry, CallExclusionEntry, EffectiveTolerance } from './policy.js';
export { runCase, safeRunCase, classify } from './run.js';
export type { CaseResult, OutputResult } from './run.js';
export { caseTitle, describeCall, describeErrors, formatFailure, formatNumber } from './report.js';
