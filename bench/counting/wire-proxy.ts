// A TCP proxy on 127.0.0.1 in front of Redis or Postgres that counts what crosses it: the
// round trips (each time a client writes after the server last spoke on that connection,
// however many commands the write holds) and the commands or statements the client sends
// (read by resp-commands.ts / pg-messages.ts). Used only in the bench's sequential counting
// phase: the throughput phases talk to Redis and Postgres directly.
import { connect, createServer, type Socket } from 'node:net';

/** What a reader reports: one command or statement, under a label; `write` for Postgres writes. */
export type RecordMessage = (label: string, write?: boolean) => void;

export interface WireTally {
  roundTrips: number;
  messages: number;
  writes: number;
  /** Commands or statements by label. */
  labels: Map<string, number>;
}

export interface CountingProxy {
  port: number;
  /** Zeroes the tally (connections stay open). */
  reset(): void;
  tally(): WireTally;
  close(): Promise<void>;
}

const emptyTally = (): WireTally => ({ roundTrips: 0, messages: 0, writes: 0, labels: new Map() });

/**
 * Starts a proxy to `upstreamPort` on 127.0.0.1; `readerFor` makes, per client connection, a
 * reader of the client's stream that reports through the given `RecordMessage`.
 */
export async function startCountingProxy(upstreamPort: number, readerFor: (record: RecordMessage) => { push(chunk: Buffer): void }): Promise<CountingProxy> {
  let tally = emptyTally();
  const sockets = new Set<Socket>();
  const record: RecordMessage = (label, write = false) => {
    tally.messages++;
    if (write) tally.writes++;
    tally.labels.set(label, (tally.labels.get(label) ?? 0) + 1);
  };
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: upstreamPort, noDelay: true });
    client.setNoDelay(true);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    let reader: { push(chunk: Buffer): void } | undefined = readerFor(record);
    let serverSpokeLast = true;
    client.on('data', (chunk: Buffer) => {
      if (serverSpokeLast) tally.roundTrips++;
      serverSpokeLast = false;
      try {
        reader?.push(chunk);
      } catch {
        // A stream this reader cannot follow: counted once, then only its round trips.
        record('(unreadable)');
        reader = undefined;
      }
    });
    upstream.on('data', () => (serverSpokeLast = true));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    reset: () => (tally = emptyTally()),
    tally: () => tally,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
