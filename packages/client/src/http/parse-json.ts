/** `JSON.parse`, or `undefined` when the text is not JSON (the caller says what that answer means). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
