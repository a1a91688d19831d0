/**
 * The route plugins `buildReceiver` registers, in order. Each area is an encapsulated plugin
 * under `routes/<area>/`. Part 2 adds its areas (admin API, inspector UI) to this list, or an
 * embedder passes extra ones through `buildReceiver(config, {routes})`.
 */
import type { FastifyPluginAsync } from 'fastify';
import { hooksRoutes } from './hooks/hooks-routes.js';
import { healthRoutes } from './ops/health-routes.js';
import { metricsRoute } from './ops/metrics-route.js';

export interface ReceiverRoutePlugin {
  /** For logs and error messages. */
  readonly name: string;
  readonly plugin: FastifyPluginAsync;
  /** URL prefix, e.g. `/admin`; default none. */
  readonly prefix?: string;
}

export const coreRoutes: readonly ReceiverRoutePlugin[] = [
  { name: 'hooks', plugin: hooksRoutes },
  { name: 'health', plugin: healthRoutes },
  { name: 'metrics', plugin: metricsRoute },
];
