/**
 * Events pushed to the application: the one entry other features use.
 *
 * - emitEvent, emitEvents: write an event to the outbox in the caller's transaction (tracking,
 *   inbound and opt-outs call them where the change happens);
 * - startDispatcher: delivers the outbox, signed, retried and in order per message and endpoint;
 * - eventRoutes: /event-endpoints and /events;
 * - checkCallbackUrl: the rules a caller-chosen URL must pass (https, no private address).
 */
export { startDispatcher } from './dispatcher';
export { eventRoutes } from './events.routes';
export { EVENT_TYPES, type Event, type EventType } from './events.schemas';
export { emitEvent, emitEvents } from './outbox.repository';
export { checkCallbackUrl, type UrlRules } from './url-guard';
