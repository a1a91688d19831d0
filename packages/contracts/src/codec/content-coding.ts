/**
 * The content coding (`Content-Encoding`) a body was sent with, when the readers cannot take it: bodies
 * are read as sent, and a compressed body would be misread as text that is not UTF-8 (or not JSON).
 * Absent, empty and `identity` are taken (undefined); any other coding is given back trimmed and cut to
 * 40 characters, to be named in the refusal. The one test of the delivery decoder and of the Payment API
 * notification reader.
 */
export function unsupportedContentCoding(contentEncoding: string | undefined): string | undefined {
  const coding = contentEncoding?.trim();
  if (coding === undefined || coding === '' || coding.toLowerCase() === 'identity') return undefined;
  return coding.slice(0, 40);
}
