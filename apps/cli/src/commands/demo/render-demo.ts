import type { CliPrefix } from '../../cli-invocation.js';
import { renderTable, type Style } from '../../output/index.js';
import type { ArrivedEvent } from './arrived-event.js';
import type { DemoResult } from './demo-result.js';

function subject(row: ArrivedEvent): string {
  if (row.orderNumber) return `#${row.orderNumber}`;
  return row.subscriberId ? `subscriber ${row.subscriberId}` : '';
}

function total(row: ArrivedEvent): string {
  if (row.total === null) return '';
  return `${row.total}${row.currency ? ` ${row.currency}` : ''}`;
}

function handlers(row: ArrivedEvent, style: Style): string {
  if (row.handlers.length === 0) return style.dim('no handler');
  return row.handlers
    .map((job) =>
      job.status === 'succeeded'
        ? `${job.handler} ${style.green('✔')}`
        : `${job.handler} ${style.red(job.status)}${job.error ? style.dim(` (${job.error})`) : ''}`,
    )
    .join('  ');
}

/** The table of what arrived at the receiver. */
export function renderArrivals(rows: readonly ArrivedEvent[], style: Style): string {
  return renderTable(rows, [
    { header: 'EVENT', value: (row) => row.event },
    { header: 'ORDER / SUBSCRIBER', value: subject },
    { header: 'CUSTOMER', value: (row) => row.customer ?? '' },
    { header: 'TOTAL', value: total, align: 'right' },
    { header: 'HANDLERS', value: (row) => handlers(row, style) },
  ]);
}

/**
 * The demo's human result: the table, the handlers' work, and where to look next. `cli` starts the
 * commands it suggests, written as the user started the demo (see cli-invocation.ts).
 */
export function renderDemo(result: DemoResult, style: Style, cli: CliPrefix): string {
  const lines = ['', style.bold(`What arrived at the receiver (${result.arrived.length} events):`)];
  lines.push(renderArrivals(result.arrived, style), '');
  if (!result.allHandled) {
    const failed = result.arrived.filter((row) => row.status !== 'succeeded');
    lines.push(
      `${style.red('✖')} not handled: ${failed.map((row) => `${row.event} ${subject(row)} (${row.status})`).join(', ')}`,
    );
  }
  if (result.reviewRequests) {
    const written = result.reviewRequests.written;
    // The table shows the orders that arrived; the recovered order's e-mail is written too (below).
    const inTable = result.arrived.filter((row) =>
      row.handlers.some((job) => job.handler === 'review-request' && job.status === 'succeeded'),
    ).length;
    const split =
      written > inTable && result.recovery.status === 'succeeded'
        ? ` (${inTable} for the orders above, ${written - inTable} for order #${result.recovery.orderNumber} recovered below)`
        : '';
    lines.push(
      `${style.green('✔')} review-request wrote ${written} review e-mail${written === 1 ? '' : 's'}${split} to ${result.once ? 'its outbox' : result.reviewRequests.outbox}`,
    );
  }
  if (result.nats) {
    const { messages, events, stream, servers } = result.nats;
    lines.push(
      `${style.green('✔')} nats published ${events} event${events === 1 ? '' : 's'} to JetStream stream ${stream} at ${servers}; a consumer read back ${messages} message${messages === 1 ? '' : 's'}:`,
      ...Object.entries(result.nats.subjects).map(([subject, count]) => `    ${subject}  ${count}`),
    );
  }
  const recovery = result.recovery;
  lines.push(
    `${recovery.status === 'succeeded' ? style.green('✔') : style.red('✖')} recovery: order #${recovery.orderNumber} was placed while the receiver was down (its delivery ${recovery.delivery}); ` +
      `the receiver read it back from the shop's API at its restart and stored it with source ${style.bold(recovery.source)} (handlers ${recovery.status})`,
    `  see it with the recovery badge: ${recovery.inspector}`,
  );
  if (!result.once) lines.push(`  events log (log handler): ${result.eventsLog}`);
  lines.push(
    '',
    `inspector    ${style.bold(result.receiver.inspector)}`,
    `admin token  ${result.receiver.adminToken}`,
  );
  if (!result.once) {
    lines.push(
      '',
      'place another order and watch it arrive in the inspector:',
      `  ${cli} sandbox order --shop ${result.shop} --sandbox-url ${result.sandbox.url}`,
      '',
      style.dim(`Ctrl-C stops the demo and removes its files (${result.receiver.dir})`),
    );
  }
  return lines.join('\n');
}
