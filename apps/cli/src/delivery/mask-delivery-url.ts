/**
 * A signed receiver URL with its token cut to four characters, for output and logs: the token is
 * what makes a delivery authentic, so only `srhooks url` ever prints it whole.
 */
export function maskDeliveryUrl(url: string): string {
  return url.replace(
    /(\/hooks\/[^/?#]+\/[^/?#]+\/)([A-Za-z0-9_-]{4})[A-Za-z0-9_-]+/,
    (_match, prefix: string, start: string) => `${prefix}${start}…`,
  );
}

/** Every signed receiver URL in a text (an error message) with its token cut to four characters. */
export function maskDeliveryUrls(text: string): string {
  return text.replace(
    /(\/hooks\/[^/?#\s]+\/[^/?#\s]+\/)([A-Za-z0-9_-]{4})[A-Za-z0-9_-]+/g,
    (_match, prefix: string, start: string) => `${prefix}${start}…`,
  );
}
