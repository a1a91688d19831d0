/**
 * Seeds for the scenarios. The random source is contracts' mulberry32 `seededRandom` (the one the
 * samples use), so every generated load and every hostile body can be reproduced from the seed a
 * scenario prints.
 */
export { type SeededRandom, seededRandom } from '@srhooks/contracts';

/** The seed from `SRHOOKS_RELIABILITY_SEED` (to reproduce a failure), else a fresh one. */
export function scenarioSeed(): number {
  const fromEnv = process.env.SRHOOKS_RELIABILITY_SEED;
  if (fromEnv && /^\d+$/.test(fromEnv)) return Number(fromEnv);
  return Math.floor(Math.random() * 2 ** 31);
}
