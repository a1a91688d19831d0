/** Seeded text for equivalence tests of hand-written scans against the expressions they replace. */
import { seededRandom } from '@srhooks/contracts';

/** Deterministic text of `length` pieces of `alphabet` (contracts' mulberry32), so a failure names a reproducible seed. */
export function generatedText(seed: number, alphabet: readonly string[], length: number): string {
  const random = seededRandom(seed);
  let text = '';
  for (let i = 0; i < length; i += 1) text += random.pick(alphabet);
  return text;
}
