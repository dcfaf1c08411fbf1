/** Messages: what was sent, as stored and as shown. The entry other features use. */
export { findMessage, findRecipients, insertPendingMessage, type NewMessage } from './messages.repository';
export type { MessageView } from './messages.service';
