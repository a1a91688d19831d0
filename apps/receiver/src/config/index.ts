export { ConfigError, type ConfigIssue } from './config-error.js';
export {
  DEFAULT_BODY_HARD_LIMIT,
  DEFAULT_BODY_LIMIT,
  DEFAULT_SPOOL_MAX_BYTES,
  DEFAULT_SQLITE_FILE,
  type HandlerConfig,
  HandlerConfigSchema,
  type HandlerType,
  type ReceiverConfig,
  type ReceiverConfigInput,
  ReceiverConfigSchema,
  type ShopConfig,
  ShopConfigSchema,
} from './config-schema.js';
export { ENV_VARIABLES, type EnvVariable, readEnvConfig } from './env-config.js';
export {
  DEFAULT_CONFIG_FILE,
  defineReceiverConfig,
  formatConfigPath,
  type LoadConfigOptions,
  loadConfig,
} from './load-config.js';
