/**
 * The spool folder (SRHOOKS_SPOOL_DIR) during an erasure: deliveries acknowledged while the store was
 * unavailable wait there as files until the drainer stores them. An erasure does not change them (a file
 * is one whole delivery, possibly of several orders, that the shop will not send again): it finds those
 * holding the person's data and says so, so the operator erases again once they are drained. Files in
 * `unreadable/` (damaged, moved aside; never drained) are counted too: only an operator can remove them.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeSpoolFile } from '../spool/spool-format.js';
import { UNREADABLE_DIR } from '../spool/spool-reader.js';
import { SPOOL_FILE_SUFFIX } from '../spool/spool-writer.js';
import { normalisedEmail, rawBodyHasEmail } from '../store/erase-plan.js';
import { rawBodyHasOrder } from '../store/raw-body-order.js';

export interface SpoolMatch {
  /** The spooled delivery's id (the one it was acknowledged with), or the file's name when it cannot be read. */
  id: string;
  shop: string | null;
  event: string | null;
  /** `unreadable/`: moved aside as damaged, never drained. */
  unreadable: boolean;
}

export interface SpoolCriteria {
  email?: string;
  shop?: string;
  order?: { shop: string; innerId: string };
}

async function namesIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

function matches(criteria: SpoolCriteria, shop: string | null, body: Buffer): boolean {
  if (
    criteria.email !== undefined &&
    (criteria.shop === undefined || shop === null || shop === criteria.shop)
  ) {
    if (rawBodyHasEmail(body, normalisedEmail(criteria.email))) return true;
  }
  const order = criteria.order;
  return (
    order !== undefined && (shop === null || shop === order.shop) && rawBodyHasOrder(body, order.innerId)
  );
}

/** The spool files (waiting, and moved aside as unreadable) that hold the person's data. */
export async function findInSpool(dir: string, criteria: SpoolCriteria): Promise<SpoolMatch[]> {
  const found: SpoolMatch[] = [];
  for (const name of await namesIn(dir)) {
    if (!name.endsWith(SPOOL_FILE_SUFFIX)) continue;
    const file = await readFile(join(dir, name)).catch(() => null);
    if (file === null) continue; // drained meanwhile
    let entry: ReturnType<typeof decodeSpoolFile> | null = null;
    try {
      entry = decodeSpoolFile(file);
    } catch {
      // the drainer moves it aside; its bytes are searched as they are
    }
    const { shop, event, id, body } =
      entry === null
        ? { shop: null, event: null, id: name, body: file }
        : {
            shop: entry.delivery.shop,
            event: entry.delivery.event,
            id: entry.delivery.id,
            body: entry.delivery.rawBody,
          };
    if (matches(criteria, shop, body)) found.push({ id, shop, event, unreadable: false });
  }
  const aside = join(dir, UNREADABLE_DIR);
  for (const name of await namesIn(aside)) {
    const file = await readFile(join(aside, name)).catch(() => null);
    if (file === null) continue;
    if (matches(criteria, null, file)) found.push({ id: name, shop: null, event: null, unreadable: true });
  }
  return found;
}
