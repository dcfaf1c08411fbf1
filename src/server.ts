import dotenv from 'dotenv';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { logSecurityWarnings } from './security/startup-warnings';
import { describeDatabase, exitOnSignals, startService } from './service';
import { slowestSendMs } from './sinch/retry-policy';

async function main(): Promise<void> {
  dotenv.config({ quiet: true });
  const result = loadConfig(process.env);
  if (!result.ok) {
    createLogger('info').fatal(
      { errors: result.errors },
      `invalid configuration:\n  ${result.errors.join('\n  ')}`,
    );
    process.exitCode = 1;
    return;
  }
  const { config } = result;
  const logger = createLogger(config.logLevel);
  logSecurityWarnings(logger, config);
  try {
    const service = await startService(config, logger);
    exitOnSignals(service.stop, logger, slowestSendMs(config.sinch));
  } catch (err) {
    logger.fatal({ err, database: describeDatabase(config.databaseUrl) }, 'service failed to start');
    process.exitCode = 1;
  }
}

await main();
