#!/usr/bin/env node
/**
 * The first step of a tsc-built package's `build` (run from the package folder, as npm and pnpm run
 * scripts): removes its `dist/`. tsc only writes, never deletes, so a source file removed or renamed
 * would leave its old `.js` and `.d.ts` in `dist/`, and `pnpm pack` would ship them (still loadable
 * through a deep import). The CLI's tsup build cleans by itself (`clean: true`).
 * tests/release build-cleans-dist.test.ts checks every published package's build.
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';

rmSync(resolve('dist'), { recursive: true, force: true });
