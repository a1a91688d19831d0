import type { ShopSyncResult } from './sync.js';

/**
 * The line `webhooks sync` prints on stderr as each shop of a run over several finishes, where no
 * spinner shows progress (stderr or stdout not a terminal, `--json`): `acme: 2 created, 1 updated`,
 * `beta: failed — <reason>`, so a CI or cron log shows what happened while the run goes on.
 */
export function shopProgressLine(
  shop: ShopSyncResult,
  run: { dryRun: boolean; prune: boolean; done: number; total: number },
): string {
  const of = ` (${run.done} of ${run.total} shops done)`;
  if (shop.error) return `${shop.shop}: failed — ${shop.error.message}${of}`;
  if (shop.inSync) return `${shop.shop}: in sync${of}`;
  const count = (action: string) => shop.lines.filter((line) => line.action === action).length;
  if (run.dryRun) {
    const plan = [`${count('create')} to create`, `${count('update')} to update`];
    if (run.prune) plan.push(`${count('delete')} to delete`);
    return `${shop.shop}: dry run, ${plan.join(', ')}${of}`;
  }
  const s = shop.summary;
  const done = `${s.created} created, ${s.updated} updated${run.prune ? `, ${s.deleted} deleted` : ''}`;
  return `${shop.shop}: ${done}${s.failed > 0 ? `; ${s.failed} failed` : ''}${of}`;
}
