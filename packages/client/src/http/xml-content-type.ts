/** Whether a content type is XML (`application/xml`, `text/xml`, `application/…+xml`). */
export function isXmlContentType(contentType: string | null): boolean {
  if (!contentType) return false;
  return /^(application|text)\/([\w.+-]+\+)?xml\b/i.test(contentType.trim());
}
