import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isInternalAddress, type UrlRules } from './url-guard';

export type PostResult = { status: number | null; error: string | null; ms: number };

type Agents = { 'http:': http.Agent; 'https:': https.Agent };

export type EventPoster = {
  post(url: string, body: string, headers: Record<string, string>): Promise<PostResult>;
  /** Closes the connections kept open. */
  close(): void;
};

/**
 * postEvent over connections kept open between events, per receiver, as a browser would: a TLS
 * handshake and a TCP connect per event cost more than the event. Each connection's address is checked
 * when it is made (guardedLookup), so one reused later was checked too.
 */
const IDLE_MS = 4_000;

export function eventPoster(options: { timeoutMs: number; rules: UrlRules }): EventPoster {
  const lookup = guardedLookup(options.rules);
  const agents: Agents = {
    // An idle connection is closed after IDLE_MS: under the 5 s most servers keep one, so one is seldom
    // reused just as its receiver closes it, and none is held for ever by a receiver that never does.
    'http:': new http.Agent({ keepAlive: true, lookup, timeout: IDLE_MS, scheduling: 'lifo' }),
    'https:': new https.Agent({ keepAlive: true, lookup, timeout: IDLE_MS, scheduling: 'lifo' }),
  };
  return {
    post: (url, body, headers) => postEvent(url, body, headers, { ...options, agents }),
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

/**
 * POSTs one event. The host is resolved here and the address actually connected to is checked, so a
 * name that passed at registration cannot be re-pointed at our own network afterwards (DNS rebinding).
 * The answer's body is read and dropped (at most 64 KiB): only the status counts. Without `agents`, on
 * a connection of its own.
 */
export function postEvent(
  url: string,
  body: string,
  headers: Record<string, string>,
  { timeoutMs, rules, agents }: { timeoutMs: number; rules: UrlRules; agents?: Agents },
): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    // Declared before finish() can run: a URL refused below finishes before any timer is set.
    let timer: NodeJS.Timeout | undefined;
    const finish = (status: number | null, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ status, error, ms: elapsed() });
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      finish(null, 'invalid URL');
      return;
    }
    if (target.protocol !== 'https:' && !(rules.allowHttp && target.protocol === 'http:')) {
      finish(null, `refused: ${target.protocol} is not allowed`);
      return;
    }
    const client = target.protocol === 'https:' ? https : http;
    let request: http.ClientRequest;
    const send = (agent: http.Agent | false) => {
      let answered = false;
      request = client.request(target, {
        method: 'POST',
        agent,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'sinch-sms-dlr-events/1',
        },
        lookup: guardedLookup(rules),
      });
      const sent = request;
      sent.on('response', (res) => {
        answered = true;
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > 65_536) res.destroy();
        });
        res.on('end', () => finish(res.statusCode ?? null, null));
        res.on('close', () => finish(res.statusCode ?? null, null));
        res.on('error', () => finish(res.statusCode ?? null, null));
      });
      sent.on('error', (err: NodeJS.ErrnoException) => {
        // A kept-open connection its receiver closed as this was written on it: nothing was answered;
        // once more on a connection of its own (node's documented answer to that race).
        if (sent.reusedSocket && !answered && !settled && err.code === 'ECONNRESET') return send(false);
        finish(null, err.message);
      });
      sent.end(body);
    };
    timer = setTimeout(() => {
      finish(null, `timeout after ${timeoutMs} ms`);
      request.destroy();
    }, timeoutMs);
    send(agents ? agents[target.protocol as keyof Agents] : false);
  });
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** dns.lookup, then the same address rules as at registration, on what will be connected to. */
function guardedLookup(rules: UrlRules) {
  return (hostname: string, options: object, callback: LookupCallback) => {
    lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      const refused = rules.allowPrivate ? undefined : list.find((a) => isInternalAddress(a.address));
      if (refused) {
        const error: NodeJS.ErrnoException = new Error(
          `refused: ${hostname} resolves to ${refused.address}, an internal address`,
        );
        error.code = 'EREFUSED_ADDRESS';
        return callback(error, []);
      }
      const all = (options as { all?: boolean }).all;
      if (all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(new Error(`${hostname} has no address`), []);
      return callback(null, first.address, first.family);
    });
  };
}
