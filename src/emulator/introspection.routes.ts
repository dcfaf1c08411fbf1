import { Router } from 'express';
import { scenarioSummary } from './scenarios';

/** The slice of the emulator state the dev endpoints need. */
export type IntrospectionSource = {
  snapshot(): unknown;
  reset(): void;
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
  router.get('/scenarios', (_req, res) => {
    res.json({ scenarios: scenarioSummary() });
  });
  return router;
}
