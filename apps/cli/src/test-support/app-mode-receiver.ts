/**
 * A platform app for the CLI's app-mode tests: the sandbox as ShopRenter with the app registered, and a
 * real app-mode receiver (in-process, HTTP on 127.0.0.1) as the app's server, on a port chosen before
 * the app is registered (the sandbox needs the app's URLs, the receiver its port).
 */
import type { BuildReceiverOptions } from '@srhooks/receiver';
import { processSigningKeyPem, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import { freePort, type Receiver, startTestReceiver, type TestReceiverConfig } from './test-receiver.js';

/** The app's ids and secrets, as ShopRenter's partner area gives them. */
export interface TestApp {
  appId: string;
  clientId: string;
  clientSecret: string;
  /** Set: the app takes Payment API notifications at `/app/payments` (its notificationUrl). */
  webhookSecretKey?: string;
}

export interface AppModeReceiverOptions {
  app: TestApp;
  /** The sandbox's shops (none has the app installed yet). */
  shops: string[];
  adminToken: string;
  /** The receiver's URL-signing secret. */
  secret: string;
  /** The receiver's handlers, and which of them the app's shops get. */
  handlers?: TestReceiverConfig['handlers'];
  appHandlers?: string[];
  /** Config shops next to the app's. */
  configShops?: TestReceiverConfig['shops'];
  buildOptions?: BuildReceiverOptions;
  /**
   * The receiver's `app.installWaitSeconds`: how long its install call waits for the token/subscription step
   * before redirecting (the step then goes on in the background). Default here 30 (the receiver's own is 3):
   * the tests read the install's outcome right after the call, which a loaded machine's step could still miss.
   */
  installWaitSeconds?: number;
}

export interface AppModeReceiver {
  sandbox: RunningSandbox;
  receiver: Receiver;
  /** The receiver's URL (its publicUrl too). */
  base: string;
  /** Registers the app again at the sandbox with the receiver's URLs, changed by `overrides`. */
  register(overrides?: { scopes?: string[]; uninstallUri?: string }): void;
  close(): Promise<void>;
}

export async function startAppModeReceiver(
  configDir: string,
  options: AppModeReceiverOptions,
): Promise<AppModeReceiver> {
  const { app } = options;
  const sandbox = await startSandbox({
    rateLimit: false,
    shops: options.shops.map((name) => ({ name, clients: [] })),
    signingKeyPem: processSigningKeyPem(),
  });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const register: AppModeReceiver['register'] = (overrides = {}) =>
    void sandbox.apps.register({
      ...app,
      redirectUri: `${base}/app/install`,
      entryPoint: `${base}/app/entry`,
      uninstallUri: `${base}/app/uninstall`,
      ...(app.webhookSecretKey === undefined ? {} : { notificationUrl: `${base}/app/payments` }),
      ...overrides,
    });
  register();
  try {
    const { receiver } = await startTestReceiver(
      configDir,
      {
        port,
        secrets: [options.secret],
        adminToken: options.adminToken,
        publicUrl: base,
        ...(options.handlers ? { handlers: options.handlers } : {}),
        ...(options.configShops ? { shops: options.configShops } : {}),
        app: {
          ...app,
          events: ['order_confirm'],
          ...(options.appHandlers ? { handlers: options.appHandlers } : {}),
          apiUrl: `${sandbox.url}/{shop}/api`,
          tokenUrl: `${sandbox.url}/{shop}/app/token`,
          adminUrl: `${sandbox.url}/{shop}/admin`,
          installWaitSeconds: options.installWaitSeconds ?? 30,
        },
      },
      options.buildOptions,
    );
    return {
      sandbox,
      receiver,
      base,
      register,
      close: async () => {
        await receiver.close();
        await sandbox.close();
      },
    };
  } catch (error) {
    await sandbox.close();
    throw error;
  }
}
