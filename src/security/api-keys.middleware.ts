import type { Request, RequestHandler, Response } from 'express';
import { AppError } from '../core/errors';
import { fingerprint, matchesAnySecret } from '../core/secret-compare';

/** Keys a request presents: `Authorization: Bearer <key>` and/or `X-API-Key: <key>`. */
function presentedKeys(req: Request): string[] {
  const keys: string[] = [];
  const authorization = req.get('authorization');
  const bearer = authorization?.match(/^Bearer[ \t]+(\S+)[ \t]*$/i);
  if (bearer?.[1]) keys.push(bearer[1]);
  const header = req.get('x-api-key')?.trim();
  if (header) keys.push(header);
  return keys;
}

export type ApiKeyCheck =
  | { ok: true; keyId: string | undefined }
  | { ok: false; reason: 'missing key' | 'unknown key' };

/**
 * Which configured key the request carries, if any. `keyId` is a fingerprint, never the key.
 * With no keys configured every request passes, unidentified.
 */
export function checkApiKey(req: Request, keys: readonly string[]): ApiKeyCheck {
  if (keys.length === 0) return { ok: true, keyId: undefined };
  const presented = presentedKeys(req);
  if (presented.length === 0) return { ok: false, reason: 'missing key' };
  for (const key of presented) {
    if (matchesAnySecret(key, keys)) return { ok: true, keyId: fingerprint(key) };
  }
  return { ok: false, reason: 'unknown key' };
}

/** The fingerprint of the valid key on this request, set by `requireApiKey`. */
export function apiKeyIdOf(res: Response): string | undefined {
  return res.locals.apiKeyId as string | undefined;
}

/** 401 in the service's error shape unless the request carries one of `keys`; the key is never logged. */
export function requireApiKey(keys: readonly string[]): RequestHandler {
  return (req, res, next) => {
    const check = checkApiKey(req, keys);
    if (check.ok) {
      res.locals.apiKeyId = check.keyId;
      next();
      return;
    }
    req.log.warn({ reason: check.reason }, `api key refused: ${check.reason}`);
    res.set('WWW-Authenticate', 'Bearer realm="sinch-sms-dlr"');
    next(
      new AppError(
        'UNAUTHORIZED',
        'A valid API key is required: send it as "Authorization: Bearer <key>" or "X-API-Key: <key>".',
      ),
    );
  };
}
