import { Router } from 'express';
import type { Db } from '../db/database';
import { AppError, storageUnavailable } from '../http/errors';
import { getMessage, type MessageView } from './messages.service';

export function messagesRoutes(deps: { db: Db }): Router {
  const router = Router();

  router.get('/messages/:id', async (req, res) => {
    const id = req.params.id;
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
