/**
 * @srhooks/contracts — the single source of truth for the ShopRenter API parts srhooks uses and
 * for the delivery payloads. See README.md for the layout.
 */

export * from './app/index.js';
export {
  BUILT_DELIVERY_FIXTURES,
  customerEmailHash,
  delayHours,
  ERROR_BODY_INNER_CODE_KEY,
  MAX_WEBHOOK_DELAY_HOURS,
  MISSING_SCOPE_ANSWER,
  SHOP_DELIVERY_RETRIES,
} from './assumptions.js';
export { canonicalJson, contentHash } from './canonical-json.js';
export * from './catalogue/index.js';
export * from './codec/index.js';
export { DAYS_EXPECTED, DaysInputError, MAX_DAYS, parseDays } from './days.js';
export { DEDUPE_KEY_FIELDS, dedupeFieldsMissing, dedupeFieldsWarning, dedupeKey } from './dedupe-key.js';
export { formatDuration, millisecondsProblem, parseDuration } from './duration.js';
export * from './errors.js';
export * from './events.js';
export { fileProblem } from './file-problem.js';
export { FIELDS_SOURCE, SHOPRENTER_FIELDS } from './generated/fields.js';
export type { components, operations, paths, webhooks } from './generated/shoprenter.js';
export {
  firstSyntaxErrorOffset,
  JsonSyntaxError,
  type JsonSyntaxErrorLocation,
  locateJsonSyntaxError,
  parseJsonText,
} from './json-syntax.js';
export { meantName } from './meant-name.js';
export { fullName, type PersonNameFields } from './person-name.js';
export * from './receiver-path.js';
export * from './recovery/index.js';
export * from './samples/index.js';
export * from './schemas/index.js';
export { parseLookBack, parseTime, TIME_EXPECTED } from './time.js';
