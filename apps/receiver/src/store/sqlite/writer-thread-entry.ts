/**
 * Where the writer thread's code is. Built (`dist/`), it is the compiled `sqlite-writer-thread.js` next
 * to this module. Run from the TypeScript sources (vitest transforms the test process's own modules, but
 * a worker thread loads files with plain Node, which cannot read TypeScript), the thread's module and
 * the modules it imports from `src/` are transpiled once into `node_modules/.cache/` of this package, by
 * content hash, and the thread starts from there; bare imports (`better-sqlite3`, `@srhooks/contracts`)
 * resolve from the package's node_modules as usual.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const THREAD_MODULE = 'sqlite-writer-thread';
const RELATIVE_IMPORT = /(?:^|[\s;])(?:import|export)\s(?:[^'"]*?\sfrom\s)?['"](\.{1,2}\/[^'"]+)['"]/g;

/** The thread module's URL, transpiling the sources first when running from them. */
export function writerThreadEntry(): URL {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new URL(`./${THREAD_MODULE}.js`, here);
  return transpiledEntry(fileURLToPath(new URL(`./${THREAD_MODULE}.ts`, here)));
}

/** `entry` and every `.ts` module it reaches through relative imports, by path. */
function sourceClosure(entry: string): Map<string, string> {
  const sources = new Map<string, string>();
  const pending = [entry];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (sources.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    sources.set(file, text);
    for (const match of text.matchAll(RELATIVE_IMPORT)) {
      const target = resolve(dirname(file), (match[1] as string).replace(/\.js$/, '.ts'));
      if (existsSync(target)) pending.push(target);
    }
  }
  return sources;
}

function transpiledEntry(entry: string): URL {
  const srcRoot = resolve(dirname(entry), '../../');
  const packageRoot = dirname(srcRoot);
  const sources = sourceClosure(entry);
  const requireHere = createRequire(import.meta.url);
  const typescriptVersion = (requireHere('typescript/package.json') as { version: string }).version;
  const hash = createHash('sha256').update(typescriptVersion);
  for (const [file, text] of [...sources].sort(([a], [b]) => a.localeCompare(b))) {
    hash.update(relative(srcRoot, file)).update('\0').update(text).update('\0');
  }
  const cacheRoot = join(packageRoot, 'node_modules', '.cache', 'srhooks-sqlite-writer');
  const target = join(cacheRoot, hash.digest('hex').slice(0, 16));
  const entryOut = join(target, relative(srcRoot, entry).replace(/\.ts$/, '.js'));
  if (existsSync(entryOut)) return pathToFileURL(entryOut);

  const ts = requireHere('typescript') as typeof import('typescript');
  // Written aside, then renamed into place, so concurrent test processes never see half a tree.
  const staging = `${target}.${process.pid}.${randomBytes(4).toString('hex')}`;
  for (const [file, text] of sources) {
    const out = join(staging, relative(srcRoot, file).replace(/\.ts$/, '.js'));
    const { outputText } = ts.transpileModule(text, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
        sourceMap: false,
      },
    });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  try {
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(entryOut)) throw error;
  }
  pruneStale(cacheRoot, target);
  return pathToFileURL(entryOut);
}

/** Removes transpiled trees of older sources (untouched for an hour, so no running test still uses them). */
function pruneStale(cacheRoot: string, keep: string): void {
  const cutoff = Date.now() - 60 * 60 * 1000;
  for (const name of readdirSync(cacheRoot)) {
    const path = join(cacheRoot, name);
    if (path === keep) continue;
    try {
      if (statSync(path).mtimeMs < cutoff) rmSync(path, { recursive: true, force: true });
    } catch {
      // Another process removed it meanwhile.
    }
  }
}
