/** Fixed secrets for the scenarios' receivers and forward targets (test values, never used elsewhere). */
export const RELIABILITY_SECRET = 'reliability-url-secret-0123456789abcdef';
export const RELIABILITY_ADMIN_TOKEN = 'reliability-admin-token-0123456789';
/** Standard Webhooks secret: whsec_ + base64 of 32 bytes. */
export const FORWARD_SECRET = `whsec_${Buffer.from('reliability-forward-secret-32byte').toString('base64')}`;
