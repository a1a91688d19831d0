/**
 * What the receiver takes for a phone number, in one place: the log scrubber (`redact-log-line.ts`),
 * the `log` handler's masking (`mask-personal-data.ts`) and the text search (`store/search-text.ts`)
 * all find phone numbers with these patterns, and the search compares them by `phoneDigits`.
 */

/**
 * International (`+36 30 457 3549`, `0036…`) or Hungarian national (`06 30 …`, `06-30/457-35-49`) form,
 * 8+ digits with optional separators. Plain numbers without such a prefix are left alone so ids, timestamps and
 * amounts stay readable.
 */
export const PREFIXED_PHONE = /(?<![\w.])(?:\+|00|06)[ ().-]?\d[\d ()./-]{5,}\d(?![\w])/g;

/**
 * Hungarian phone numbers `PREFIXED_PHONE` leaves alone: with a country or trunk prefix but no `+`
 * (`36-30-123-4567`, `36301234567`, `36 1 234 5678`), and national numbers written with separators and
 * no prefix (`30/123-4567`, `1/234-5678`, `(30) 123 4567`); the subscriber number also in three groups
 * (`30/123-45-67`, `36 30 123 45 67`). Bare digit runs without a prefix (ids,
 * amounts) are not phone numbers.
 */
export const HUNGARIAN_PHONE =
  /(?<![\w.+])(?:(?:(?:00)?36|06)[ ./-]*\(?\d{1,2}\)?[ ./-]*\d{3}(?:[ .-]?\d{3,4}|[ .-]\d{2}[ .-]\d{2})|\(?\d{1,2}\)?(?:[ /-]|\) ?)\d{3}(?:[ .-]?\d{3,4}|[ .-]\d{2}[ .-]\d{2}))(?![\w])/g;

/** Fewer digits than this is no phone number (a Hungarian national number has 8 or 9). */
const MIN_PHONE_DIGITS = 6;

/**
 * A phone number as digits, so every way of writing one number compares equal: a Hungarian number
 * as its national number without the country or trunk prefix (`+36 30 123 4567`, `0036 30 1234567`,
 * `06-30-123-4567`, `36301234567`, `30/123-4567` → `301234567`; `+36 1 234 5678`, `(1) 234-5678` →
 * `12345678`), a number of another country as `00` and its digits (`+49 170 1234567` →
 * `00491701234567`). `36`/`06` without `+` is taken for the prefix only with 10-11 digits in all (a
 * national number has 8-9: `36 123 456`, Eger, keeps its `36`). Null with fewer than 6 digits.
 */
export function phoneDigits(phone: string): string | null {
  const digits = phone.replace(/\D/g, '');
  let national: string;
  const international = phone.trimStart().startsWith('+')
    ? digits
    : digits.startsWith('00')
      ? digits.slice(2)
      : null;
  if (international !== null) {
    if (!international.startsWith('36'))
      return international.length >= MIN_PHONE_DIGITS ? `00${international}` : null;
    national = international.slice(2);
  } else if (
    (digits.startsWith('06') || digits.startsWith('36')) &&
    digits.length >= 10 &&
    digits.length <= 11
  ) {
    national = digits.slice(2);
  } else {
    national = digits;
  }
  return national.length >= MIN_PHONE_DIGITS ? national : null;
}
