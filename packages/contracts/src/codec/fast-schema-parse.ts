/**
 * A faster way to run a zod schema on the plain JSON-like values a delivery decodes to, with exactly
 * zod's result, or no result at all (then the caller runs zod itself).
 *
 * The zod schemas stay the truth: {@link compileFastParse} reads the schema's own definition tree once
 * and turns each node into a small closure that does what zod does for that node (zod 4's rules for
 * objects — schema keys first, in schema order, assigned when present or when an optional-in field yields
 * a value; unknown keys copied after them by a loose object and `__proto__` never copied — optional,
 * arrays, unions of primitive types, pipes), and calls the schema's own transform and preprocess functions.
 * What it saves is zod's bookkeeping per value (a result object and an issue list each, issue objects for
 * every union option tried, the cycle memo), which is most of zod's time on a delivery.
 *
 * It never produces an error: at the first value zod would complain about (or a transform that adds an
 * issue, or anything unexpected), it gives up and returns `null`, and the caller runs zod, which then
 * produces the error with its paths and messages. Nodes it does not know (checks, coercion, defaults,
 * other types) are run by zod (`safeParse` on that node) inside the fast walk.
 */
import type { z } from 'zod';

/** The parse result, or null: run zod instead. */
export type FastParse = (value: unknown) => { readonly value: unknown } | null;

/** Thrown inside the walk (a preallocated object: no stack trace) to abandon it. */
const MISS = Object.freeze({ miss: true });

/** What a transform receives as its second argument (zod passes its payload, with `addIssue`). */
interface TransformContext {
  value: unknown;
  issues: unknown[];
  addIssue(issue: unknown): void;
}

type Run = (value: unknown, context: TransformContext) => unknown;

/** The part of zod 4's internal definition objects this module reads. */
interface ZodDef {
  readonly type: string;
  readonly checks?: readonly unknown[];
  readonly coerce?: boolean;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly out?: z.ZodType;
  readonly transform?: (value: unknown, context: TransformContext) => unknown;
  readonly reverseTransform?: unknown;
  readonly options?: readonly z.ZodType[];
  readonly inclusive?: boolean;
  readonly discriminator?: unknown;
  readonly element?: z.ZodType;
  readonly shape?: Record<string, z.ZodType>;
  readonly catchall?: z.ZodType;
}

interface ZodInternals {
  readonly def: ZodDef;
  readonly optin?: 'optional' | 'defaulted';
  readonly optout?: 'optional';
}

function internals(schema: z.ZodType): ZodInternals {
  return (schema as unknown as { _zod: ZodInternals })._zod;
}

function miss(): never {
  throw MISS;
}

/** The node run by zod itself. */
function delegate(schema: z.ZodType): Run {
  return (value) => {
    const result = schema.safeParse(value);
    return result.success ? result.data : miss();
  };
}

/** Which primitive types a node accepts (zod's string, number, boolean and null, without checks or coercion). */
interface PrimitiveSet {
  string: boolean;
  number: boolean;
  boolean: boolean;
  null: boolean;
}

const NO_PRIMITIVES: PrimitiveSet = { string: false, number: false, boolean: false, null: false };

/** The primitive type `schema` is, as a set of one; null for any other schema, or one with checks or coercion. */
function primitiveOf(schema: z.ZodType): PrimitiveSet | null {
  const def = internals(schema).def;
  if ((def.checks?.length ?? 0) > 0 || def.coerce === true) return null;
  if (def.type === 'string' || def.type === 'number' || def.type === 'boolean' || def.type === 'null') {
    return { ...NO_PRIMITIVES, [def.type]: true };
  }
  return null;
}

/** Passes a value of an accepted primitive type through unchanged, as zod's primitives and their unions do. */
function primitiveRun(accepted: PrimitiveSet): Run {
  const { string, number, boolean } = accepted;
  const nullable = accepted.null;
  return (value) => {
    switch (typeof value) {
      case 'string':
        if (string) return value;
        break;
      case 'number':
        // zod's number refuses NaN and ±Infinity (JSON.parse makes Infinity of 1e400).
        if (number && Number.isFinite(value)) return value;
        break;
      case 'boolean':
        if (boolean) return value;
        break;
      case 'object':
        if (nullable && value === null) return value;
        break;
    }
    return miss();
  };
}

interface Field {
  readonly key: string;
  /**
   * zod's three ways of treating a shape key (see $ZodObjectJIT): assigned when present (optional in and
   * out); required; run even when absent and assigned when present or when the result is not undefined
   * (optional in only, e.g. a preprocess that turns a missing list into []).
   */
  readonly mode: 'whenPresent' | 'required' | 'whenValue';
  readonly run: Run;
}

/**
 * The object node as generated code, as zod does it: literal property names let V8 cache each property
 * access, which a loop over the keys cannot. Keys are embedded as JSON string literals.
 */
function generatedObjectRun(
  fields: readonly Field[],
  keySet: ReadonlySet<string>,
  copyUnknownKeys: boolean,
): Run {
  const lines = [
    'return function fastObject(value, context) {',
    '  if (typeof value !== "object" || value === null || Array.isArray(value)) miss();',
    '  const out = {};',
    '  let v;',
  ];
  fields.forEach(({ key, mode }, index) => {
    const k = JSON.stringify(key);
    // JSON values are never undefined, so `v !== undefined` means present; `in` decides the rest, as in zod.
    lines.push(`  v = value[${k}];`);
    if (mode === 'whenPresent') {
      lines.push(`  if (v !== undefined || ${k} in value) out[${k}] = runs[${index}](v, context);`);
    } else if (mode === 'required') {
      lines.push(
        `  if (v === undefined && !(${k} in value)) miss();`,
        `  out[${k}] = runs[${index}](v, context);`,
      );
    } else {
      lines.push(
        `  { const r = runs[${index}](v, context); if (r !== undefined || v !== undefined || ${k} in value) out[${k}] = r; }`,
      );
    }
  });
  if (copyUnknownKeys) {
    lines.push(
      '  for (const key in value) if (!keySet.has(key) && key !== "__proto__") out[key] = value[key];',
    );
  }
  lines.push('  return out;', '};');
  const factory = new Function('runs', 'miss', 'keySet', lines.join('\n')) as (
    runs: readonly Run[],
    fail: () => never,
    keys: ReadonlySet<string>,
  ) => Run;
  return factory(
    fields.map((field) => field.run),
    miss,
    keySet,
  );
}

/** The same object node without code generation (where `new Function` is not allowed). */
function interpretedObjectRun(
  fields: readonly Field[],
  keySet: ReadonlySet<string>,
  copyUnknownKeys: boolean,
): Run {
  return (value, context) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) miss();
    const input = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const { key, mode, run } of fields) {
      const present = key in input;
      if (mode === 'whenPresent') {
        if (present) out[key] = run(input[key], context);
      } else if (mode === 'required') {
        if (!present) miss();
        out[key] = run(input[key], context);
      } else {
        const result = run(input[key], context);
        if (result !== undefined || present) out[key] = result;
      }
    }
    if (copyUnknownKeys) {
      for (const key in input) {
        if (keySet.has(key) || key === '__proto__') continue;
        out[key] = input[key];
      }
    }
    return out;
  };
}

function compileObject(schema: z.ZodType, def: ZodDef): Run {
  const shape = def.shape ?? {};
  if (Object.getOwnPropertySymbols(shape).length > 0) return delegate(schema);
  const keys = Object.keys(shape);
  const keySet = new Set(keys);
  const fields: Field[] = [];
  for (const key of keys) {
    if (key === '__proto__') continue;
    const field = shape[key] as z.ZodType;
    const { optin, optout } = internals(field);
    if (optin === 'defaulted') return delegate(schema);
    const mode = optin === undefined ? 'required' : optout === 'optional' ? 'whenPresent' : 'whenValue';
    fields.push({ key, mode, run: compile(field) });
  }
  let copyUnknownKeys = false;
  if (def.catchall !== undefined) {
    const catchall = internals(def.catchall).def;
    if ((catchall.type !== 'unknown' && catchall.type !== 'any') || (catchall.checks?.length ?? 0) > 0) {
      return delegate(schema);
    }
    copyUnknownKeys = true;
  }
  try {
    return generatedObjectRun(fields, keySet, copyUnknownKeys);
  } catch {
    return interpretedObjectRun(fields, keySet, copyUnknownKeys);
  }
}

function compile(schema: z.ZodType): Run {
  const def = internals(schema).def;
  if ((def.checks?.length ?? 0) > 0) return delegate(schema);
  switch (def.type) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'null': {
      const accepted = primitiveOf(schema);
      return accepted === null ? delegate(schema) : primitiveRun(accepted);
    }
    case 'unknown':
    case 'any':
      return (value) => value;
    case 'optional': {
      const innerType = def.innerType as z.ZodType;
      if (internals(innerType).optin === 'defaulted') return delegate(schema);
      const inner = compile(innerType);
      return (value, context) => (value === undefined ? undefined : inner(value, context));
    }
    case 'union': {
      if (def.inclusive === false || def.discriminator !== undefined) return delegate(schema);
      const options = (def.options ?? []).map(primitiveOf);
      if (options.length === 0 || options.some((option) => option === null)) return delegate(schema);
      // A primitive option passes its input through unchanged: whichever option matches, that is the result.
      const accepted = { ...NO_PRIMITIVES };
      for (const option of options as PrimitiveSet[]) {
        for (const type of Object.keys(option) as Array<keyof PrimitiveSet>) accepted[type] ||= option[type];
      }
      return primitiveRun(accepted);
    }
    case 'pipe': {
      if (def.transform !== undefined || def.reverseTransform !== undefined) return delegate(schema); // a codec
      const first = compile(def.in as z.ZodType);
      const second = compile(def.out as z.ZodType);
      return (value, context) => second(first(value, context), context);
    }
    case 'transform': {
      const transform = def.transform;
      if (transform === undefined) return delegate(schema);
      return (value, context) => {
        context.value = value;
        const out = transform(value, context);
        if (context.issues.length > 0 || out instanceof Promise) miss();
        return out;
      };
    }
    case 'array': {
      const element = compile(def.element as z.ZodType);
      return (value, context) => {
        if (!Array.isArray(value)) miss();
        const out = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) out[i] = element(value[i], context);
        return out;
      };
    }
    case 'object':
      return compileObject(schema, def);
    default:
      return delegate(schema);
  }
}

/** Compiles `schema` once; the returned function is then called per value. */
export function compileFastParse(schema: z.ZodType): FastParse {
  const run = compile(schema);
  return (value) => {
    const issues: unknown[] = [];
    const context: TransformContext = {
      value: undefined,
      issues,
      addIssue: (issue) => {
        issues.push(issue);
      },
    };
    try {
      return { value: run(value, context) };
    } catch {
      // A value zod would refuse, or an exception zod would also meet: zod decides (and explains).
      return null;
    }
  };
}
