import envPaths from 'env-paths';

/**
 * The directory holding `credentials.json` and the `listen` database: `SRHOOKS_CONFIG_DIR` when
 * set (tests, CI, several profiles), otherwise the platform's user config dir from env-paths
 * (`~/.config/srhooks` on Linux, `~/Library/Preferences/srhooks` on macOS,
 * `%APPDATA%\srhooks\Config` on Windows).
 */
export function resolveConfigDir(env: Record<string, string | undefined>): string {
  const override = env.SRHOOKS_CONFIG_DIR?.trim();
  if (override) return override;
  return envPaths('srhooks', { suffix: '' }).config;
}
