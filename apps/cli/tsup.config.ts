import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

/**
 * One ESM bundle for the `srhooks` bin. cli.ts loads each command with a dynamic import, and code
 * splitting turns every command into its own chunk, so `--version`/`--help` load only commander
 * and the wiring. Workspace packages and their dependencies (including the native
 * better-sqlite3) stay external: they are `dependencies`, resolved from node_modules at run time;
 * only commander is bundled in.
 */
export default defineConfig({
  entry: { cli: 'src/cli.ts', index: 'src/index.ts' },
  tsconfig: 'tsconfig.build.json',
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  splitting: true,
  treeshake: true,
  clean: true,
  // declarations without a type check of their own: the typecheck task checks the sources (as with tsc
  // --noCheck in the other packages' builds)
  dts: { entry: { index: 'src/index.ts' }, compilerOptions: { noCheck: true } },
  sourcemap: false,
  minify: false,
  // cli.ts starts with `#!/usr/bin/env node`; esbuild keeps an entry's hashbang (and only cli.js has it)
  // package.json's version (`--version`) and name (`npx @srhooks/cli …` in cli-invocation.ts)
  define: {
    __SRHOOKS_VERSION__: JSON.stringify(pkg.version),
    __SRHOOKS_PACKAGE_NAME__: JSON.stringify(pkg.name),
  },
  external: ['better-sqlite3'],
  // commander is bundled into cli.js: one file to read instead of seven (about 0.1× of `node -e 0`)
  noExternal: ['commander'],
  // commander is CommonJS: esbuild's require shim needs a real `require` in every ESM chunk
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
});
