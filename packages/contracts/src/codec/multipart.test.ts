import { describe, expect, it } from 'vitest';
import { parseContentType } from './content-type.js';
import {
  isValidBoundary,
  MultipartFormatError,
  parseMultipartFormData,
  randomBoundary,
  readMultipartFormData,
  writeMultipartFormData,
} from './multipart.js';
import { boundaryOf, readCapturedRequest } from './test-support/captured-deliveries.js';

const text = (parts: ReturnType<typeof readMultipartFormData>) =>
  parts.map((part) => ({ name: part.name, value: part.value.toString('utf8') }));

function formatError(run: () => unknown): MultipartFormatError {
  try {
    run();
  } catch (error) {
    if (error instanceof MultipartFormatError) return error;
    throw error;
  }
  throw new Error('expected a MultipartFormatError');
}

describe('parseContentType', () => {
  it.each([
    ['multipart/form-data; boundary=abc', 'abc'],
    ['multipart/form-data; boundary="a b;c"', 'a b;c'],
    ['Multipart/Form-Data;BOUNDARY=XyZ', 'XyZ'],
    ['multipart/form-data; charset=utf-8; boundary = "q\\"x" ', 'q"x'],
    ['multipart/form-data; junk; boundary=z', 'z'],
  ])('%s → boundary %s', (header, boundary) => {
    const parsed = parseContentType(header);
    expect(parsed?.mediaType).toBe('multipart/form-data');
    expect(parsed?.params.boundary).toBe(boundary);
  });

  it.each(['', 'json', 'application/', '/json', 'a/b/c', 'a b/c'])('rejects %j', (header) => {
    expect(parseContentType(header)).toBeNull();
  });
});

describe('readMultipartFormData', () => {
  const captured = readCapturedRequest('order_confirm.multipart.http');
  const boundary = boundaryOf(captured.headers['content-type']);

  it('reads the captured ShopRenter body (fast path) exactly as the full parser does', () => {
    const fast = readMultipartFormData(captured.body, boundary);
    const full = parseMultipartFormData(captured.body, boundary);
    expect(fast).toHaveLength(1);
    expect(fast[0]?.name).toBe('data');
    expect(fast[0]?.value.toString('utf8').startsWith('{"orders":{"order":[{"storeName":"demo"')).toBe(true);
    expect(fast[0]?.value.toString('utf8').endsWith('}]}}]}}')).toBe(true);
    expect(text(full)).toEqual(text(fast));
    expect(full[0]?.headers).toEqual({ 'content-disposition': 'form-data; name="data"' });
  });

  it('ignores a preamble and an epilogue', () => {
    const body = Buffer.from(
      'This is the preamble.\r\n--B\r\nContent-Disposition: form-data; name="data"\r\n\r\n{}\r\n--B--\r\nepilogue here\r\n',
    );
    expect(text(readMultipartFormData(body, 'B'))).toEqual([{ name: 'data', value: '{}' }]);
  });

  it('reads several fields with their own headers, filenames and content types', () => {
    const body = Buffer.from(
      [
        '--XyZ',
        'Content-Disposition: form-data; name="token"',
        '',
        'abc',
        '--XyZ',
        'content-disposition: form-data; name="data"; filename="order.json"',
        'Content-Type: application/json',
        '',
        '{"a":1}',
        '--XyZ',
        'Content-Disposition: form-data; name="empty"',
        '',
        '',
        '--XyZ--',
        '',
      ].join('\r\n'),
    );
    const parts = readMultipartFormData(body, 'XyZ');
    expect(text(parts)).toEqual([
      { name: 'token', value: 'abc' },
      { name: 'data', value: '{"a":1}' },
      { name: 'empty', value: '' },
    ]);
    expect(parts[1]?.filename).toBe('order.json');
    expect(parts[1]?.contentType).toBe('application/json');
    expect(parts[0]?.filename).toBeUndefined();
  });

  it('keeps boundary-like text that is not a delimiter line', () => {
    const value = 'line one\r\n--Bx not a delimiter\r\n-- B\r\n--B is inside a longer line';
    const body = Buffer.from(`--B\r\nContent-Disposition: form-data; name="data"\r\n\r\n${value}\r\n--B--`);
    expect(readMultipartFormData(body, 'B')[0]?.value.toString()).toBe(value);
  });

  it('allows transport padding after a delimiter and a close delimiter without CRLF', () => {
    const body = Buffer.from('--B  \t\r\nContent-Disposition: form-data; name="data"\r\n\r\nv\r\n--B--');
    expect(text(readMultipartFormData(body, 'B'))).toEqual([{ name: 'data', value: 'v' }]);
  });

  it('tolerates bare LF line ends when the first delimiter uses them', () => {
    const body = Buffer.from('--B\nContent-Disposition: form-data; name="data"\n\n{"x":"y"}\n--B--\n');
    expect(text(readMultipartFormData(body, 'B'))).toEqual([{ name: 'data', value: '{"x":"y"}' }]);
  });

  it('unescapes a quoted field name', () => {
    const body = Buffer.from('--B\r\nContent-Disposition: form-data; name="a\\"b"\r\n\r\nv\r\n--B--\r\n');
    expect(readMultipartFormData(body, 'B')[0]?.name).toBe('a"b');
  });

  it.each([
    ['no delimiter at all', '{"a":1}', 'contains no "--B" delimiter'],
    [
      'a missing close delimiter',
      '--B\r\nContent-Disposition: form-data; name="data"\r\n\r\n{"a":1}',
      'closing "--B--" line is missing',
    ],
    ['a cut inside the headers', '--B\r\nContent-Disposition: form-da', 'cut off inside its headers'],
    ['a part without headers', '--B\r\n\r\nvalue\r\n--B--', 'has no headers'],
    [
      'a part without Content-Disposition',
      '--B\r\nContent-Type: text/plain\r\n\r\nv\r\n--B--',
      'no Content-Disposition',
    ],
    [
      'a non-form-data disposition',
      '--B\r\nContent-Disposition: attachment; name="x"\r\n\r\nv\r\n--B--',
      'expected `form-data; name="…"`',
    ],
    [
      'a header line without a colon',
      '--B\r\nContent-Disposition: form-data; name="x"\r\nbroken\r\n\r\nv\r\n--B--',
      'malformed header line',
    ],
    [
      'headers running into the next delimiter',
      '--B\r\nContent-Disposition: form-data; name="x"\r\n--B--\r\n\r\n',
      'no empty line between its headers',
    ],
  ])('rejects %s', (_name, body, fragment) => {
    const error = formatError(() => readMultipartFormData(Buffer.from(body), 'B'));
    expect(error.message).toContain(fragment);
  });

  it('rejects boundaries of the wrong length and too many parts', () => {
    expect(formatError(() => readMultipartFormData(Buffer.from('x'), '')).message).toContain(
      '1-70 characters',
    );
    expect(formatError(() => readMultipartFormData(Buffer.from('x'), 'b'.repeat(71))).message).toContain(
      'got 71',
    );
    const many = writeMultipartFormData(
      Array.from({ length: 5 }, (_, i) => ({ name: `f${i}`, value: 'v' })),
      'B',
    );
    expect(
      formatError(() => readMultipartFormData(many, 'B', { maxParts: 4, maxHeaderBytes: 1024 })).message,
    ).toContain('more than 4 parts');
    expect(readMultipartFormData(many, 'B', { maxParts: 5, maxHeaderBytes: 1024 })).toHaveLength(5);
  });

  it('never hangs or throws untyped errors on truncations of a valid body', () => {
    for (let cut = 0; cut < captured.body.length; cut += 7) {
      try {
        const parts = readMultipartFormData(captured.body.subarray(0, cut), boundary);
        // only cuts inside the trailing CRLF after "--boundary--" still parse
        expect(cut).toBeGreaterThanOrEqual(captured.body.length - 2);
        expect(parts).toHaveLength(1);
      } catch (error) {
        expect(error).toBeInstanceOf(MultipartFormatError);
      }
    }
  });
});

describe('writeMultipartFormData', () => {
  it('writes curl/PHP framing: CRLF everywhere, close delimiter and final CRLF', () => {
    const body = writeMultipartFormData([{ name: 'data', value: '{"é":1}' }], 'B');
    expect(body.toString('utf8')).toBe(
      '--B\r\nContent-Disposition: form-data; name="data"\r\n\r\n{"é":1}\r\n--B--\r\n',
    );
  });

  it('percent-encodes quotes and line breaks in field names (WHATWG), and reads them back', () => {
    const body = writeMultipartFormData([{ name: 'a"b\r\nc', value: 'v' }], 'B');
    expect(body.toString()).toContain('name="a%22b%0D%0Ac"');
    expect(readMultipartFormData(body, 'B')[0]?.name).toBe('a%22b%0D%0Ac');
  });

  it('refuses a value that contains the boundary, and an invalid boundary', () => {
    expect(
      formatError(() => writeMultipartFormData([{ name: 'data', value: 'x--B' }], 'B')).message,
    ).toContain('contains the boundary');
    expect(formatError(() => writeMultipartFormData([], 'ends with space ')).message).toContain(
      'Invalid multipart boundary',
    );
  });

  it('random boundaries look like curl/PHP ones and are valid', () => {
    const boundaries = new Set(Array.from({ length: 50 }, () => randomBoundary()));
    expect(boundaries.size).toBe(50);
    for (const boundary of boundaries) {
      expect(boundary).toMatch(/^-{24}[0-9a-f]{16}$/);
      expect(isValidBoundary(boundary)).toBe(true);
    }
  });

  it('round trips many fields with binary-safe values', () => {
    const fields = [
      { name: 'data', value: '<?xml version="1.0"?>\r\n<orders/>\r\n' },
      { name: 'bin', value: Buffer.from([0, 13, 10, 45, 45, 255]) },
      { name: 'empty', value: '' },
    ];
    const body = writeMultipartFormData(fields, 'sep');
    const parts = parseMultipartFormData(body, 'sep');
    expect(parts.map((p) => p.name)).toEqual(['data', 'bin', 'empty']);
    expect(parts[0]?.value.toString()).toBe(fields[0]?.value);
    expect([...(parts[1]?.value ?? [])]).toEqual([0, 13, 10, 45, 45, 255]);
    expect(parts[2]?.value.length).toBe(0);
  });
});
