/**
 * Decorates the instance with the handler registry (`app.handlers`): which handlers get a job
 * for a shop's event. Part 2 (workers, forward/module/log runners) builds on this registry.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { HandlerRegistry } from '../handlers/handler-registry.js';

declare module 'fastify' {
  interface FastifyInstance {
    handlers: HandlerRegistry;
  }
}

const plugin: FastifyPluginAsync = async (app) => {
  app.decorate('handlers', new HandlerRegistry(app.config));
};

export const handlersPlugin = fp(plugin, {
  name: 'srhooks-handlers',
  fastify: '5.x',
  dependencies: ['srhooks-config'],
});
