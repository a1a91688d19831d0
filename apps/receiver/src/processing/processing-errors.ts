/** Errors of the processing side (handlers, workers); `code` is stable, the message says what to do next. */
export class ProcessingError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A forward target resolves to a private, loopback, link-local or otherwise non-public address (SSRF guard). */
export class UnsafeTargetError extends ProcessingError {
  constructor(
    readonly host: string,
    readonly address: string,
    readonly range: string,
  ) {
    super(
      'unsafe_target',
      `Refusing to forward to ${host}: it resolves to ${address} (${range}), which is not a public address. ` +
        'If this target is really meant to be reached (e.g. a service on your own network), set ' +
        '"allowPrivateTargets": true on that forward handler.',
    );
  }
}

/** A `module` handler file cannot be loaded or does not export `defineHandlers({...})`. */
export class ModuleHandlerError extends ProcessingError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('module_handler_invalid', message, options);
  }
}

/**
 * A `module` handler's call did not settle within its `timeoutMs`: the attempt fails (retried per the
 * handler's schedule, then dead-lettered). The call itself cannot be stopped; `ctx.signal` was aborted
 * with this error and whatever the call does afterwards is ignored.
 */
export class ModuleHandlerTimeoutError extends ProcessingError {
  constructor(
    readonly handler: string,
    readonly timeoutMs: number,
  ) {
    super(
      'handler_timeout',
      `the module handler "${handler}" did not settle within ${timeoutMs} ms; the attempt counts as failed ` +
        '(ctx.signal was aborted; whatever the call does later is ignored): make the handler finish or ' +
        'honour ctx.signal, or raise "timeoutMs" on the handler if it is just slow',
    );
  }
}

/** The worker stopped without waiting any longer for a running `module` handler call (shutdown). */
export class HandlerShutdownError extends ProcessingError {
  constructor(handler: string) {
    super(
      'handler_shutdown',
      `the receiver is shutting down and stopped waiting for the module handler "${handler}"; the job runs again after its lease expires`,
    );
  }
}

/** A handler asked for `ctx.client` but the shop has no API credentials configured. */
export class ShopCredentialsMissingError extends ProcessingError {
  constructor(shop: string) {
    super(
      'shop_credentials_missing',
      `Shop "${shop}" has no API credentials, so handlers get no ShopRenter client for it: set "clientId" and ` +
        `"clientSecret" (or a legacy API user's "username" and "password") on that shop in srhooks.config.json.`,
    );
  }
}

/** The processing configuration (handlers, retry schedules, worker options) is invalid. */
export class ProcessingConfigError extends ProcessingError {
  constructor(message: string) {
    super('processing_config_invalid', message);
  }
}
