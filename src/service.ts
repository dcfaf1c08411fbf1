import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp } from './app';
import { callbackFastPath } from './callbacks/callback-fast-path';
import { createCallbackIngest } from './callbacks/callback-ingest';
import { newBudget, startCallbackPurge } from './callbacks/callback-retention';
import type { Config } from './config';
import { type Db, openDatabase, parseDatabaseUrl } from './db/database';
import { startDispatcher } from './events';
import { createHttpServer } from './http/http-server';
import type { Logger } from './logger';
import { createMetrics } from './metrics/metrics';
import { optOutRules } from './opt-outs/opt-out-settings';
import { startReconciler } from './reconciliation/reconciler';
import { redisRateLimitStores } from './security/rate-limit-redis';
import { databaseRateLimitStores } from './security/rate-limit-store';
import { callbackUrl } from './sending/send-sms.service';
import { createSinchClient } from './sinch/sinch.client';

export type RunningService = {
  server: Server;
  db: Db;
  port: number;
  url: string;
  /** Stops accepting, lets requests in flight finish, then closes the database. */
  stop(): Promise<void>;
};

/** A PostgreSQL URL may hold a password: log the target, never the credentials. */
export function describeDatabase(url: string): string {
  const target = parseDatabaseUrl(url);
  return target.kind === 'postgres' ? url.replace(/\/\/[^@/]*@/, '//***@') : `sqlite:${target.path}`;
}

function logStartup(log: Logger, config: Config, batchesUrl: string, url: string): void {
  log.info({ url }, `server listening on ${url}`);
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

/** A Redis URL may hold a password, as a database URL may. */
function describeRedis(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/** Opens the database, builds the app and listens; the caller decides when to stop. */
export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const metrics = createMetrics({ processMetrics: true });
  const sinch = createSinchClient({
    ...config.sinch,
    onRetry: (operation, attempt, err, context) => {
      metrics.sinchRetries.inc({ operation });
      // The request's logger when the call has one, so the line carries its request id.
      (context.log ?? logger).warn(
        { operation, attempt, messageId: context.messageId, err },
        `retrying sinch ${operation} after attempt ${attempt}: ${err.message}`,
      );
    },
    onCall: (operation, status, seconds) =>
      metrics.sinchCalls.observe({ operation, status: String(status) }, seconds),
  });
  const db = await openDatabase(parseDatabaseUrl(config.databaseUrl), logger, {
    sqliteSynchronous: config.sqliteSynchronous,
  });
  logger.info({ database: describeDatabase(config.databaseUrl) }, 'database ready');
  const lifecycle = { shuttingDown: false };
  const rateLimitStores = config.redisUrl ? redisRateLimitStores(config.redisUrl, logger) : undefined;
  logger.info(
    { rateLimitStore: rateLimitStores ? describeRedis(config.redisUrl as string) : 'database' },
    `per-minute rate limits counted in ${rateLimitStores ? 'redis' : 'the database'}`,
  );
  const callbackBudget = newBudget(config.callbackRetention.unappliedMaxBytes);
  const optOuts = optOutRules(config.optOuts);
  // One core for POST /webhooks/dlr, answered ahead of Express by the server and by the app's route.
  const stores = rateLimitStores ?? databaseRateLimitStores(db);
  const callbackIngest = createCallbackIngest({
    ...{ db, config, metrics, optOuts, rateLimitStores: stores, callbackBudget },
  });
  const app = buildApp({
    ...{ config, logger, sinch, db, metrics, lifecycle, callbackBudget, callbackIngest },
    rateLimitStores: stores,
  });

  let server: Server;
  try {
    const fastPath = callbackFastPath(callbackIngest, app, logger);
    const http = createHttpServer(app, config.http, () => lifecycle.shuttingDown, fastPath);
    server = await new Promise<Server>((resolve, reject) => {
      http.once('error', reject);
      http.listen(config.port, config.host ?? '0.0.0.0', () => {
        http.off('error', reject);
        resolve(http);
      });
    });
  } catch (error) {
    await rateLimitStores?.close();
    await db.destroy();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://localhost:${port}`;
  logStartup(logger, config, sinch.batchesUrl, url);
  const reconciler =
    config.reconcile.intervalMs > 0
      ? startReconciler(
          {
            db,
            sinch,
            log: logger,
            settings: config.reconcile,
            optOuts,
            metrics,
          },
          config.reconcile.intervalMs,
        )
      : undefined;

  const purge =
    config.callbackRetention.purgeIntervalMs > 0
      ? startCallbackPurge(
          { db, retention: config.callbackRetention, budget: callbackBudget, log: logger },
          config.callbackRetention.purgeIntervalMs,
          (result) => {
            metrics.callbackLogUnappliedBytes.set(result.keptUnappliedBytes);
            metrics.callbacksPurged.inc({ kind: 'applied' }, result.applied);
            metrics.callbacksPurged.inc({ kind: 'unapplied' }, result.unapplied);
          },
        )
      : undefined;

  const dispatcher = startDispatcher({ db, settings: config.events, log: logger, metrics });

  return {
    server,
    db,
    port,
    url,
    stop: async () => {
      lifecycle.shuttingDown = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive sockets turn idle as their last response ends; close them then, not after their timeout.
      server.closeIdleConnections();
      const idle = setInterval(() => server.closeIdleConnections(), 100);
      try {
        await closed;
      } finally {
        clearInterval(idle);
      }
      await reconciler?.stop();
      await purge?.stop();
      await rateLimitStores?.close();
      await dispatcher.stop();
      await db.destroy();
    },
  };
}

/**
 * SIGTERM/SIGINT: finish what is in flight and exit 0; a second signal exits at once. `graceMs` bounds
 * the wait: it must outlast the slowest send, or a send Sinch accepted would lose its answer.
 */
export function exitOnSignals(stop: () => Promise<void>, log: Logger, graceMs: number): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    stopping = true;
    log.info(
      { signal, graceSeconds: Math.round(graceMs / 1000) },
      'shutting down: no new connections, finishing requests in flight and the sweep',
    );
    setTimeout(() => {
      log.error(
        { graceSeconds: Math.round(graceMs / 1000) },
        'shutdown still not done after the grace period: exiting',
      );
      process.exit(1);
    }, graceMs).unref();
    stop().then(
      () => {
        log.info('shut down cleanly');
        process.exit(0);
      },
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
