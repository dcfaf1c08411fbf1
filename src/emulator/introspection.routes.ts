import express, { Router } from 'express';
import type { z } from 'zod';
import { type inboundRequestSchema, parseInboundRequest } from './inbounds.routes';
import { scenarioSummary } from './scenarios';

export type InboundInput = z.output<typeof inboundRequestSchema>;

/** The slice of the emulator state the dev endpoints need. */
export type IntrospectionSource = {
  snapshot(): unknown;
  reset(): void;
  /** Lets held slow reports go; answers how many were held. */
  releaseHeldReports(): number;
  /** Stores a handset's message for `GET /inbounds` and posts it as Sinch would, when a URL is known. */
  inbound(message: InboundInput): { payload: Record<string, unknown>; posted: boolean };
};

/** `/_emulator/*`: no auth on purpose; it is a local dev tool, never a Sinch endpoint. */
export function createIntrospectionRouter(state: IntrospectionSource): Router {
  const router = Router();
  router.get('/messages', (_req, res) => {
    res.json(state.snapshot());
  });
  router.delete('/messages', (_req, res) => {
    state.reset();
    res.status(204).end();
  });
  // Slow reports kept by `slowReportMs: 'held'` go now (or when their usual step comes).
  router.post('/release', (_req, res) => {
    res.json({ released: state.releaseHeldReports() });
  });
  router.get('/scenarios', (_req, res) => {
    res.json({ scenarios: scenarioSummary() });
  });
  // A handset sends a message (STOP, START, a binary part, an MMS): Sinch keeps it and posts it.
  router.post('/inbound', express.json(), (req, res) => {
    const parsed = parseInboundRequest(req.body);
    if (!parsed.success) {
      res.status(400).json({
        error: 'expected { type?: mo_text|mo_binary|mo_media, from, to, body, udh? (mo_binary), url? }',
        issues: parsed.error.issues,
      });
      return;
    }
    const { payload, posted } = state.inbound(parsed.data);
    res.status(202).set('x-emulator-posted', String(posted)).json(payload);
  });
  return router;
}
