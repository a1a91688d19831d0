/** `webhooks sync`'s human output: each shop's plan (or what was applied), line by line. */
import { maskDeliveryUrl } from '../../delivery/mask-delivery-url.js';
import type { Style } from '../../output/index.js';
import type { ShopSyncResult, SyncLine, SyncResult } from './sync.js';
import { delayText } from './webhook-view.js';

function show(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (Array.isArray(value)) return `[${value.join(', ')}]`;
  if (typeof value === 'object') {
    const delay = value as { value?: unknown; unit?: unknown };
    if ('value' in delay && 'unit' in delay) return delayText(delay.value, delay.unit);
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

const SYMBOL = { create: '+', update: '~', delete: '-', keep: '#' } as const;

/** One shop's part of the output: its lines, its plan, and what was done or is left to do. */
export function renderSyncShop(shop: ShopSyncResult, result: SyncResult, style: Style): string {
  const colour = { create: style.green, update: style.yellow, delete: style.red, keep: style.dim } as const;
  const out = [style.bold(`shop ${shop.shop}`)];
  if (shop.error) {
    out.push(`  ${style.red('✖')} not synced: ${shop.error.message}`);
    if (shop.error.hint) out.push(`    ${shop.error.hint}`);
    return out.join('\n');
  }
  const width = Math.max(0, ...shop.lines.map((line) => line.event.length));
  for (const line of shop.lines) {
    const paint = colour[line.action];
    const id = line.id ? style.dim(` (${line.id})`) : '';
    const failed = line.ok
      ? ''
      : `  ${style.red(`failed${line.status ? ` ${line.status}` : ''}: ${line.error?.message ?? ''}`)}`;
    out.push(
      `  ${paint(`${SYMBOL[line.action]} ${line.action.padEnd(6)}`)}  ${line.event.padEnd(width)}  ${maskDeliveryUrl(line.url)}${id}${failed}`,
    );
    const indent = ' '.repeat(14);
    if (line.desired) {
      const d = line.desired;
      out.push(
        style.dim(
          `${indent}type ${d.type} · fields ${d.fields.length > 0 ? d.fields.join(',') : 'default'} · delay ${d.delay ? delayText(d.delay.value, d.delay.unit) : 'at once'} · label ${JSON.stringify(d.label)} · ${d.enabled ? 'enabled' : 'disabled'}`,
        ),
      );
    }
    for (const change of line.changes ?? []) {
      // as the desired line says them: an empty field list is the shop's default set, no delay is at once
      const shown = (value: unknown) =>
        change.property === 'fields' && Array.isArray(value) && value.length === 0
          ? 'default'
          : change.property === 'delay' && (value === null || value === undefined)
            ? 'at once'
            : show(value);
      out.push(`${indent}${change.property}: ${shown(change.from)} ${style.yellow('→')} ${shown(change.to)}`);
    }
    if (line.reason) {
      const why = line.reason === 'duplicate' ? 'duplicate of another subscription' : 'not in the config';
      const prune = line.action === 'keep' ? '; --prune deletes it' : '';
      if (line.receiverUrl) {
        const signed =
          line.signedWith === 'current'
            ? ' signed with the current secret'
            : line.signedWith === 'old'
              ? ' signed with an old secret'
              : line.signedWith === 'none'
                ? ' signed with none of SRHOOKS_SECRETS (the receiver answers 404)'
                : '';
        const still = line.action === 'keep' ? `: the shop still delivers every ${line.event} to it` : '';
        const text = `${indent}this receiver's URL${signed}, ${why}${still}${prune}`;
        out.push(line.action === 'keep' ? style.yellow(text) : style.dim(text));
      } else {
        out.push(style.dim(`${indent}${why}${prune}`));
      }
    }
  }
  const count = (action: SyncLine['action']) => shop.lines.filter((line) => line.action === action).length;
  const plan = [`${count('create')} to create`, `${count('update')} to update`];
  if (result.prune) plan.push(`${count('delete')} to delete`);
  plan.push(`${shop.unchanged} unchanged`);
  if (!result.prune && count('keep') > 0) plan.push(`${count('keep')} extra kept`);
  out.push(`Plan: ${plan.join(', ')}.`);
  const n = shop.receiverExtras;
  const notes: string[] = [];
  if (n > 0) {
    notes.push(
      `${style.yellow('!')} ${n} subscription${n === 1 ? '' : 's'} to this receiver ${n === 1 ? 'is' : 'are'} not in the config: run srhooks webhooks sync -f ${result.file} --prune to delete ${n === 1 ? 'it' : 'them'}`,
    );
  }
  const d = shop.duplicates;
  if (d > 0) {
    notes.push(
      `${style.yellow('!')} ${d} duplicate subscription${d === 1 ? '' : 's'}: the shop delivers each such event twice; run srhooks webhooks sync -f ${result.file} --prune to delete ${d === 1 ? 'it' : 'them'}`,
    );
  }
  const onlyKept = shop.lines.every((line) => line.action === 'keep');
  if (shop.inSync) {
    out.push(`${style.green('✔')} in sync: nothing to do`);
  } else if (notes.length > 0 && onlyKept) {
    // nothing to create or update: only what was kept needs the user
  } else if (result.dryRun) {
    out.push(style.yellow('dry run: nothing was changed (run without --dry-run to apply)'));
  } else {
    const s = shop.summary;
    const done = `${s.created} created, ${s.updated} updated${result.prune ? `, ${s.deleted} deleted` : ''}`;
    out.push(
      shop.ok
        ? `${style.green('✔')} applied: ${done}`
        : `${style.red('✖')} applied: ${done}; ${s.failed} failed`,
    );
  }
  out.push(...notes);
  return out.join('\n');
}
