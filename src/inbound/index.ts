/** Inbound: messages sent to our number. The entry other features use. */
export { insertInbound } from './inbound.repository';
export { emitInboundReceived } from './inbound-events';
