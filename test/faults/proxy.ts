/**
 * A loopback TCP proxy that can stall or cut the connections it carries, for the fault suite:
 * a stall is a half-open link (nothing moves either way, no FIN, no RST), a cut is a link that
 * dies at once (RST both ways). It counts the bytes it forwards in each direction.
 */
import * as net from 'node:net';

export interface Proxy {
  /** `ws://127.0.0.1:PORT` (append a path or query as needed). */
  url: string;
  port: number;
  /** Bytes forwarded client → target and target → client since start (or the last reset). */
  readonly bytes: { up: number; down: number };
  resetCounters(): void;
  /** Stops forwarding both ways on every current and future connection (a half-open link). */
  stall(): void;
  /** Forwards again (bytes held while stalled flow on). */
  unstall(): void;
  /** Resets every current connection (RST to both ends). New connections are still accepted. */
  cut(): void;
  /** Refuse new connections (accepted and reset at once) until `accept()`. */
  refuse(): void;
  accept(): void;
  /** Connections currently carried. */
  readonly open: number;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  target: net.Socket;
}

function reset(socket: net.Socket): void {
  if (socket.destroyed) return;
  // resetAndDestroy sends an RST where the socket is connected; before that it just destroys.
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

export async function startProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<Proxy> {
  const pairs = new Set<Pair>();
  const bytes = { up: 0, down: 0 };
  let stalled = false;
  let refusing = false;

  const pump = (from: net.Socket, to: net.Socket, count: (n: number) => void): void => {
    from.on('data', (chunk: Buffer) => {
      count(chunk.length);
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => {
      if (!stalled) from.resume();
    });
  };

  const server = net.createServer((client) => {
    if (refusing) {
      reset(client);
      return;
    }
    const target = net.connect({ port: targetPort, host: targetHost });
    const pair: Pair = { client, target };
    pairs.add(pair);
    if (stalled) {
      client.pause();
      target.pause();
    }
    pump(client, target, (n) => (bytes.up += n));
    pump(target, client, (n) => (bytes.down += n));
    const end = (): void => {
      pairs.delete(pair);
      reset(client);
      reset(target);
    };
    // Either side failing or closing takes the other down the same way: a refused target
    // (engine down) resets the client, as the engine's own closed port would.
    client.on('error', end);
    target.on('error', end);
    client.on('close', end);
    target.on('close', end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    bytes,
    resetCounters() {
      bytes.up = 0;
      bytes.down = 0;
    },
    stall() {
      stalled = true;
      for (const { client, target } of pairs) {
        client.pause();
        target.pause();
      }
    },
    unstall() {
      stalled = false;
      for (const { client, target } of pairs) {
        client.resume();
        target.resume();
      }
    },
    cut() {
      for (const pair of [...pairs]) {
        pairs.delete(pair);
        reset(pair.client);
        reset(pair.target);
      }
    },
    refuse() {
      refusing = true;
    },
    accept() {
      refusing = false;
    },
    get open() {
      return pairs.size;
    },
    close() {
      refusing = true;
      for (const pair of [...pairs]) {
        reset(pair.client);
        reset(pair.target);
      }
      pairs.clear();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
