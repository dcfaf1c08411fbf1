import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/**
 * "Your app" in the sandbox: an event endpoint on loopback that checks each event with the
 * `standardwebhooks` package, as an application would, and prints one line for it, so a send shows its
 * events arriving with nothing to set up. Answers 204, or 400 to what does not verify.
 */
export type SandboxReceiver = { url: string; stop(): Promise<void> };

type Data = Record<string, unknown>;

const short = (id: unknown) => (typeof id === 'string' && id.length > 8 ? `${id.slice(0, 8)}…` : String(id));

/** What the line says after the event type: the few fields a person looks at. */
function detail(type: string, data: Data): string {
  const msg = data.messageId ? `(msg ${short(data.messageId)})` : '';
  switch (type) {
    case 'message.status_changed':
      return [data.status, data.recipient, msg].join(' ');
    case 'message.send_failed':
      return [data.status, (data.error as Data | undefined)?.code, msg].join(' ');
    case 'inbound.received':
      return `from ${data.from}: ${JSON.stringify(data.body ?? '')}`;
    case 'opt_out.changed':
      return [data.action, data.msisdn, `(${data.reason})`].join(' ');
    default:
      return msg;
  }
}

/** One line per event, e.g. `your app ← message.status_changed Delivered +15551234567 (msg 0192ab12…)`. */
export function receiverLine(event: { type: string; data: Data }): string {
  return `your app ← ${event.type} ${detail(event.type, event.data ?? {})}`.trimEnd();
}

export async function startSandboxReceiver(opts: {
  port: number;
  secret: string;
  print: (line: string) => void;
}): Promise<SandboxReceiver> {
  const webhook = new Webhook(opts.secret);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let event: { type: string; data: Data };
      try {
        event = webhook.verify(
          Buffer.concat(chunks).toString('utf8'),
          req.headers as Record<string, string>,
        ) as {
          type: string;
          data: Data;
        };
      } catch {
        opts.print('your app ✗ an event whose signature did not verify (answered 400)');
        res.writeHead(400).end();
        return;
      }
      opts.print(receiverLine(event));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sms-events`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
