/**
 * App mode's environment variables: they set keys inside `app` (over the config file's), so the
 * app's secrets need not be written into srhooks.config.json. Setting SRHOOKS_APP_CLIENT_ID turns app
 * mode on even without an `app` block in the file (with the defaults for everything else).
 */
export const APP_ENV_VARIABLES = {
  SRHOOKS_APP_ID: 'appId',
  SRHOOKS_APP_CLIENT_ID: 'clientId',
  SRHOOKS_APP_CLIENT_SECRET: 'clientSecret',
  SRHOOKS_APP_WEBHOOK_SECRET_KEY: 'webhookSecretKey',
} as const;

/** The `app` object with the environment's values over the file's; undefined when neither sets any. */
export function mergeAppEnv(fileApp: unknown, env: Record<string, string | undefined>): unknown {
  const fromEnv: Record<string, string> = {};
  for (const [variable, key] of Object.entries(APP_ENV_VARIABLES)) {
    const value = env[variable]?.trim();
    if (value) fromEnv[key] = value;
  }
  if (Object.keys(fromEnv).length === 0) return fileApp;
  const base = typeof fileApp === 'object' && fileApp !== null && !Array.isArray(fileApp) ? fileApp : {};
  return { ...base, ...fromEnv };
}
