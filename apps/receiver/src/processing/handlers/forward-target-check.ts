/**
 * A forward handler whose URL is a non-public IP literal (`http://127.0.0.1:8080/…`, `https://10.1.2.3/…`)
 * without `"allowPrivateTargets": true`: the SSRF guard (target-guard.ts) refuses every attempt, so every
 * job would end a dead letter. Refused at start instead, before the store is opened, naming the key, the
 * address and the setting. A host name is resolved only per attempt (DNS may change), so only literals are
 * checked here. The URL is not quoted: its query may hold an API key.
 */
import { isIP } from 'node:net';
import type { HandlerConfig } from '../../config/config-schema.js';
import { ProcessingConfigError } from '../processing-errors.js';
import { forwardTarget } from './brokers/env-reference.js';
import { nonPublicRange } from './target-guard.js';

export function checkForwardTargets(
  handlers: Readonly<Record<string, HandlerConfig>>,
  env: Record<string, string | undefined>,
): void {
  for (const [name, handler] of Object.entries(handlers)) {
    if (handler.type !== 'forward' || handler.allowPrivateTargets === true) continue;
    const host = new URL(forwardTarget(name, handler, env).url).hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) === 0) continue;
    const range = nonPublicRange(host);
    if (range === null) continue;
    throw new ProcessingConfigError(
      `handlers.${name}.url points at ${host}, a ${range} address: forward handlers refuse such targets (SSRF guard), so every attempt would fail; set "allowPrivateTargets": true on handlers.${name} if that target is meant, or use its public address`,
    );
  }
}
