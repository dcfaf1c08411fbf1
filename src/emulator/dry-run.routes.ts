import { Router } from 'express';
import { normalizeMsisdn } from '../core/msisdn';
import { analyzeBody } from '../sinch/encoding';
import { parseBatchRequest } from './batch-request';
import type { BatchSend, TextSend } from './batch-schemas';
import { readJsonBody, sendSinchError } from './emulator.http';
import { intQuery } from './list-query';

/** Bytes of one SMS; a concatenated part gives 6 of them to its own UDH. */
const SMS_BYTES = 140;
const CONCAT_UDH_BYTES = 6;

/** `${key}` replaced by the recipient's value, else the key's `default`; left as is when neither exists. */
export function substitute(body: string, parameters: TextSend['parameters'], recipient: string): string {
  if (!parameters) return body;
  return body.replace(/\$\{([^}]+)\}/g, (whole, key: string) => {
    const values = parameters[key.trim()];
    return values?.[recipient] ?? values?.[`+${recipient}`] ?? values?.default ?? whole;
  });
}

type Part = { body: string; number_of_parts: number; encoding?: string };

/** How one recipient's message would go out. */
function partsFor(request: BatchSend, recipient: string): Part {
  if (request.type === 'mt_binary') {
    const bytes = Buffer.from(request.body, 'base64').length + request.udh.length / 2;
    const parts = bytes <= SMS_BYTES ? 1 : Math.ceil(bytes / (SMS_BYTES - CONCAT_UDH_BYTES));
    return { body: request.body, number_of_parts: parts };
  }
  if (request.type === 'mt_media') {
    const text = substitute(request.body.message ?? '', request.parameters, recipient);
    return { body: text, number_of_parts: 1 };
  }
  const body = substitute(request.body, request.parameters, recipient);
  const analysis = analyzeBody(body);
  return { body, number_of_parts: analysis.numberOfParts, encoding: analysis.encoding };
}

/** `POST /batches/dry_run` (docs/sinch-sms-api.md §9): what a send would produce, nothing sent. */
export function createDryRunRouter(): Router {
  const router = Router({ mergeParams: true });
  router.post('/batches/dry_run', readJsonBody, (req, res) => {
    const parsed = parseBatchRequest(res.locals.json);
    if (!parsed.ok) return sendSinchError(res, parsed.error);
    const listed = intQuery(req.query.number_of_recipients) ?? 100;
    if (Number.isNaN(listed) || listed > 1000) {
      return sendSinchError(res, {
        status: 400,
        code: 'syntax_invalid_parameter_format',
        text: 'number_of_recipients must be between 0 and 1000',
      });
    }
    const recipients = parsed.request.to.map(normalizeMsisdn);
    const parts = recipients.map((recipient) => ({ recipient, ...partsFor(parsed.request, recipient) }));
    const response: Record<string, unknown> = {
      number_of_recipients: recipients.length,
      number_of_messages: parts.reduce((sum, part) => sum + part.number_of_parts, 0),
    };
    if (req.query.per_recipient === 'true') response.per_recipient = parts.slice(0, listed);
    res.json(response);
  });
  return router;
}
