import { AdminAnswerError, type AdminTargetOptions, openAdminApi } from '../admin-api/admin-api-client.js';
import { formatTime } from '../admin-api/admin-format.js';
import type { MarkUninstalledJson } from '../admin-api/admin-types.js';
import { isRunningListen } from '../admin-api/running-listen.js';
import { CliError } from '../cli-error.js';
import { productName } from '../cli-invocation.js';
import { defineCommand } from '../command.js';
import { assertShopName } from '../config/shop-name.js';

export interface MarkUninstalledOptions extends AdminTargetOptions {
  shop: string;
}

export interface MarkUninstalledResult extends MarkUninstalledJson {
  receiver: string;
}

/**
 * `srhooks app mark-uninstalled SHOP`: tells a receiver in app mode that the shop uninstalled the app when
 * ShopRenter's uninstall call never reached it (`POST /admin/api/shops/:shop/uninstall`): the same effects
 * as that call. Not the sandbox's `app uninstall`, which makes the sandbox uninstall the app and send the call.
 */
export const markUninstalledCommand = defineCommand<MarkUninstalledOptions, MarkUninstalledResult>({
  async run(options, context) {
    assertShopName(options.shop, '');
    const api = await openAdminApi(options, context.env);
    const answer = await api
      .post<MarkUninstalledJson>(`/shops/${encodeURIComponent(options.shop)}/uninstall`)
      .catch(async (error: unknown) => {
        // The receiver's words name its app block and config file: srhooks listen has neither.
        if (
          error instanceof AdminAnswerError &&
          error.code === 'app_mode_off' &&
          (await isRunningListen(api.receiverUrl, context.env))
        )
          throw new CliError(
            `${productName('listen')} (${api.receiverUrl}) runs no platform app, so it has no app shops to mark uninstalled`,
            {
              code: error.code,
              exitCode: error.exitCode,
              hint: `it serves the shops it was started with (--shop, SRHOOKS_SHOP or ${productName('login')}'s): to stop serving ${options.shop}, restart srhooks listen without it; app mode is the receiver's (@srhooks/receiver, its "app" config block)`,
            },
          );
        throw error;
      });
    return {
      receiver: api.receiverUrl,
      shop: answer.shop,
      uninstalledAt: answer.uninstalledAt,
      cancelledJobs: answer.cancelledJobs,
      deliveryId: answer.deliveryId,
      alreadyUninstalled: answer.alreadyUninstalled,
    };
  },

  render(result, style) {
    const when = formatTime(result.uninstalledAt);
    if (result.alreadyUninstalled)
      return `${style.green('✔')} ${result.shop} was already uninstalled (since ${when}) at ${result.receiver}: nothing changed`;
    const jobs = result.cancelledJobs === 1 ? '1 pending job' : `${result.cancelledJobs} pending jobs`;
    return [
      `${style.green('✔')} ${result.shop} marked uninstalled at ${result.receiver} (${when})`,
      `  its delivery URLs answer 404 from now on; recovery stops for it`,
      `  ${jobs} cancelled (dead letters: srhooks events list --shop ${result.shop} --status dead)`,
      `  the app's handlers get app_uninstalled (delivery ${result.deliveryId})`,
    ].join('\n');
  },
});
