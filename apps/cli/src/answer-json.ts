/**
 * An HTTP answer's body read as JSON, for telling our own servers (receiver, sandbox) from anything
 * else: `json` is `{}` for an empty body and `undefined` when the text is not JSON (an HTML page, a
 * proxy's text). Quote `text` only for our own servers' answers: another server's page may hold
 * anything.
 */
export async function answerJson(response: Response): Promise<{ text: string; json: unknown }> {
  const text = await response.text();
  if (!text) return { text, json: {} };
  try {
    return { text, json: JSON.parse(text) };
  } catch {
    return { text, json: undefined };
  }
}
