/**
 * Finds a mark of the CLI's own colour codes (output/own-escapes.ts) in what a CLI process printed. The
 * processes draw their own keys, so this matches the mark's shape, not one key: one in the output
 * means a path printed styled text without turning its marks into escapes (or removing them). Likewise
 * the mark of a product's name (`productName`), which every path removes before printing.
 */
const OWN_MARK = /\uE000[0-9a-f]{24}:\d{1,2}\uE001/;
/** The mark of a product name (`productName` in cli-invocation.ts), which is never printed either. */
const NAME_MARK = /\uE002[0-9a-f]{12}\uE003/;

/** The first output holding a mark, or undefined. */
export function outputWithLeakedMark(outputs: readonly string[]): string | undefined {
  return outputs.find((output) => OWN_MARK.test(output) || NAME_MARK.test(output));
}
