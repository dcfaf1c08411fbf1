import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { SinchApiError } from './batch-request';

/** Answers with Sinch's `{code, text}` error envelope. */
export function sendSinchError(res: Response, error: SinchApiError): void {
  res.status(error.status).json({ code: error.code, text: error.text });
}

/**
 * `Authorization: Bearer <token>` on every API call; with a configured plan id, the path's plan
 * must match too (Sinch: "API token invalid for this service plan" is a 401).
 */
export function requireBearer(token: string, servicePlanId: string | undefined): RequestHandler {
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    const plan = req.params.plan;
    if (!match || match[1] !== token || (servicePlanId !== undefined && plan !== servicePlanId)) {
      sendSinchError(res, {
        status: 401,
        code: 'unauthorized',
        text: 'The API token is missing or not valid for this service plan',
      });
      return;
    }
    next();
  };
}

const readRaw = express.raw({ type: () => true, limit: '2mb' });

/** Body as Sinch reads it: JSON only (415 otherwise), 400 `syntax_invalid_json` when it does not parse. */
export const readJsonBody: RequestHandler = (req, res, next) => {
  readRaw(req, res, (error?: unknown) => {
    if (error) return next(error);
    const contentType = req.get('content-type') ?? '';
    if (!/\bjson\b/i.test(contentType)) {
      return sendSinchError(res, {
        status: 415,
        code: 'unsupported_media_type',
        text: 'Content-Type must be application/json',
      });
    }
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    try {
      res.locals.rawBody = raw;
      res.locals.json = JSON.parse(raw) as unknown;
    } catch (parseError) {
      return sendSinchError(res, {
        status: 400,
        code: 'syntax_invalid_json',
        text: `The body is not valid JSON: ${(parseError as Error).message}`,
      });
    }
    next();
  });
};

/** Last-resort handler: too-large bodies and unexpected errors still get a Sinch-shaped answer. */
export function sinchErrorHandler(error: unknown, _req: Request, res: Response, _next: NextFunction): void {
  const type = (error as { type?: string }).type;
  if (type === 'entity.too.large') {
    sendSinchError(res, { status: 413, code: 'request_too_large', text: 'The body is too large' });
    return;
  }
  sendSinchError(res, { status: 500, code: 'internal_error', text: 'The emulator failed unexpectedly' });
}
