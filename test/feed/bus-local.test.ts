// The local invalidation bus (embedded mode, no Redis) keeps the invalidation bus contract.
import { localInvalidationBus } from '../../src/feed/bus.js';
import { invalidationBusContract } from './bus-contract.js';

invalidationBusContract('local', {
  shared: false,
  async replica() {
    const heard: string[] = [];
    return { bus: localInvalidationBus((message) => heard.push(message)), heard };
  },
});
