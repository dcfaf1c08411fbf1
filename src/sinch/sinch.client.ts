import http from 'node:http';
import https from 'node:https';
import axios from 'axios';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { normalizeMsisdn } from '../core/msisdn';
import {
  type Batch,
  type BatchList,
  batchListSchema,
  batchSchema,
  type TextBatchRequest,
  textBatchRequestSchema,
} from './batches.schemas';
import { type RecipientDeliveryReport, recipientDeliveryReportSchema } from './callbacks.schemas';
import { type RetryPolicy, retryDelay, sleep } from './retry-policy';
import { call, type Request } from './sinch.call';
import { SinchError } from './sinch.errors';

/**
 * Who a call is made for, handed back with each retry so its warning says so: the request's logger
 * (its lines carry the request id) and the message the call is about.
 */
export type CallContext = { log?: Logger; messageId?: string };

export type SinchClientOptions = {
  /** Origin such as `https://us.sms.api.sinch.com`; the client appends `/xms/v1/{servicePlanId}`. */
  baseUrl: string;
  servicePlanId: string;
  apiToken: string;
  timeoutMs: number;
  /** Attempts per call, first included; see RetryPolicy. The defaults live in the config. */
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Called before each retry, for logs and metrics. */
  onRetry?: (operation: string, attempt: number, error: SinchError, context: CallContext) => void;
  /** Called after every HTTP exchange with Sinch (status 0: no response), for metrics. */
  onCall?: (operation: string, status: number, seconds: number) => void;
};

export type SinchClient = {
  /**
   * `POST /batches`. Retries 429, 5xx and connection failures with back-off. When Sinch may have
   * received a failed attempt (timeout, connection dropped after sending), it first looks the batch up
   * by `client_reference` and returns that one instead of sending again, so one call is one batch.
   * `mayExistSince` says an earlier call, in a process that died, may have sent it at or after that
   * time: look it up (from then) before the first try.
   */
  sendBatch(
    request: TextBatchRequest,
    options?: { mayExistSince?: string; context?: CallContext },
  ): Promise<Batch>;
  /**
   * `GET /batches?client_reference=…`: the newest batch with this reference created since `since`
   * (Sinch's default and ours: the last 24 hours; Sinch lists 14 days at most).
   */
  findBatchByClientReference(clientReference: string, since?: string): Promise<Batch | undefined>;
  /** `GET /batches/{id}/delivery_report/{recipient}`: the recipient's current report. */
  getRecipientReport(
    batchId: string,
    recipient: string,
    context?: CallContext,
  ): Promise<RecipientDeliveryReport>;
  /** `DELETE /batches/{id}`: cancels what has not been sent yet. */
  cancelBatch(batchId: string, context?: CallContext): Promise<Batch>;
  /** The URL of the batches collection, for logs (it never contains the token). */
  readonly batchesUrl: string;
};

/** Builds the one client the service uses to talk to the Sinch SMS REST API. */
export function createSinchClient(options: SinchClientOptions): SinchClient {
  const root = `${options.baseUrl}/xms/v1/${encodeURIComponent(options.servicePlanId)}`;
  // Connections to Sinch kept open between sends (a new TLS handshake per send costs more than the
  // send itself), one agent per client so its sockets go when the client does.
  const agent = {
    keepAlive: true,
    keepAliveMsecs: 1_000,
    maxSockets: 256,
    maxFreeSockets: 64,
    scheduling: 'lifo' as const,
  };
  const api = axios.create({
    baseURL: root,
    httpAgent: new http.Agent(agent),
    httpsAgent: new https.Agent(agent),
    timeout: options.timeoutMs,
    headers: { Authorization: `Bearer ${options.apiToken}`, 'Content-Type': 'application/json' },
    // Every status is handled below, so axios never throws an error that carries our headers.
    validateStatus: () => true,
    maxRedirects: 0,
  });
  const policy: RetryPolicy = {
    maxAttempts: options.maxAttempts,
    baseDelayMs: options.retryBaseMs,
    maxTotalDelayMs: options.retryMaxMs,
  };

  const once = <T extends z.ZodType>(operation: string, request: Request, ok: number[], schema: T) =>
    call(api, operation, request, ok, schema, options.onCall);

  /** Repeats a call while the policy allows and `mayRepeat` agrees the failure is safe to repeat. */
  async function withRetries<T>(
    operation: string,
    attempt: () => Promise<T>,
    context: CallContext = {},
    mayRepeat: (error: SinchError) => boolean = () => true,
  ): Promise<T> {
    let waited = 0;
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (error) {
        const delay =
          error instanceof SinchError && mayRepeat(error) ? retryDelay(policy, n, error, waited) : undefined;
        if (delay === undefined) throw error;
        options.onRetry?.(operation, n, error as SinchError, context);
        await sleep(delay);
        waited += delay;
      }
    }
  }

  const client: SinchClient = {
    batchesUrl: `${root}/batches`,

    async sendBatch(request, options = {}) {
      const body = textBatchRequestSchema.parse(request);
      const post = () =>
        once('sendBatch', { method: 'POST', url: '/batches', data: body }, [201, 200], batchSchema);
      const reference = body.client_reference;
      let uncertain = options.mayExistSince !== undefined;
      return withRetries(
        'sendBatch',
        async () => {
          if (uncertain && reference) {
            // An earlier attempt may have reached Sinch: sending again could send the SMS twice.
            const existing = await client.findBatchByClientReference(reference, options.mayExistSince);
            // A caller may reuse a reference: only a batch with this very body and these numbers is ours.
            if (existing && sameBatch(existing, body)) return existing;
          }
          try {
            return await post();
          } catch (error) {
            if (error instanceof SinchError && error.maybeDelivered) uncertain = true;
            throw error;
          }
        },
        options.context,
        // Without a reference there is no way to check what Sinch got, so no blind second send.
        (error) => !error.maybeDelivered || reference !== undefined,
      );
    },

    async findBatchByClientReference(clientReference, since) {
      const params = {
        client_reference: clientReference,
        page_size: 1,
        ...(since ? { start_date: since } : {}),
      };
      const list: BatchList = await once(
        'listBatches',
        { method: 'GET', url: '/batches', params },
        [200],
        batchListSchema,
      );
      return list.batches.find((b) => b.client_reference === clientReference);
    },

    getRecipientReport: (batchId, recipient, context) =>
      withRetries(
        'getRecipientReport',
        () =>
          once(
            'getRecipientReport',
            {
              method: 'GET',
              url: `/batches/${encodeURIComponent(batchId)}/delivery_report/${encodeURIComponent(recipient)}`,
            },
            [200],
            recipientDeliveryReportSchema,
          ),
        context,
      ),

    cancelBatch: (batchId, context) =>
      withRetries(
        'cancelBatch',
        () =>
          once(
            'cancelBatch',
            { method: 'DELETE', url: `/batches/${encodeURIComponent(batchId)}` },
            [200],
            batchSchema,
          ),
        context,
      ),
  };
  return client;
}

/** Whether a batch Sinch holds is this request: the same body to the same numbers, in any order. */
export function sameBatch(batch: Batch, request: Pick<TextBatchRequest, 'body' | 'to'>): boolean {
  const numbers = (list: string[]) => list.map(normalizeMsisdn).sort().join(',');
  return batch.body === request.body && numbers(batch.to ?? []) === numbers(request.to);
}
