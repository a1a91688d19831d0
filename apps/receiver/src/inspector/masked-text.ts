/**
 * A masked value (`K*** É***`, `+*********49`) as the page shows it and as a screen reader says it. The
 * asterisks are hidden from assistive technology (read aloud they were "K star star star É star star
 * star"); it hears what is left of the value instead: "K É (rest hidden)", "49 (rest hidden)", or
 * "hidden" when nothing is left.
 */
import { html, type SafeHtml } from './html.js';

/** What a screen reader says for a masked value: the characters the mask left, then that the rest is hidden. */
export function spokenMask(masked: string): string {
  const left = masked.split(/[\s*]+/).filter((part) => /[\p{L}\p{N}]/u.test(part));
  return left.length === 0 ? 'hidden' : `${left.join(' ')} (rest hidden)`;
}

/** The masked value shown, its {@link spokenMask} read. */
export function maskedText(masked: string): SafeHtml {
  return html`<span class="masked"><span aria-hidden="true">${masked}</span><span class="visually-hidden">${spokenMask(masked)}</span></span>`;
}
