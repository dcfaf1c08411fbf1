import type { RequestHandler } from 'express';
import { AppError } from '../core/errors';

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * Whether JSON text nests objects and arrays deeper than `maxDepth`, found in one pass over its bytes
 * without parsing it: so a hostile body costs one scan, not a parse into millions of objects nor a
 * stack overflow in whatever walks it later. Brackets inside strings do not count. The bytes may be
 * UTF-8: no byte of a multi-byte character is ASCII, so none is mistaken for a bracket or a quote.
 * Text that is not JSON at all is left for the parser to refuse.
 */
export function nestsDeeperThan(bytes: Uint8Array, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i += 1) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i += 1;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      depth -= 1;
    }
  }
  return false;
}

/** The 400 for a body nested too deep; the reason goes to the request's log as well. */
export function tooDeep(maxDepth: number): AppError {
  return new AppError(
    'BAD_REQUEST',
    `The JSON body nests objects and arrays deeper than ${maxDepth} levels.`,
  );
}

/**
 * The body limits of every route that reads JSON, in one place: POST /webhooks/dlr (the route and
 * any fast path for it call readCallbackBody, which uses these) and POST /send-sms. Sizes are checked
 * by the body parser as the bytes arrive, depth by nestsDeeperThan before JSON.parse.
 */
export type BodyLimits = { callbackMaxBodyBytes: number; sendMaxBodyBytes: number; jsonMaxDepth: number };

/**
 * For express.json's `verify`: runs on the raw bytes before they are parsed. body-parser passes the
 * thrown AppError on as it is (its status wins), so the answer is our 400.
 */
export function verifyDepth(maxDepth: number) {
  return (req: Parameters<RequestHandler>[0], _res: unknown, bytes: Buffer): void => {
    if (nestsDeeperThan(bytes, maxDepth)) {
      req.log.warn({ maxDepth, bytes: bytes.length }, 'request refused: JSON body nested too deep');
      throw tooDeep(maxDepth);
    }
  };
}
