/** Replaced at bundle time by tsup (`define` in tsup.config.ts) with package.json's version. */
declare const __SRHOOKS_VERSION__: string;
