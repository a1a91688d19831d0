/**
 * Whether `--json` was given, read from the raw arguments: commander may stop parsing before it has
 * seen the flag (at a usage error, `srhooks webhooks list --bogus --json`; at `--version`, which ends
 * the parse where it stands: `srhooks --version --json`). Arguments after `--` are operands, not flags.
 * Its own module, small, as the entry point reads it for `--version`.
 */
export function jsonRequested(argv: readonly string[]): boolean {
  for (const arg of argv.slice(2)) {
    if (arg === '--') return false;
    if (arg === '--json') return true;
  }
  return false;
}
