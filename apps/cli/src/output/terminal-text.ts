/**
 * Human output with no terminal control in it but the CLI's own colours. Part of what the CLI prints
 * comes from deliveries (an order's innerId and currency, a forward target's answer, …), which whoever
 * can post to a signed URL chooses; a terminal would obey an escape sequence in it (clear the screen,
 * set the title, write the clipboard with OSC 52, conceal text). So every C0/C1 control character but
 * newline and tab, DEL, and the bidirectional overrides that reorder a line (as the inspector shows
 * them) are printed as `<U+XXXX>`; only the colour codes style.ts writes stay escape sequences.
 */

/** The SGR codes of style.ts (bold, dim, red, green, yellow, cyan and their resets). */
const OWN_COLOUR = /^\u001b\[(?:1|2|22|31|32|33|36|39)m$/;

const CONTROL = /\u001b\[[0-9;]*m|[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function visible(char: string): string {
  return `<U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}>`;
}

export function neutralizeControls(text: string): string {
  return text.replace(CONTROL, (match) =>
    OWN_COLOUR.test(match) ? match : `${visible(match.charAt(0))}${match.slice(1)}`,
  );
}
