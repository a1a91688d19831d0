/**
 * `sampleSubscriber(seed)`: one deterministic newsletter subscriber with the key set of the
 * captured `deliveries/newsletter_subscribe.json`, in decoded form (`status` as the string "1").
 */
import type { Subscriber } from '../schemas/delivery.js';
import { asciiFold, EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES } from './hungarian-data.js';
import { formatShopDate } from './sample-order.js';
import { seededRandom } from './seeded-random.js';

const YEAR_2025 = Date.UTC(2025, 0, 1);
const YEAR_SECONDS = 365 * 24 * 3600;

/** One realistic subscriber, the same for the same seed (default seed 1). */
export function sampleSubscriber(seed: number | string = 1): Subscriber {
  const random = seededRandom(`subscriber:${seed}`);
  const firstname = random.pick(FIRST_NAMES);
  const lastname = random.pick(LAST_NAMES);
  return {
    id: String(random.int(1, 99999)),
    firstname,
    lastname,
    email: `${asciiFold(firstname)}.${asciiFold(lastname)}${random.int(1, 99)}@${random.pick(EMAIL_DOMAINS)}`,
    phone: `+36${random.pick(['20', '30', '70'])}${random.int(1, 9)}${random.digits(6)}`,
    status: '1',
    language: '1',
    hash: random.hex(32),
    subscribe_date: formatShopDate(YEAR_2025 + random.int(0, YEAR_SECONDS - 1) * 1000),
  };
}
