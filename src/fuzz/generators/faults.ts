/**
 * Invalid calls with one fault or two. A fault spoils one argument of a valid call (or of the values a
 * call is built from); two faults in one call ask which one Keras complains about first, and
 * keras-parity must raise that one. Every op's faults are named, so a check can try every pair.
 */
import * as fc from 'fast-check';
import type { FuzzCall } from '../call.js';
import { seedArb } from './common.js';

/** One thing Keras rejects, put into `v`; `seed` picks among the fault's forms. */
export type Fault<V> = (v: V, seed: number) => V;

export interface FaultSet<V> {
  /** What the faults spoil: valid values, so that the faults put in are the only reasons to fail. */
  base: fc.Arbitrary<V>;
  faults: Readonly<Record<string, Fault<V>>>;
  call: (v: V) => FuzzCall;
  /**
   * Pairs that do not make a call with two faults: the second replaces what the first spoilt, or sets
   * what the first spoils.
   */
  apart?: readonly (readonly [string, string])[];
  /**
   * Faults drawn only together with one of the faults listed, never alone: where keras-parity differs
   * from Keras on purpose (docs/deviations.md) but Keras reports the other fault first.
   */
  only?: Readonly<Record<string, readonly string[]>>;
  /** Invalid calls built whole rather than spoilt from `base`: drawn alone. */
  alone?: readonly fc.Arbitrary<FuzzCall>[];
}

/** Share of the spoilt calls that hold two faults. */
const PAIR_WEIGHT = 1;
const SINGLE_WEIGHT = 2;

/**
 * The pairs of faults that compose, each in the order the set declares them, which is the order they
 * are put in: Keras's answer depends on what a call holds, not on how it was spoilt, so one order is
 * enough, and a fault that replaces a whole tensor is declared after those that read its shape.
 */
export function faultPairs<V>(set: FaultSet<V>): [string, string][] {
  const names = Object.keys(set.faults);
  const apart = (a: string, b: string) => (set.apart ?? []).some(([x, y]) => (x === a && y === b) || (x === b && y === a));
  const only = set.only ?? {};
  const allowed = (a: string, b: string) => !(a in only) || only[a].includes(b);
  const composes = (a: string, b: string) => !apart(a, b) && allowed(a, b) && allowed(b, a);
  return names.flatMap((a, i) => names.slice(i + 1).filter((b) => composes(a, b)).map((b): [string, string] => [a, b]));
}

/** Calls from `set.base` with the named faults put in, in order, each with its own seed. */
export function withFaults<V>(set: FaultSet<V>, names: readonly string[]): fc.Arbitrary<FuzzCall> {
  return fc
    .tuple(set.base, fc.array(seedArb, { minLength: names.length, maxLength: names.length }))
    .map(([v, seeds]) => set.call(names.reduce((acc, name, i) => set.faults[name](acc, seeds[i]), v)));
}

/** An op's invalid calls: one fault (two in three), a composable pair of faults, or one built whole. */
export function invalidCalls<V>(set: FaultSet<V>): fc.Arbitrary<FuzzCall> {
  const names = Object.keys(set.faults).filter((name) => !(name in (set.only ?? {})));
  const spoilt = fc
    .tuple(set.base, fc.constantFrom(...names), seedArb)
    .map(([v, name, seed]) => set.call(set.faults[name](v, seed)));
  const options: fc.WeightedArbitrary<FuzzCall>[] = [{ arbitrary: spoilt, weight: SINGLE_WEIGHT * names.length }];
  const pairs = faultPairs(set);
  if (pairs.length) {
    const paired = fc
      .tuple(set.base, fc.constantFrom(...pairs), seedArb, seedArb)
      .map(([v, [a, b], s1, s2]) => set.call(set.faults[b](set.faults[a](v, s1), s2)));
    options.push({ arbitrary: paired, weight: PAIR_WEIGHT * names.length });
  }
  for (const arbitrary of set.alone ?? []) options.push({ arbitrary, weight: SINGLE_WEIGHT });
  return fc.oneof(...options);
}
