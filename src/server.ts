import type { Server } from 'node:http';
import dotenv from 'dotenv';
import { buildApp } from './app';
import { type Config, loadConfig } from './config';
import { type Db, openDatabase, parseDatabaseUrl } from './db/database';
import { createLogger, type Logger } from './logger';
import { callbackUrl } from './sending/send-sms.service';
import { createSinchClient } from './sinch/sinch.client';

const SHUTDOWN_GRACE_MS = 10_000;

function logStartup(log: Logger, config: Config, batchesUrl: string, address: string): void {
  log.info({ url: address }, `server listening on ${address}`);
  log.info({ sinchEndpoint: batchesUrl }, `sinch batches endpoint: ${batchesUrl}`);
  log.info({ from: config.sinch.number, deliveryReport: config.sinch.deliveryReport }, 'sender configured');
  const perBatch = callbackUrl(config);
  if (perBatch) {
    log.info({ callbackUrl: perBatch }, `every batch carries callback_url ${perBatch}`);
  } else {
    log.info(
      { callbackPath: '/webhooks/dlr' },
      'set the callback URL of your service plan in the Sinch dashboard (SMS > APIs) to <public URL>/webhooks/dlr, ' +
        `for example with "ngrok http ${config.port}": https://<id>.ngrok-free.app/webhooks/dlr; ` +
        'or set PUBLIC_BASE_URL and every batch carries it',
    );
  }
}

function shutdownOnSignals(server: Server, db: Db, log: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    const force = setTimeout(() => {
      log.error('requests still in flight after the grace period: exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(async () => {
      try {
        await db.destroy();
        log.info('shut down cleanly');
        process.exit(0);
      } catch (err) {
        log.error({ err }, 'closing the database failed');
        process.exit(1);
      }
    });
    // Keep-alive sockets turn idle as their last response ends; close them then, not after their timeout.
    server.closeIdleConnections();
    setInterval(() => server.closeIdleConnections(), 100).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function describeDatabase(url: string): string {
  const target = parseDatabaseUrl(url);
  // Never log a password that may sit in a PostgreSQL URL.
  return target.kind === 'postgres' ? url.replace(/\/\/[^@/]*@/, '//***@') : `sqlite:${target.path}`;
}

async function main(): Promise<void> {
  dotenv.config({ quiet: true });
  const result = loadConfig(process.env);
  if (!result.ok) {
    const bootLog = createLogger('info');
    bootLog.fatal({ errors: result.errors }, `invalid configuration:\n  ${result.errors.join('\n  ')}`);
    process.exitCode = 1;
    return;
  }
  const { config } = result;
  const logger = createLogger(config.logLevel);
  const sinch = createSinchClient({ ...config.sinch });
  let db: Db;
  try {
    db = await openDatabase(parseDatabaseUrl(config.databaseUrl));
  } catch (err) {
    logger.fatal({ err, database: describeDatabase(config.databaseUrl) }, 'cannot open the database');
    process.exitCode = 1;
    return;
  }
  logger.info({ database: describeDatabase(config.databaseUrl) }, 'database ready');
  const app = buildApp({ config, logger, sinch, db });

  const server = app.listen(config.port, config.host ?? '0.0.0.0', () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    logStartup(logger, config, sinch.batchesUrl, `http://localhost:${port}`);
  });
  server.on('error', (err) => {
    logger.fatal({ err }, 'server failed to start');
    process.exit(1);
  });
  shutdownOnSignals(server, db, logger);
}

void main();
