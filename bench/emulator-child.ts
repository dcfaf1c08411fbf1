// The Sinch emulator in its own process, so it neither competes with the load generator in the parent
// nor counts towards the service's memory.
import { createEmulator } from '../src/emulator/emulator.server';
import { createLogger } from '../src/logger';

const emulator = createEmulator({
  token: process.env.EMULATOR_TOKEN ?? 'bench-token',
  logger: createLogger(process.env.LOG_LEVEL ?? 'warn'),
});
await emulator.start(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  emulator.stop().then(() => process.exit(0));
});
