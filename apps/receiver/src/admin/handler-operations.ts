/**
 * The admin operations on configured handlers (AdminOperations delegates here): their overview with
 * state and problem, and an operator's enable and disable.
 */
import type { HandlerProblem } from '../processing/handler-problems.js';
import type { HandlerDisabledBy, HandlerState } from '../store/store.js';
import { AdminApiError } from './admin-errors.js';
import type { AdminOperationsContext } from './admin-operations-context.js';

/** The reason an operator's disable records (shown by `srhooks handlers`, the API and the inspector). */
export const OPERATOR_DISABLE_REASON =
  'disabled by an operator (srhooks handlers disable): its jobs wait, not attempted; enable the handler to run them';

export interface HandlerOverview {
  name: string;
  type: string;
  disabled: boolean;
  /** Who disabled it: `target` (its forward target answered 410) or `operator` (handlers disable); null while enabled. */
  disabledBy: HandlerDisabledBy | null;
  reason: string | null;
  changedAt: Date | null;
  /** This receiver cannot run it now (its module did not load): what is wrong, since when; null when it can. */
  problem: HandlerProblem | null;
}

/** Every configured handler with its enabled/disabled state (a forward target answering 410 is disabled). */
export async function listHandlers(
  ctx: AdminOperationsContext,
  handlerProblem: (handler: string) => HandlerProblem | null,
): Promise<HandlerOverview[]> {
  const states = new Map<string, HandlerState>(
    (await ctx.call('list handlers', ctx.store.listHandlerStates())).map((state) => [state.handler, state]),
  );
  return ctx.handlers.entries().map(([name, definition]) => {
    const state = states.get(name);
    return {
      name,
      type: definition.type,
      disabled: state?.disabled ?? false,
      disabledBy: state?.disabledBy ?? null,
      reason: state?.reason ?? null,
      changedAt: state?.changedAt ?? null,
      problem: handlerProblem(name),
    };
  });
}

export async function enableHandler(ctx: AdminOperationsContext, name: string): Promise<void> {
  configuredHandler(ctx, name);
  await ctx.call('enable handler', ctx.store.enableHandler(name));
}

/**
 * An operator pauses a handler (a target's maintenance window): the same state a 410 sets, recorded as
 * the operator's. Its jobs wait (not attempted, their retries unused), new events still get jobs for
 * it, and enableHandler runs them again. Already disabled (by a 410 or an operator): left as it was,
 * `changed` false, with the state that stays.
 */
export async function disableHandler(
  ctx: AdminOperationsContext,
  name: string,
  handlerProblem: (handler: string) => HandlerProblem | null,
): Promise<{ changed: boolean; state: HandlerOverview }> {
  configuredHandler(ctx, name);
  const changed = await ctx.call(
    'disable handler',
    ctx.store.disableHandler(name, { reason: OPERATOR_DISABLE_REASON, by: 'operator' }),
  );
  const state = (await listHandlers(ctx, handlerProblem)).find((handler) => handler.name === name);
  if (state === undefined) throw new Error(`handler ${name} vanished from the configuration`);
  return { changed, state };
}

function configuredHandler(ctx: AdminOperationsContext, name: string): void {
  if (ctx.handlers.definition(name) === undefined) {
    throw new AdminApiError(
      404,
      'unknown_handler',
      `No handler "${name}" is configured; see GET /admin/api/handlers.`,
      { resource: 'handler', id: name },
    );
  }
}
