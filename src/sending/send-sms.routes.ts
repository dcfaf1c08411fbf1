import express, { Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { AppError } from '../http/errors';
import { validate } from '../http/validate';
import { sendSmsBodySchema } from './send-sms.schemas';
import { type SendSmsDeps, sendSms } from './send-sms.service';

export function sendSmsRoutes(deps: SendSmsDeps): Router {
  const router = Router();
  const limit = deps.config.rateLimitSendPerMinute;

  router.post(
    '/send-sms',
    ...(limit > 0
      ? [
          rateLimit({
            windowMs: 60_000,
            limit,
            standardHeaders: 'draft-8',
            legacyHeaders: false,
            handler: (_req, _res, next) =>
              next(new AppError('RATE_LIMITED', `Too many send requests: at most ${limit} a minute.`)),
          }),
        ]
      : []),
    express.json({ limit: '64kb' }),
    async (req, res) => {
      if (!req.is('application/json')) {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json.');
      }
      const body = validate(sendSmsBodySchema, req.body);
      const result = await sendSms(deps, body, req.log);
      res.status(202).json({ message: 'SMS send request accepted by Sinch.', ...result });
    },
  );

  return router;
}
