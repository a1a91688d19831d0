import type { CommandContext } from './command.js';
import { Output } from './output/index.js';

export interface CommandContextOptions {
  output?: Output;
  env?: Record<string, string | undefined>;
  debug?: boolean;
}

/**
 * The context every command runs with. The bin builds it from the global flags; library users
 * (scripts, the demo) call this, optionally with their own Output and environment.
 */
export function createCommandContext(options: CommandContextOptions = {}): CommandContext {
  const env = options.env ?? process.env;
  let interrupted: Promise<NodeJS.Signals> | undefined;
  return {
    output: options.output ?? new Output({ json: false, env }),
    env,
    debug: options.debug ?? env.SRHOOKS_DEBUG === '1',
    untilInterrupted() {
      interrupted ??= new Promise((resolve) => {
        const stop = (signal: NodeJS.Signals): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve(signal);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      return interrupted;
    },
  };
}
