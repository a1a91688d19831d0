import { remoteError } from '../../cli-error.js';

/**
 * `request` for the subscription `id` of `shop`: a 404 of the shop's API (the client's NotFoundError,
 * recognised by its name so the client is not loaded for it) becomes "no webhook with id … on SHOP",
 * keeping the API's own words, with the command that lists the ids as the fix. Exit 3, code
 * `not_found`: the API said no. Any other error as it is.
 */
export async function forWebhookId<T>(shop: string, id: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'NotFoundError') throw error;
    const said = (error as { serverMessage?: unknown }).serverMessage;
    throw remoteError(
      `no webhook with id "${id}" on ${shop} (the shop's API answered 404${typeof said === 'string' && said ? `: ${said}` : ''})`,
      `list them with srhooks webhooks list --shop ${shop}`,
      'not_found',
      error,
    );
  }
}
