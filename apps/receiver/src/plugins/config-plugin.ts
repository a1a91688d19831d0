/** Decorates the instance with the validated receiver configuration (`app.config`). */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { ReceiverConfig } from '../config/config-schema.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: ReceiverConfig;
  }
}

export interface ConfigPluginOptions {
  config: ReceiverConfig;
}

const plugin: FastifyPluginAsync<ConfigPluginOptions> = async (app, options) => {
  app.decorate('config', options.config);
};

export const configPlugin = fp(plugin, { name: 'srhooks-config', fastify: '5.x' });
