/**
 * Which handlers process which events. Handlers are defined once by name in the config's
 * top-level `handlers`; each shop lists the names it uses; a handler's optional `events`
 * narrows it further. The ingest path asks {@link HandlerRegistry.namesFor} for every
 * delivery, so the answer is precomputed per shop and event.
 */
import { APP_EVENTS, type AppEvent, WEBHOOK_EVENTS, type WebhookEvent } from '@srhooks/contracts';
import type { HandlerConfig, ReceiverConfig } from '../config/config-schema.js';

const NONE: readonly string[] = Object.freeze([]);

export class HandlerRegistry {
  readonly #definitions: ReadonlyMap<string, HandlerConfig>;
  readonly #byShopEvent = new Map<string, readonly string[]>();
  /** App mode: the handlers of every shop that is not in `shops` (installed shops), by event. */
  readonly #appByEvent = new Map<string, readonly string[]>();

  constructor(config: Pick<ReceiverConfig, 'shops' | 'handlers'> & Partial<Pick<ReceiverConfig, 'app'>>) {
    this.#definitions = new Map(Object.entries(config.handlers));
    const appHandlers = config.app?.handlers ?? [];
    for (const event of [...WEBHOOK_EVENTS, ...APP_EVENTS]) {
      const names = appHandlers.filter((name) => {
        const definition = this.#definitions.get(name);
        return (
          definition !== undefined && (definition.events === undefined || definition.events.includes(event))
        );
      });
      this.#appByEvent.set(event, Object.freeze(names));
    }
    for (const shop of config.shops) {
      for (const event of WEBHOOK_EVENTS) {
        const names = shop.handlers.filter((name) => {
          const definition = this.#definitions.get(name);
          return (
            definition !== undefined && (definition.events === undefined || definition.events.includes(event))
          );
        });
        this.#byShopEvent.set(key(shop.name, event), Object.freeze(names));
      }
    }
  }

  /**
   * Names of the handlers that get one job per new event of this shop and event (may be empty). A shop
   * not in `shops` (an app mode install), and app events of any shop, get the app's handlers.
   */
  namesFor(shop: string, event: WebhookEvent | AppEvent): readonly string[] {
    return this.#byShopEvent.get(key(shop, event)) ?? this.#appByEvent.get(event) ?? NONE;
  }

  /** The configuration of one handler, or undefined when no handler has that name. */
  definition(name: string): HandlerConfig | undefined {
    return this.#definitions.get(name);
  }

  /** Every configured handler, by name. */
  entries(): [string, HandlerConfig][] {
    return [...this.#definitions];
  }
}

function key(shop: string, event: string): string {
  return `${shop}\u0000${event}`;
}
