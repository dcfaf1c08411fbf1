import express, { type Express } from 'express';
import type { Config } from './config';
import type { Db } from './db/database';
import { deliveryReportRoutes } from './delivery-reports/delivery-reports.routes';
import { healthRoutes } from './health/health.routes';
import { errorHandler, notFound } from './http/error-handler';
import { requestLogging } from './http/request-logging';
import type { Logger } from './logger';
import { messagesRoutes } from './messages/messages.routes';
import { sendSmsRoutes } from './sending/send-sms.routes';
import type { SinchClient } from './sinch/sinch.client';

export type AppDeps = {
  config: Config;
  logger: Logger;
  sinch: SinchClient;
  db: Db;
};

/** Builds the Express app from its dependencies; it never listens (server.ts and tests do). */
export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);

  app.use(requestLogging(deps.logger));
  app.use(healthRoutes(deps));
  app.use(sendSmsRoutes(deps));
  app.use(messagesRoutes(deps));
  app.use(deliveryReportRoutes(deps));

  app.use(notFound);
  app.use(errorHandler);
  return app;
}
