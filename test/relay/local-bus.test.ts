// The in-process bus: the bus contract, one LocalBus standing for both sides.
import { LocalBus } from '../../relay/bus/local-bus.js';
import { busContract } from './bus-contract.js';

busContract('local', async () => {
  const bus = new LocalBus();
  return [bus, bus];
}).run();
