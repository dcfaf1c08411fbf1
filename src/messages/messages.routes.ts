import { Router } from 'express';
import type { Config } from '../config';
import type { Db } from '../db/database';
import { AppError, storageUnavailable } from '../http/errors';
import { requireApiKey } from '../security/api-keys.middleware';
import { getMessage, type MessageView } from './messages.service';

export function messagesRoutes(deps: { db: Db; config: Config }): Router {
  const router = Router();

  // Messages hold numbers and texts: the same keys as sending guard them.
  router.get('/messages/:id', requireApiKey(deps.config.apiKeys), async (req, res) => {
    const id = String(req.params.id);
    let view: MessageView | undefined;
    try {
      view = await getMessage(deps.db, id);
    } catch (error) {
      throw storageUnavailable(error);
    }
    if (!view) throw new AppError('NOT_FOUND', `No message with id or batch id ${JSON.stringify(id)}.`);
    res.json(view);
  });

  return router;
}
