// One contract for every revocation feed Keyward ships (Redis across replicas, local in one
// process): a replica's own invalidation is immediate, a bus says it listens once built, and
// replicas hear each other exactly when the bus is shared.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { InvalidationBus } from '../../src/feed/bus.js';

/** One replica's bus and what its onInvalidate heard, in order. */
export interface Replica {
  bus: InvalidationBus;
  heard: string[];
}

export interface BusKind {
  /** Builds one replica listening on `channel` (a channel of the test's own). */
  replica(channel: string): Promise<Replica>;
  /** Whether a message published on one replica reaches the others (Redis), or each bus is its own process (local). */
  shared: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// The feed's promise to operators: a revocation reaches every replica within a second.
const PROPAGATION_MS = 1_000;
// How long a message that should not arrive is given to arrive anyway.
const QUIET_MS = 200;

async function until(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await sleep(10);
}

export function invalidationBusContract(name: string, kind: BusKind) {
  describe(`${name} invalidation bus contract`, () => {
    const built: InvalidationBus[] = [];
    const newChannel = () => `bus-contract:${randomBytes(4).toString('hex')}`;
    const replica = async (channel: string) => {
      const made = await kind.replica(channel);
      built.push(made.bus);
      return made;
    };
    afterAll(async () => {
      for (const bus of built) await bus.close();
    });

    it('listens once built', async () => {
      expect((await replica(newChannel())).bus.listening()).toBe(true);
    });

    it("invalidates on the publisher's own replica before publish resolves", async () => {
      const own = await replica(newChannel());
      const published = own.bus.publish('key-hash-1');
      // Synchronous: the revoking request's own replica must not answer from its cache even once.
      expect(own.heard[0]).toBe('key-hash-1');
      await published;
    });

    it(kind.shared ? 'reaches another replica on the channel within a second' : 'never reaches another bus: each is a process of its own', async () => {
      const channel = newChannel();
      const [publisher, other] = [await replica(channel), await replica(channel)];
      await publisher.bus.publish('key-hash-2');
      if (kind.shared) {
        await until(() => other.heard.includes('key-hash-2'), PROPAGATION_MS);
        expect(other.heard).toContain('key-hash-2');
      } else {
        await sleep(QUIET_MS);
        expect(other.heard).toEqual([]);
      }
    });

    it('never delivers the messages of another channel', async () => {
      const channel = newChannel();
      const [publisher, sameChannel, elsewhere] = [await replica(channel), await replica(channel), await replica(newChannel())];
      await publisher.bus.publish('key-hash-3');
      if (kind.shared) await until(() => sameChannel.heard.length > 0, PROPAGATION_MS);
      await sleep(QUIET_MS);
      expect(elsewhere.heard).toEqual([]);
    });

    it('stops delivering once closed, and closes twice without throwing', async () => {
      const channel = newChannel();
      const [publisher, closing] = [await replica(channel), await replica(channel)];
      await closing.bus.close();
      await expect(closing.bus.close()).resolves.toBeUndefined();
      expect(closing.bus.listening()).toBe(false);
      await publisher.bus.publish('key-hash-4');
      await sleep(QUIET_MS);
      expect(closing.heard).toEqual([]);
      expect(publisher.heard).toContain('key-hash-4');
    });
  });
}
