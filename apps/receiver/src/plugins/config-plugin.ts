/**
 * Decorates the instance with the validated receiver configuration (`app.config`) and the words its size
 * refusals use to say how to raise a limit (`app.limitAdvice`: the receiver's settings unless its embedder
 * has others, as `srhooks listen` does).
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { ReceiverConfig } from '../config/config-schema.js';
import { type LimitAdvice, RECEIVER_LIMIT_ADVICE } from '../config/limit-advice.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: ReceiverConfig;
    limitAdvice: LimitAdvice;
  }
}

export interface ConfigPluginOptions {
  config: ReceiverConfig;
  limitAdvice?: LimitAdvice;
}

const plugin: FastifyPluginAsync<ConfigPluginOptions> = async (app, options) => {
  app.decorate('config', options.config);
  app.decorate('limitAdvice', options.limitAdvice ?? RECEIVER_LIMIT_ADVICE);
};

export const configPlugin = fp(plugin, { name: 'srhooks-config', fastify: '5.x' });
