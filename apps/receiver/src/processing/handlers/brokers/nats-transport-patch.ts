/**
 * A fix to the NATS client's socket transport, applied once before the first connection (see
 * {@link closeUnconnectedTransports}).
 */
import { lazyDependency } from '../../../lazy-dependency.js';

/** The client's socket transport (its class is not exported by the package's entry point). */
interface NodeTransportClass {
  prototype: {
    _closed(this: NodeTransportInstance, error?: Error, internal?: boolean): Promise<void>;
  };
}
interface NodeTransportInstance {
  connected: boolean;
  done: boolean;
  socket?: { destroy(): void };
}
const natsNodeTransport = lazyDependency<{ NodeTransport: NodeTransportClass }>(
  '@nats-io/transport-node/lib/node_transport.js',
);
let transportPatched = false;

/**
 * nats-core closes a connection that timed out before the server's INFO (a silent peer: another
 * service's port, a wedged server, a black-holing proxy) through the transport's `_closed`, which
 * returns at once for a transport that never connected: its socket stayed open, one per attempt and
 * per reconnect, and kept the process alive after the receiver stopped. Such a transport is torn down
 * here (marked done, so a dial still under way destroys its socket when it completes).
 */
export function closeUnconnectedTransports(): void {
  if (transportPatched) return;
  transportPatched = true;
  const prototype = natsNodeTransport().NodeTransport.prototype;
  const closed = prototype._closed;
  prototype._closed = async function (this: NodeTransportInstance, error?: Error, internal?: boolean) {
    if (!this.connected && !this.done) {
      this.done = true;
      this.socket?.destroy();
      return;
    }
    return closed.call(this, error, internal);
  };
}
