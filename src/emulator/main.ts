import { createLogger } from '../logger';
import { startEmulatorFromEnv } from './emulator.launcher';

// `npm run emulator`: a local stand-in for the Sinch SMS REST API. Never talks to Sinch.
const logger = createLogger(process.env.LOG_LEVEL?.trim() || 'info');

try {
  const { emulator } = await startEmulatorFromEnv(process.env, logger);
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'Sinch emulator stopping');
    void emulator.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  logger.fatal({ err: error }, 'Sinch emulator failed to start');
  process.exitCode = 1;
}
