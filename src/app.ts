import express, { type Express } from 'express';
import type { Config } from './config';
import { deliveryReportRoutes } from './delivery-reports/delivery-reports.routes';
import { healthRoutes } from './health/health.routes';
import { errorHandler, notFound } from './http/error-handler';
import { requestLogging } from './http/request-logging';
import type { Logger } from './logger';
import { sendSmsRoutes } from './sending/send-sms.routes';
import type { SinchClient } from './sinch/sinch.client';

export type AppDeps = {
  config: Config;
  logger: Logger;
  sinch: SinchClient;
};

/** Builds the Express app from its dependencies; it never listens (server.ts and tests do). */
export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);

  app.use(requestLogging(deps.logger));
  app.use(healthRoutes());
  app.use(sendSmsRoutes(deps));
  app.use(deliveryReportRoutes());

  app.use(notFound);
  app.use(errorHandler);
  return app;
}
