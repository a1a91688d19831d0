/**
 * multipart/form-data (RFC 7578 on top of RFC 2046 §5.1.1), synchronous over a complete Buffer.
 *
 * Reader: the boundary comes from the Content-Type `boundary` parameter (quoted or not); a
 * preamble before the first delimiter and an epilogue after the close delimiter are ignored;
 * transport padding (spaces/tabs) after a delimiter is allowed; every part needs
 * `Content-Disposition: form-data; name="…"`; a body without the close delimiter
 * (`--boundary--`) is rejected as truncated. Delimiter lines end in CRLF as the RFC says;
 * as a tolerance, a body whose first delimiter line ends in a bare LF is read with LF line
 * ends throughout (hand-edited replay files). Part and header-block counts are capped so a
 * hostile body cannot make the reader do unbounded work.
 *
 * The ShopRenter shape (one field `data`, exactly as {@link writeMultipartFormData} writes it)
 * takes a fast path; anything else goes through the full parser, with the same result.
 *
 * Writer: byte-for-byte what ShopRenter (PHP/curl) sends: `--B CRLF`, the
 * `Content-Disposition` line, an empty line, the value, `CRLF`, and `--B-- CRLF` at the end;
 * boundaries in curl's style `------------------------<16 hex>`.
 */
import { randomBytes } from 'node:crypto';

export interface MultipartPart {
  /** The `name` parameter of Content-Disposition. */
  readonly name: string;
  /** The `filename` parameter, when the part is a file. */
  readonly filename?: string;
  /** The part's own Content-Type header, when it has one. */
  readonly contentType?: string;
  /** All part headers by lower-cased name (repeated headers joined with ", "). */
  readonly headers: Readonly<Record<string, string>>;
  readonly value: Buffer;
}

export interface MultipartLimits {
  /** At most this many parts (default 100). */
  readonly maxParts: number;
  /** At most this many bytes of headers per part (default 16 KiB). */
  readonly maxHeaderBytes: number;
}

export const DEFAULT_MULTIPART_LIMITS: MultipartLimits = { maxParts: 100, maxHeaderBytes: 16 * 1024 };

/** The body is not valid multipart/form-data; `message` says what is wrong and where. */
export class MultipartFormatError extends Error {
  override readonly name = 'MultipartFormatError';
}

const CRLF = Buffer.from('\r\n');
const LF = Buffer.from('\n');
const DASH = 0x2d;
const CR = 0x0d;
const LF_BYTE = 0x0a;

/** Is `boundary` acceptable to read? (RFC 2046 allows 1-70 chars; we only refuse line breaks.) */
function checkReadableBoundary(boundary: string): void {
  if (boundary.length === 0 || boundary.length > 70) {
    throw new MultipartFormatError(
      `The multipart boundary must be 1-70 characters long, got ${boundary.length}; check the Content-Type header.`,
    );
  }
  if (/[\r\n]/.test(boundary)) {
    throw new MultipartFormatError(
      'The multipart boundary contains a line break; check the Content-Type header.',
    );
  }
}

const BCHARS = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

/** RFC 2046 boundary syntax: 1-70 bchars, not ending in a space. */
export function isValidBoundary(boundary: string): boolean {
  return BCHARS.test(boundary);
}

/** A fresh boundary in curl's/PHP's style: 24 dashes and 16 lowercase hex digits. */
export function randomBoundary(): string {
  return '-'.repeat(24) + randomBytes(8).toString('hex');
}

/** Skips transport padding (spaces and tabs) from `index`. */
function skipPadding(body: Buffer, index: number): number {
  let i = index;
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x09)) i++;
  return i;
}

type DelimiterKind = 'next' | 'close';

interface Delimiter {
  /** Index where the delimiter starts (the line break before `--boundary`, or 0). */
  readonly start: number;
  /** Index just after the delimiter line (after its line break, or after `--` for close). */
  readonly end: number;
  readonly kind: DelimiterKind;
}

/**
 * Classifies what follows `--boundary` at `afterBoundary`: a close delimiter (`--`), or a
 * delimiter line ending in `newline` after optional padding. `null`: not a delimiter (the
 * boundary text merely appears inside a longer line).
 */
function classifyDelimiter(
  body: Buffer,
  afterBoundary: number,
  newline: Buffer,
): { end: number; kind: DelimiterKind } | null {
  if (body[afterBoundary] === DASH && body[afterBoundary + 1] === DASH) {
    return { end: afterBoundary + 2, kind: 'close' };
  }
  const lineEnd = skipPadding(body, afterBoundary);
  if (body.subarray(lineEnd, lineEnd + newline.length).equals(newline)) {
    return { end: lineEnd + newline.length, kind: 'next' };
  }
  return null;
}

/** Finds the next delimiter at or after `from`: `newline--boundary` followed by `--` or padding+newline. */
function findDelimiter(body: Buffer, from: number, marker: Buffer, newline: Buffer): Delimiter | null {
  let search = from;
  for (;;) {
    const at = body.indexOf(marker, search);
    if (at === -1) return null;
    const classified = classifyDelimiter(body, at + marker.length, newline);
    if (classified) return { start: at, ...classified };
    search = at + 1;
  }
}

/** Finds the first delimiter (may start the body, else follows the preamble) and the line-break style. */
function findFirstDelimiter(
  body: Buffer,
  dashBoundary: Buffer,
): { delimiter: Delimiter; newline: Buffer } | null {
  let search = 0;
  for (;;) {
    const at = body.indexOf(dashBoundary, search);
    if (at === -1) return null;
    const atLineStart = at === 0 || body[at - 1] === LF_BYTE;
    if (atLineStart) {
      const after = at + dashBoundary.length;
      const padded = skipPadding(body, after);
      if (body[after] === DASH && body[after + 1] === DASH) {
        return { delimiter: { start: at, end: after + 2, kind: 'close' }, newline: CRLF };
      }
      if (body[padded] === CR && body[padded + 1] === LF_BYTE) {
        return { delimiter: { start: at, end: padded + 2, kind: 'next' }, newline: CRLF };
      }
      if (body[padded] === LF_BYTE) {
        return { delimiter: { start: at, end: padded + 1, kind: 'next' }, newline: LF };
      }
    }
    search = at + 1;
  }
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Parses a part's header block (lines separated by `newline`, obsolete folding allowed). */
function parseHeaderBlock(block: string, newline: string, partIndex: number): Record<string, string> {
  const headers: Record<string, string> = {};
  let last: string | undefined;
  for (const line of block.split(newline)) {
    if (line === '') continue;
    if ((line[0] === ' ' || line[0] === '\t') && last !== undefined) {
      headers[last] += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon === -1 ? '' : line.slice(0, colon).trim().toLowerCase();
    if (!HEADER_NAME.test(name)) {
      throw new MultipartFormatError(
        `Part ${partIndex + 1} has a malformed header line ${JSON.stringify(line.slice(0, 80))}; ` +
          'each part header must look like "Name: value".',
      );
    }
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    last = name;
  }
  return headers;
}

/** `form-data; name="x"; filename="y"` → its parameters, or `null` if not form-data. */
function parseContentDisposition(value: string): Record<string, string> | null {
  const semicolon = value.indexOf(';');
  const type = (semicolon === -1 ? value : value.slice(0, semicolon)).trim().toLowerCase();
  if (type !== 'form-data') return null;
  const params: Record<string, string> = {};
  // The sticky pattern walks `; name=value` pairs in order; anything it cannot read ends the walk.
  const paramPattern = /;\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))\s*/y;
  paramPattern.lastIndex = semicolon === -1 ? value.length : semicolon;
  for (let match = paramPattern.exec(value); match; match = paramPattern.exec(value)) {
    const name = (match[1] ?? '').toLowerCase();
    const raw = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? '');
    if (!(name in params)) params[name] = raw;
  }
  return params;
}

function buildPart(headers: Record<string, string>, value: Buffer, partIndex: number): MultipartPart {
  const disposition = headers['content-disposition'];
  if (disposition === undefined) {
    throw new MultipartFormatError(
      `Part ${partIndex + 1} has no Content-Disposition header; every form-data part needs ` +
        '`Content-Disposition: form-data; name="…"`.',
    );
  }
  const params = parseContentDisposition(disposition);
  if (params === null || params.name === undefined) {
    throw new MultipartFormatError(
      `Part ${partIndex + 1} has Content-Disposition ${JSON.stringify(disposition.slice(0, 120))}; ` +
        'expected `form-data; name="…"`.',
    );
  }
  const part: MultipartPart = {
    name: params.name,
    headers,
    value,
    ...(params.filename !== undefined ? { filename: params.filename } : {}),
    ...(headers['content-type'] !== undefined ? { contentType: headers['content-type'] } : {}),
  };
  return part;
}

/** The full RFC 7578 reader. Exported for tests; use {@link readMultipartFormData}. */
export function parseMultipartFormData(
  body: Buffer,
  boundary: string,
  limits: MultipartLimits = DEFAULT_MULTIPART_LIMITS,
): MultipartPart[] {
  checkReadableBoundary(boundary);
  const dashBoundary = Buffer.from('--' + boundary, 'utf8');
  const first = findFirstDelimiter(body, dashBoundary);
  if (first === null) {
    throw new MultipartFormatError(
      `The body contains no "--${boundary}" delimiter line; the boundary in the Content-Type header ` +
        'does not match the body (or the body is empty).',
    );
  }
  const { newline } = first;
  const newlineText = newline.toString('latin1');
  const marker = Buffer.concat([newline, dashBoundary]);
  const headerEnd = Buffer.concat([newline, newline]);
  const parts: MultipartPart[] = [];
  let delimiter = first.delimiter;
  while (delimiter.kind === 'next') {
    if (parts.length >= limits.maxParts) {
      throw new MultipartFormatError(
        `The body has more than ${limits.maxParts} parts; a delivery has one field.`,
      );
    }
    const partStart = delimiter.end;
    const partNumber = parts.length + 1;
    if (body.subarray(partStart, partStart + newline.length).equals(newline)) {
      throw new MultipartFormatError(
        `Part ${partNumber} has no headers; every form-data part needs \`Content-Disposition: form-data; name="…"\`.`,
      );
    }
    // Headers end at the first empty line, which must come before the next delimiter.
    const headersEnd = body.indexOf(headerEnd, partStart);
    const following = findDelimiter(body, partStart, marker, newline);
    if (following === null && headersEnd === -1) {
      throw new MultipartFormatError(
        `Part ${partNumber} is cut off inside its headers and the closing "--${boundary}--" line is missing; ` +
          'the body looks truncated.',
      );
    }
    if (headersEnd === -1 || (following !== null && following.start < headersEnd)) {
      throw new MultipartFormatError(
        `Part ${partNumber} has no empty line between its headers and its value.`,
      );
    }
    if (headersEnd - partStart > limits.maxHeaderBytes) {
      throw new MultipartFormatError(
        `Part ${partNumber} has more than ${limits.maxHeaderBytes} bytes of headers.`,
      );
    }
    const contentStart = headersEnd + headerEnd.length;
    // Searching from the empty line's last line break also accepts an empty value written without
    // its own CRLF (`…\r\n\r\n--boundary`), as lenient readers do.
    const next = findDelimiter(body, contentStart - newline.length, marker, newline);
    if (next === null) {
      throw new MultipartFormatError(
        `The closing "--${boundary}--" line is missing after part ${partNumber}; the body looks truncated.`,
      );
    }
    const headers = parseHeaderBlock(
      body.subarray(partStart, headersEnd).toString('utf8'),
      newlineText,
      parts.length,
    );
    // An empty value: the delimiter's line break is the one that ended the headers.
    const value = next.start < contentStart ? Buffer.alloc(0) : body.subarray(contentStart, next.start);
    parts.push(buildPart(headers, value, parts.length));
    delimiter = next;
  }
  return parts;
}

const FAST_HEADERS = 'Content-Disposition: form-data; name="data"\r\n\r\n';

/** The single `data` field as ShopRenter writes it, or `null` when the body has any other shape. */
function readShopRenterShape(body: Buffer, boundary: string): MultipartPart[] | null {
  const head = Buffer.from(`--${boundary}\r\n${FAST_HEADERS}`, 'utf8');
  if (!body.subarray(0, head.length).equals(head)) return null;
  const close = Buffer.from(`\r\n--${boundary}--`, 'utf8');
  let end = body.length;
  if (body[end - 1] === LF_BYTE && body[end - 2] === CR) end -= 2;
  if (end - close.length < head.length || !body.subarray(end - close.length, end).equals(close)) return null;
  const value = body.subarray(head.length, end - close.length);
  if (value.includes(Buffer.from(`\r\n--${boundary}`, 'utf8'))) return null;
  return [{ name: 'data', headers: { 'content-disposition': 'form-data; name="data"' }, value }];
}

/**
 * Reads every field of a multipart/form-data body. Throws {@link MultipartFormatError} with
 * a message naming what is wrong (boundary not found, missing close delimiter, bad headers).
 */
export function readMultipartFormData(
  body: Buffer,
  boundary: string,
  limits: MultipartLimits = DEFAULT_MULTIPART_LIMITS,
): MultipartPart[] {
  checkReadableBoundary(boundary);
  return readShopRenterShape(body, boundary) ?? parseMultipartFormData(body, boundary, limits);
}

export interface MultipartField {
  readonly name: string;
  readonly value: string | Buffer;
}

function escapeFieldName(name: string): string {
  // WHATWG form encoding: '"' and line breaks are percent-encoded inside the quoted name.
  return name.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Writes fields as multipart/form-data exactly as PHP/curl (and so ShopRenter) do. */
export function writeMultipartFormData(fields: readonly MultipartField[], boundary: string): Buffer {
  if (!isValidBoundary(boundary)) {
    throw new MultipartFormatError(
      `Invalid multipart boundary ${JSON.stringify(boundary)}: use 1-70 letters, digits or '()+_,-./:=? ` +
        '(not ending in a space), e.g. one from randomBoundary().',
    );
  }
  const dashBoundary = `--${boundary}`;
  const chunks: Buffer[] = [];
  for (const field of fields) {
    const value = typeof field.value === 'string' ? Buffer.from(field.value, 'utf8') : field.value;
    if (value.includes(Buffer.from(dashBoundary, 'utf8'))) {
      throw new MultipartFormatError(
        `The value of field "${field.name}" contains the boundary; choose another boundary (randomBoundary()).`,
      );
    }
    chunks.push(
      Buffer.from(
        `${dashBoundary}\r\nContent-Disposition: form-data; name="${escapeFieldName(field.name)}"\r\n\r\n`,
      ),
      value,
      CRLF,
    );
  }
  chunks.push(Buffer.from(`${dashBoundary}--\r\n`));
  return Buffer.concat(chunks);
}
