/** Replaced at bundle time by tsup (`define` in tsup.config.ts) with package.json's version. */
declare const __SRHOOKS_VERSION__: string;
/**
 * Replaced by tsup (and by vitest.config.ts for tests of src/) with package.json's name
 * (`@srhooks/cli`): what the user passes to `npx` / `pnpm dlx`.
 */
declare const __SRHOOKS_PACKAGE_NAME__: string;
