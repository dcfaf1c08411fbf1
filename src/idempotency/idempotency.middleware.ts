import { createHash } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { AppError } from '../core/errors';
import type { Db } from '../db/database';
import { apiKeyIdOf } from '../security';
import { canonicalJson } from './canonical-json';
import { completeKey, findKey, insertKey, releaseKey, takeOverKey } from './idempotency.repository';

const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Answers that came from running the request; anything else lets a retry with the same key run again. */
function worthKeeping(status: number): boolean {
  if (status === 409 || status === 429) return false;
  return status < 500 || status === 502 || status === 504;
}

/**
 * `Idempotency-Key` on a POST: the first request with a key runs and its answer is stored in the
 * database; a retry with the same key and body gets that answer again (`Idempotent-Replayed: true`)
 * and runs nothing, across restarts and instances. The same key with another body gets 422; a retry
 * while the first still runs gets 409. Keys are scoped to the caller's credentials.
 */
export function idempotency(deps: { db: Db; ttlMs: number; lockMs: number }): RequestHandler {
  return async (req, res, next) => {
    const key = req.get('Idempotency-Key');
    if (key === undefined) return next();
    if (!KEY_FORMAT.test(key)) {
      throw new AppError('VALIDATION_FAILED', 'Idempotency-Key must be 1 to 255 printable ASCII characters.');
    }
    // The key that passed authentication, however it was sent; one shared scope when auth is off.
    const caller = apiKeyIdOf(res) ?? '';
    const scopeKey = sha256(`${sha256(caller)}\n${key}`);
    // The query string is part of the request: a dry run and a real send must not share an answer.
    const requestHash = sha256(`${req.originalUrl}\n${canonicalJson(req.body)}`);
    const nowMs = Date.now();
    const now = new Date(nowMs).toISOString();
    const row = {
      scope_key: scopeKey,
      request_hash: requestHash,
      state: 'in_progress',
      response_status: null,
      response_body: null,
      created_at: now,
      locked_until: new Date(nowMs + deps.lockMs).toISOString(),
      expires_at: new Date(nowMs + deps.ttlMs).toISOString(),
      message_id: null,
    };

    if (await insertKey(deps.db, row)) return runAndKeep(deps.db, { scopeKey }, res, next);
    const existing = await findKey(deps.db, scopeKey);
    if (existing && (await takeOverKey(deps.db, row, now))) {
      // The holder died mid-request: if it had stored its message, the handler resumes that one.
      const resumeMessageId = existing.expires_at > now ? (existing.message_id ?? undefined) : undefined;
      return runAndKeep(deps.db, { scopeKey, resumeMessageId }, res, next);
    }
    if (existing?.state !== 'done' || existing.response_status === null) {
      if (existing && existing.request_hash !== requestHash) throw reused();
      throw new AppError(
        'IDEMPOTENCY_KEY_IN_USE',
        'A request with this Idempotency-Key is still running; retry shortly.',
      );
    }
    if (existing.request_hash !== requestHash) throw reused();
    res
      .status(existing.response_status)
      .set('Idempotent-Replayed', 'true')
      .type('json')
      .send(existing.response_body);
  };
}

function reused(): AppError {
  return new AppError(
    'IDEMPOTENCY_KEY_REUSED',
    'This Idempotency-Key was already used with a different request body.',
  );
}

/** What the handler learns of the key it runs under (`res.locals.idempotency`). */
export type IdempotencyContext = {
  scopeKey: string;
  /** The message an earlier holder of the key stored before it died: resume it, do not send anew. */
  resumeMessageId?: string | undefined;
};

export function idempotencyOf(res: Response): IdempotencyContext | undefined {
  return res.locals.idempotency as IdempotencyContext | undefined;
}

/** Runs the handler; its JSON answer is stored before it is sent, so a retry can never miss it. */
function runAndKeep(db: Db, context: IdempotencyContext, res: Response, next: () => void): void {
  const { scopeKey } = context;
  res.locals.idempotency = context;
  const send = res.json.bind(res);
  res.json = (body: unknown) => {
    const status = res.statusCode;
    const store = worthKeeping(status)
      ? completeKey(db, scopeKey, status, JSON.stringify(body))
      : releaseKey(db, scopeKey);
    store.then(
      () => send(body),
      (err) => {
        res.req.log.error({ err }, 'could not store the idempotent answer');
        send(body);
      },
    );
    return res;
  };
  next();
}
