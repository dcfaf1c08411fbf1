import { Webhook } from 'standardwebhooks';

/**
 * Signs an event as Standard Webhooks has it, with the `standardwebhooks` package itself: `webhook-id`,
 * `webhook-timestamp` (Unix seconds) and `webhook-signature`, `v1,<base64 HMAC-SHA256 of
 * id.timestamp.body>`, one per secret, space-separated, so a receiver mid-rotation accepts either.
 */
export const SIGNATURE_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

const signers = new Map<string, Webhook>();

function signer(secret: string): Webhook {
  let webhook = signers.get(secret);
  if (!webhook) {
    webhook = new Webhook(secret);
    signers.set(secret, webhook);
  }
  return webhook;
}

export function signEvent(
  id: string,
  at: Date,
  body: string,
  secrets: readonly string[],
): Record<string, string> {
  // The package signs whole seconds: the header says the same second.
  const seconds = Math.floor(at.getTime() / 1000);
  const when = new Date(seconds * 1000);
  return {
    [SIGNATURE_HEADERS.id]: id,
    [SIGNATURE_HEADERS.timestamp]: String(seconds),
    [SIGNATURE_HEADERS.signature]: secrets.map((secret) => signer(secret).sign(id, when, body)).join(' '),
  };
}

/** A new endpoint secret: `whsec_` and 32 random bytes in base64. */
export function newEndpointSecret(): string {
  return `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64')}`;
}
