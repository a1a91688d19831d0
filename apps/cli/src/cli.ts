#!/usr/bin/env node
/**
 * The `srhooks` entry point: runs the program (program.ts) and turns how it ended into the exit code.
 * Every command module is loaded with a dynamic import inside its action (see src/wiring/), so
 * `srhooks --version` and `--help` load nothing but commander, the program and its wiring.
 */
import { CommanderError } from 'commander';
import { endQuietlyOnClosedPipe } from './output/closed-pipe.js';
import { buildProgram } from './program.js';

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end as "errors" with exit code 0; every other one is a usage error,
      // already printed on stderr by commander (under --json also a document on stdout)
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      if (error.exitCode !== 0) {
        const { reportUsageErrorAsJson } = await import('./usage-error.js');
        reportUsageErrorAsJson(error, argv);
      }
      return;
    }
    const { reportError } = await import('./report-error.js');
    process.exitCode = reportError(error, program.opts(), program);
  }
}

endQuietlyOnClosedPipe();
await main(process.argv);
