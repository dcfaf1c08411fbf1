import express, { Router } from 'express';
import { AppError } from '../http/errors';
import { validate } from '../http/validate';
import { KNOWN_CALLBACK_TYPES, sinchCallbackSchema } from '../sinch/callbacks.schemas';
import { handleCallback } from './delivery-reports.service';

function parseJsonObject(raw: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AppError('INVALID_JSON', 'The callback body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AppError('VALIDATION_FAILED', 'The callback body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

/**
 * Sinch posts every callback of the service plan here. The body is read as raw bytes whatever its
 * content type, so a signature can be checked over exactly what Sinch sent.
 */
export function deliveryReportRoutes(): Router {
  const router = Router();

  router.post('/webhooks/dlr', express.raw({ type: () => true, limit: '2mb' }), async (req, res) => {
    const raw: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const payload = parseJsonObject(raw);

    if (typeof payload.type !== 'string' || !KNOWN_CALLBACK_TYPES.has(payload.type)) {
      // A new callback type must not be dropped for good by a 4xx: acknowledge it and say so.
      req.log.warn(
        { callbackType: payload.type },
        'callback of unknown type acknowledged without processing',
      );
      res.status(200).send('OK');
      return;
    }

    const callback = validate(sinchCallbackSchema, payload, `${payload.type} callback`);
    await handleCallback(callback, req.log);
    res.status(200).send('OK');
  });

  return router;
}
