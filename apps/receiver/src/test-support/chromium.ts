/**
 * Debian's Chromium through playwright-core for the browser tests. Missing Chromium is a failure with
 * instructions, never a skip.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * How long a page action or wait may take by default (playwright's own default is 30 s): a page load
 * takes well under a second on a quiet machine, but one slow, loaded CI machine ran everything 2.8
 * times slower and 30 s waits failed pages that were only slow. A limit is for a page that hangs.
 */
export const BROWSER_WAIT_MS = 60_000;

/** Debian's Chromium; every context (and page) it opens waits up to BROWSER_WAIT_MS by default. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}; the browser tests need Debian's package: ` +
        'run `apt-get update && apt-get install -y chromium` (.ci/run installs it in CI).',
    );
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  // Browser.newPage opens its context through newContext, so both get the default.
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    context.setDefaultTimeout(BROWSER_WAIT_MS);
    return context;
  };
  return browser;
}
