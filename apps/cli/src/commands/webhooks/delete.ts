import { EXIT_CODES, type ExitCode } from '../../cli-error.js';
import { defineCommand } from '../../command.js';
import { toCliError } from '../../error-report.js';
import { connectShop } from '../../shop-client.js';
import { forWebhookId } from './webhook-id.js';

export interface DeleteWebhooksOptions {
  shop?: string;
  /** `--timeout`: the time limit in ms of each request to the shop (default: the client's). */
  timeoutMs?: number;
  ids: string[];
}

export interface DeleteWebhooksResult {
  shop: string;
  deleted: string[];
  /**
   * The id whose delete failed after earlier ones were deleted: the run stopped there. (When the
   * first id fails, nothing was deleted and the command ends with that error instead.)
   */
  failed?: { id: string; error: { code: string; message: string; hint?: string; exitCode: ExitCode } };
  /** The ids after the failed one, left as they were (only with `failed`). */
  notTried?: string[];
}

export const deleteWebhooksCommand = defineCommand<DeleteWebhooksOptions, DeleteWebhooksResult>({
  async run(options, context) {
    const { target, client } = await connectShop(options.shop, context.env, options.timeoutMs);
    const deleted: string[] = [];
    // one after another: the shop allows 3 requests a second, and a failure stops the rest
    for (const [index, id] of options.ids.entries()) {
      try {
        await forWebhookId(target.shop, id, () => client.webhooks.delete(id));
      } catch (error) {
        // nothing deleted yet: one error, as for a single id
        if (deleted.length === 0) throw error;
        // some were deleted: say which, which failed, and which were not tried
        const { code, message, hint, exitCode } = toCliError(error);
        return {
          shop: target.shop,
          deleted,
          failed: { id, error: { code, message, ...(hint === undefined ? {} : { hint }), exitCode } },
          notTried: options.ids.slice(index + 1),
        };
      }
      deleted.push(id);
    }
    return { shop: target.shop, deleted };
  },

  render(result, style) {
    const lines = result.deleted.map((id) => `${style.green('✔')} deleted webhook ${id}`);
    if (result.failed) {
      lines.push(`${style.red('✖')} not deleted ${result.failed.id}: ${result.failed.error.message}`);
      if (result.failed.error.hint) lines.push(`  ${result.failed.error.hint}`);
      if (result.notTried?.length) {
        lines.push(
          style.yellow(`not tried (the run stopped at ${result.failed.id}): ${result.notTried.join(' ')}`),
        );
      }
    }
    return lines.join('\n');
  },

  exitCode(result) {
    return result.failed ? result.failed.error.exitCode : EXIT_CODES.ok;
  },
});
