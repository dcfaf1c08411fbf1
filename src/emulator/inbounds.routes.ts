import { Router } from 'express';
import { z } from 'zod';
import { normalizeMsisdn } from '../core/msisdn';
import { sendSinchError } from './emulator.http';
import type { EmulatorStore, InboundMessage } from './emulator.store';
import { newUlid } from './ids';
import { commaList, listQuery, pageOf, stringQuery } from './list-query';

const HEX = /^(?:[0-9A-Fa-f]{2})+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const common = {
  /** The handset's number. */
  from: z.string().regex(/^\+?\d{6,15}$/),
  /** The Sinch number it was sent to. */
  to: z.string().min(1).max(32),
  /** Where to post it; the emulator's default callback URL (the service plan's) otherwise. */
  url: z.url().optional(),
  operator_id: z.string().min(1).max(32).optional(),
  client_reference: z.string().min(1).max(2048).optional(),
};

/** Body of `POST /_emulator/inbound`: a text (the default), a binary message with its UDH, or an MMS. */
export const inboundRequestSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('mo_text'), body: z.string().max(2000), ...common }),
  z.strictObject({
    type: z.literal('mo_binary'),
    /** The payload, base64. */
    body: z.string().min(1).regex(BASE64, 'must be base64'),
    /** User data header, hex (e.g. `050003CC0201`, part 1 of 2 of a concatenated message). */
    udh: z.string().regex(HEX, 'must be hexadecimal'),
    ...common,
  }),
  z.strictObject({
    type: z.literal('mo_media'),
    body: z.strictObject({
      subject: z.string().max(80).optional(),
      message: z.string().max(5000).optional(),
      media: z
        .array(
          z.strictObject({
            url: z.url(),
            content_type: z.string().min(1),
            status: z.string().default('Uploaded'),
            code: z.number().int().default(0),
          }),
        )
        .optional(),
    }),
    ...common,
  }),
]);
export type InboundRequest = z.input<typeof inboundRequestSchema>;

/** Reads a `/_emulator/inbound` body; a missing `type` means `mo_text`. */
export function parseInboundRequest(body: unknown) {
  const withType =
    typeof body === 'object' && body !== null && !('type' in body) ? { ...body, type: 'mo_text' } : body;
  return inboundRequestSchema.safeParse(withType);
}

/** The message as Sinch stores it and posts it (docs/sinch-sms-api.md §7): its url is not part of it. */
export function buildInbound(
  request: z.output<typeof inboundRequestSchema>,
  now = new Date(),
): InboundMessage {
  const { url: _url, ...fields } = request;
  const at = now.toISOString();
  return {
    id: newUlid(now.getTime()),
    ...fields,
    received_at: at,
    sent_at: at,
    operator_id: fields.operator_id ?? '31000',
  };
}

/** `GET /inbounds` and `GET /inbounds/{id}` (docs/sinch-sms-api.md §9), fed by `/_emulator/inbound`. */
export function createInboundsRouter(store: EmulatorStore): Router {
  const router = Router({ mergeParams: true });

  router.get('/inbounds', (req, res) => {
    const query = listQuery(req);
    if ('error' in query) return sendSinchError(res, query.error);
    const to = commaList(req.query.to)?.map(normalizeMsisdn);
    const clientReference = stringQuery(req.query.client_reference);
    const matching = [...store.inbounds].reverse().filter((inbound) => {
      const received = Date.parse(inbound.received_at);
      if (received < query.from || received > query.until) return false;
      if (to && !to.includes(normalizeMsisdn(inbound.to))) return false;
      return clientReference === undefined || inbound.client_reference === clientReference;
    });
    res.json(pageOf('inbounds', matching, query));
  });

  router.get('/inbounds/:id', (req, res) => {
    const inbound = store.inbounds.find((message) => message.id === req.params.id);
    if (!inbound)
      return sendSinchError(res, { status: 404, code: 'not_found', text: 'No inbound with this id' });
    res.json(inbound);
  });

  return router;
}
