export interface ConfigIssue {
  /** The env var (`SRHOOKS_BODY_LIMIT`) or config-file key (`shops[0].events[1]`) that is wrong. */
  readonly key: string;
  readonly message: string;
}

/** The configuration cannot be used; start-up stops and prints every issue with its key. */
export class ConfigError extends Error {
  readonly code = 'invalid_config';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], source = 'receiver configuration') {
    const lines = issues.map((issue) => `  - ${issue.key}: ${issue.message}`);
    super(`Invalid ${source}; fix these keys and start again:\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
