/**
 * Every ```ts block of this package's README type-checks under `strict`, as a user would paste
 * it: each block is its own module, with `@srhooks/client` (this package's source) and
 * `@srhooks/contracts` resolvable. What a snippet leaves to the reader is declared for it: the
 * variables it uses without defining (`shop`, `url`, …), small stand-ins for express, fastify and hono, and
 * type imports for the package's exported names it mentions. A block that declares an interface
 * or type the package exports (`interface ShopRenterClient {…}`) must describe the real one:
 * each must be assignable to the other.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { INPUT_ERROR_CODES } from './errors.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((match) => match[1] ?? '');

const STUBS = `
declare module 'express' {
  import type { IncomingMessage } from 'node:http';
  export interface Response {
    status(code: number): Response;
    json(body: unknown): Response;
    sendStatus(code: number): Response;
  }
  type Handler = (req: IncomingMessage, res: Response) => unknown;
  export interface Application {
    get(path: string, handler: Handler): void;
    post(path: string, handler: Handler): void;
    listen(port: number): void;
  }
  export default function express(): Application;
}
declare module 'fastify' {
  import type { IncomingMessage } from 'node:http';
  export interface FastifyReply {
    code(status: number): FastifyReply;
    send(body?: unknown): FastifyReply;
  }
  export interface FastifyRequest {
    raw: IncomingMessage;
  }
  export interface FastifyInstance {
    register(plugin: (instance: FastifyInstance) => Promise<void>): Promise<void>;
    removeAllContentTypeParsers(): void;
    addContentTypeParser(
      type: string,
      parser: (request: FastifyRequest, payload: IncomingMessage, done: (error: Error | null, body?: unknown) => void) => void,
    ): void;
    post(path: string, handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>): void;
    listen(options: { port: number; host?: string }): Promise<string>;
  }
  export default function Fastify(): FastifyInstance;
}
declare module 'hono' {
  export interface Context {
    req: { raw: Request };
    json(body: unknown, status: 400 | 200): Response;
    body(body: null, status: number): Response;
  }
  export class Hono {
    post(path: string, handler: (c: Context) => unknown): void;
  }
}
`;

/** Variables the README's snippets use without defining, with the type the text gives them. */
const FREE: Record<string, string> = {
  shop: "import('@srhooks/client').ShopRenterClient",
  url: 'string',
  confirmUrl: 'string',
  statusUrl: 'string',
  app: "import('express').Application",
};

function exportedNames(file: string): Set<string> {
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const symbol = source && checker.getSymbolAtLocation(source);
  return new Set(symbol ? checker.getExportsOfModule(symbol).map((s) => s.name) : []);
}

const clientExports = exportedNames(join(root, 'src/index.ts'));
const contractsExports = exportedNames(join(root, 'node_modules/@srhooks/contracts/dist/index.d.ts'));

function moduleFor(block: string): string {
  const declared = new Set(
    [...block.matchAll(/\b(?:interface|type|const|let|class|function)\s+([A-Za-z_$][\w$]*)/g)].map(
      (m) => m[1] ?? '',
    ),
  );
  const imported = new Set(
    [...block.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}/g)].flatMap((m) =>
      (m[1] ?? '').split(',').map(
        (name) =>
          name
            .trim()
            .split(/\s+as\s+/)
            .pop() ?? '',
      ),
    ),
  );
  for (const m of block.matchAll(/import\s+([A-Za-z_$][\w$]*)\s+from/g)) imported.add(m[1] ?? '');
  const words = new Set(block.replace(/\/\/.*$/gm, '').match(/\b[A-Z][\w$]*\b/g) ?? []);
  const fromClient: string[] = [];
  const fromContracts: string[] = [];
  for (const word of words) {
    if (declared.has(word) || imported.has(word)) continue;
    if (clientExports.has(word)) fromClient.push(word);
    else if (contractsExports.has(word)) fromContracts.push(word);
  }
  const prelude = [
    fromClient.length > 0 ? `import type { ${fromClient.join(', ')} } from '@srhooks/client';` : '',
    fromContracts.length > 0 ? `import type { ${fromContracts.join(', ')} } from '@srhooks/contracts';` : '',
    ...Object.entries(FREE)
      .filter(
        ([name]) => !declared.has(name) && !imported.has(name) && new RegExp(`\\b${name}\\b`).test(block),
      )
      .map(([name, type]) => `declare const ${name}: ${type};`),
  ];
  // A line that is only `…` stands for code the reader writes.
  const body = block.replace(/^\s*…\s*$/gm, '');
  // A declaration of an exported interface/type must match the real one.
  const checks = [...declared]
    .filter((name) => /^[A-Z]/.test(name) && (clientExports.has(name) || contractsExports.has(name)))
    .map((name) => {
      const from = clientExports.has(name) ? '@srhooks/client' : '@srhooks/contracts';
      return `type __Real_${name} = import('${from}').${name};
const __readmeMatches_${name}: [${name}] extends [__Real_${name}] ? ([__Real_${name}] extends [${name}] ? true : 'the README describes ${name} differently from the package') : 'the README describes ${name} differently from the package' = true;`;
    });
  return `${prelude.filter(Boolean).join('\n')}\n${body}\n${checks.join('\n')}\nexport {};\n`;
}

describe("the client README's TypeScript blocks", () => {
  it('has some', () => {
    expect(blocks.length).toBeGreaterThan(5);
  });

  it('type-check under strict, each as a module', () => {
    const dir = join(root, 'node_modules/.cache/readme-snippets');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'stubs.d.ts'), STUBS);
    const files = blocks.map((block, index) => {
      const file = join(dir, `block-${index + 1}.ts`);
      writeFileSync(file, moduleFor(block));
      return file;
    });
    const program = ts.createProgram([join(dir, 'stubs.d.ts'), ...files], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      skipLibCheck: true,
      types: ['node'],
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      baseUrl: root,
      paths: { '@srhooks/client': ['src/index.ts'] },
    });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file === undefined || files.includes(d.file.fileName))
      .map((d) => {
        const where = d.file
          ? `${d.file.fileName.split('/').pop()}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
          : '';
        return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    expect(problems).toEqual([]);
  });
});

describe('the client README\'s "Everything exported"', () => {
  it('names every export of the package', () => {
    const start = readme.indexOf('## Everything exported');
    const end = readme.indexOf('\n## ', start + 1);
    const section = readme.slice(start, end < 0 ? undefined : end);
    expect(start).toBeGreaterThan(0);
    const missing = [...clientExports].filter((name) => !new RegExp(`\`${name}[\`(<]`).test(section)).sort();
    expect(missing).toEqual([]);
  });
});

describe('the client README\'s "Everything exported": what it says is also alone in a subpath', () => {
  it('is exported from the root too (requestTimer was only in @srhooks/client/request-timer)', async () => {
    const root: Record<string, unknown> = await import('./index.js');
    const alone = {
      ...(await import('./http/request-timer.js')),
      ...(await import('./network-failure.js')),
    } as Record<string, unknown>;
    for (const name of ['requestTimer', 'networkFailure', 'failureReason', 'systemCode', 'NETWORK_CODES']) {
      expect(alone[name], name).toBeDefined();
      expect(root[name], name).toBe(alone[name]);
    }
  });
});

describe("the client README's Errors table", () => {
  it('lists exactly the InputError codes (INPUT_ERROR_CODES, the InputErrorCode union)', () => {
    const row = readme.split('\n').find((line) => line.startsWith('| `InputError`')) ?? '';
    const codes = (row.split('|')[2] ?? '').match(/`([a-z_]+)`/g)?.map((code) => code.slice(1, -1)) ?? [];
    expect(codes.sort()).toEqual([...INPUT_ERROR_CODES].sort());
  });
});
