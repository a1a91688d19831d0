export type { FieldInfo } from './field-catalogue.js';
export {
  FIELD_CATALOGUE,
  fieldInfo,
  fieldPayloadPath,
  fieldsForEvent,
  validateFields,
} from './field-catalogue.js';
export type { PayloadPathRule, ResolvedPayloadPath } from './payload-path.js';
export { PAYLOAD_PATH_RULES, resolvePayloadPath } from './payload-path.js';
export { projectItem } from './project-item.js';
