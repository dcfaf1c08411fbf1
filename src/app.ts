import express, { type Express } from 'express';
import { type CallbackIngest, createCallbackIngest } from './callbacks/callback-ingest';
import { newBudget, type UnappliedBudget } from './callbacks/callback-retention';
import { callbackRoutes } from './callbacks/callbacks.routes';
import type { Config } from './config';
import { consoleRoutes } from './console/console.routes';
import type { Db } from './db/database';
import { eventRoutes } from './events';
import { healthRoutes, type Lifecycle } from './health/health.routes';
import { answerOptions, methodNotAllowed } from './http/allowed-methods';
import { errorHandler, notFound } from './http/error-handler';
import { requestLogging } from './http/request-logging';
import { securityHeaders } from './http/security-headers';
import type { Logger } from './logger';
import { messagesRoutes } from './messages/messages.routes';
import type { Metrics } from './metrics/metrics';
import { metricsRoutes } from './metrics/metrics.routes';
import { openApiRoutes } from './openapi/openapi.routes';
import { optOutRules } from './opt-outs/opt-out-settings';
import { optOutsRoutes } from './opt-outs/opt-outs.routes';
import { databaseRateLimitStores, type RateLimitStores } from './security/rate-limit-store';
import { apiGuard } from './security/rate-limits';
import { createSendGuard } from './security/send-limits.service';
import { sendSmsRoutes } from './sending/send-sms.routes';
import type { SinchClient } from './sinch/sinch.client';
import { statsRoutes } from './stats/stats.routes';

export type AppDeps = {
  config: Config;
  logger: Logger;
  sinch: SinchClient;
  db: Db;
  metrics: Metrics;
  /** Shared with the server, which flags a shutdown in progress; defaults to running. */
  lifecycle?: Lifecycle;
  /** What the callback log keeps unapplied, shared with the purge (service.ts); one of its own if not given. */
  callbackBudget?: UnappliedBudget;
  /** Where per-minute limits are counted; the database unless the server passes Redis (REDIS_URL). */
  rateLimitStores?: RateLimitStores;
  /**
   * The core of POST /webhooks/dlr, shared with the server's fast path for it (service.ts), so that
   * both entries use one callback writer; built here when not given (tests).
   */
  callbackIngest?: CallbackIngest;
};

/** Builds the Express app from its dependencies; it never listens (server.ts and tests do). */
export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);

  app.use(securityHeaders());

  // Limits counted in the database; one guard so the cap's pause is logged once per app.
  const sendGuard = createSendGuard(deps);
  app.use(requestLogging(deps.logger));
  // Before the routers, each of which would answer OPTIONS for its own routes only, as text.
  app.use(answerOptions(app));
  const rateLimitStores = deps.rateLimitStores ?? databaseRateLimitStores(deps.db);
  // The opt-out words and codes, built once: callbacks apply them, and so do reports replayed by a send.
  const optOuts = optOutRules(deps.config.optOuts);
  // Callbacks first: they are most of the traffic, and each router passed costs every request a look.
  const callbackBudget = deps.callbackBudget ?? newBudget(deps.config.callbackRetention.unappliedMaxBytes);
  app.use(
    callbackRoutes(
      deps.callbackIngest ?? createCallbackIngest({ ...deps, optOuts, rateLimitStores, callbackBudget }),
    ),
  );
  app.use(healthRoutes({ ...deps, sendGuard, lifecycle: deps.lifecycle ?? { shuttingDown: false } }));
  app.use(metricsRoutes(deps));
  app.use(sendSmsRoutes({ ...deps, sendGuard, optOuts, rateLimitStores }));
  const auth = apiGuard(rateLimitStores, deps.config);
  app.use(messagesRoutes({ ...deps, auth }));
  app.use(optOutsRoutes({ ...deps, auth }));
  app.use(statsRoutes(deps));
  app.use(eventRoutes({ ...deps, auth }));
  // The pages (API reference, console) set their own CSP: this origin only, no inline script.
  app.use(openApiRoutes(deps));
  app.use(consoleRoutes());

  app.use(methodNotAllowed(app));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
