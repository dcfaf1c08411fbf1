import express, { Router } from 'express';
import { z } from 'zod';
import { scenarioSummary } from './scenarios';

/** The slice of the emulator state the dev endpoints need. */
export type IntrospectionSource = {
  snapshot(): unknown;
  reset(): void;
  /** Sends an inbound text to the service as Sinch would; undefined when no callback URL is known. */
  inbound(message: InboundRequest): Record<string, unknown> | undefined;
};

export const inboundRequestSchema = z.strictObject({
  /** The handset's number. */
  from: z.string().regex(/^\+?\d{6,15}$/),
  /** The Sinch number it was sent to. */
  to: z.string().min(1).max(32),
  body: z.string().max(2000),
  /** Where to post it; the emulator's default callback URL (the service plan's) otherwise. */
  url: z.url().optional(),
});
export type InboundRequest = z.infer<typeof inboundRequestSchema>;

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
  router.get('/scenarios', (_req, res) => {
    res.json({ scenarios: scenarioSummary() });
  });
  // A handset replies (STOP, START, anything): Sinch posts it to the plan's callback URL as mo_text.
  router.post('/inbound', express.json(), (req, res) => {
    const parsed = inboundRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'expected { from, to, body, url? }', issues: parsed.error.issues });
      return;
    }
    const sent = state.inbound(parsed.data);
    if (!sent) {
      res.status(409).json({ error: 'no callback URL: pass url, or start the emulator with a default one' });
      return;
    }
    res.status(202).json(sent);
  });
  return router;
}
