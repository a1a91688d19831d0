/**
 * What a handler author reads when the file does not load because of a syntax error. Node's
 * SyntaxError from `import()` names neither the file nor the line ("Unexpected token ';'"), so the
 * author of a 200-line handler had to guess; the error now says where (file:line:column), or that the
 * file itself parses and the mistake is in a file it imports.
 *
 * The handler is loaded by the built receiver in a plain Node process (dist/, rebuilt first when src/
 * is newer): under vitest, `import()` goes through Vite's transform, whose errors are not Node's.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltMain, RECEIVER_ROOT } from '../../test-support/built-main.js';
import { tempDir } from '../test-support/processing-fixtures.js';

const tmp = tempDir('module-load-errors');
afterAll(() => tmp.cleanup());
beforeAll(() => {
  ensureBuiltMain();
}, 120_000);

/** `createModuleHandler({path}).load()` in a plain Node process: the message it rejects with, or null. */
function loadFailure(path: string): { message: string } | null {
  const moduleJs = pathToFileURL(join(RECEIVER_ROOT, 'dist/processing/handlers/module.js')).href;
  const script = `import { pino } from 'pino';
import { createModuleHandler } from ${JSON.stringify(moduleJs)};
const handler = createModuleHandler({ name: 'erp', path: ${JSON.stringify(path)}, logger: pino({ level: 'silent' }), clients: {} });
handler.load().then(() => process.stdout.write('null'), (error) => process.stdout.write(JSON.stringify({ message: error.message })));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: RECEIVER_ROOT,
    encoding: 'utf8',
  });
  return JSON.parse(out) as { message: string } | null;
}

describe('a module handler file with a syntax error', () => {
  it('names the file, line and column of the mistake', async () => {
    const path = join(tmp.dir, 'erp-handlers.mjs');
    writeFileSync(
      path,
      'export default {\n  order_confirm: async (event) => {\n    const total = ;\n  },\n};\n',
    );
    const failure = loadFailure(path);
    expect(failure?.message).toBe(
      `Handler module ${path} failed to load: syntax error at ${path}:3:19: Unexpected token ';'`,
    );
  });

  it('says the mistake is in a file it imports when the file itself parses', async () => {
    const helper = join(tmp.dir, 'erp-mapping.mjs');
    writeFileSync(helper, 'export function toErp(order) {\n  return { total: order.totalGross, };;\n}}\n');
    const path = join(tmp.dir, 'erp-entry.mjs');
    writeFileSync(
      path,
      "import { toErp } from './erp-mapping.mjs';\nexport default { order_confirm: async (event) => toErp(event.order) };\n",
    );
    const failure = loadFailure(path);
    expect(failure?.message).toBe(
      `Handler module ${path} failed to load: syntax error in a file it imports (${path} itself parses): Unexpected token '}'; run node --check on the files it imports to find it, then restart the receiver (Node keeps a file it imports as it first loaded it)`,
    );
  });
});

describe('a module handler path a newcomer gets wrong', () => {
  it('a TypeScript file: says Node runs the compiled JavaScript and where to point the path', async () => {
    const path = join(tmp.dir, 'erp.ts');
    writeFileSync(path, 'export default { order_confirm: async (): Promise<void> => {} };\n');
    const failure = loadFailure(path);
    expect(failure?.message).toBe(
      `Handler module ${path} failed to load: it is TypeScript, which Node does not run: compile it to ESM JavaScript (tsc with "module": "NodeNext") and point "path" at the compiled .js file`,
    );
  });

  it('a file that does not exist: says so in words (not ENOENT), and for a build folder that it may not be built yet', async () => {
    const path = join(tmp.dir, 'dist', 'handlers.js');
    const failure = loadFailure(path);
    expect(failure?.message).toBe(
      `Handler module ${path} does not exist; check the "path" of the module handler (relative paths are resolved from the config file's directory), or build it first if it is compiled output`,
    );
  });

  it('a file that imports @srhooks/receiver where it is not installed: says where packages are looked up, and that defineHandlers is optional', async () => {
    const path = join(tmp.dir, 'uses-define-handlers.mjs');
    writeFileSync(
      path,
      "import { defineHandlers } from '@srhooks/receiver';\nexport default defineHandlers({ order_confirm: async () => {} });\n",
    );
    const failure = loadFailure(path);
    expect(failure?.message).toBe(
      `Handler module ${path} failed to load: ERR_MODULE_NOT_FOUND: Cannot find package '@srhooks/receiver' imported from ${path}; packages a handler imports are looked up from its own folder upwards (node_modules), not from the receiver's: install them there (npm install @srhooks/receiver), or export a plain object instead (export default { order_confirm: async (event, ctx) => {…} }: defineHandlers only adds type checking)`,
    );
  });
});
