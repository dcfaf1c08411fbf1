import axios, { type AxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import type { z } from 'zod';
import {
  type Batch,
  batchSchema,
  sinchErrorSchema,
  sinchNestedErrorSchema,
  type TextBatchRequest,
  textBatchRequestSchema,
} from './batches.schemas';
import { SinchError } from './sinch.errors';

export type SinchClientOptions = {
  /** Origin such as `https://us.sms.api.sinch.com`; the client appends `/xms/v1/{servicePlanId}`. */
  baseUrl: string;
  servicePlanId: string;
  apiToken: string;
  timeoutMs: number;
};

export type SinchClient = {
  /** `POST /batches`: queues a text batch and returns the batch object Sinch created. */
  sendBatch(request: TextBatchRequest): Promise<Batch>;
  /** The URL of the batches collection, for logs (it never contains the token). */
  readonly batchesUrl: string;
};

/** Builds the one client the service uses to talk to the Sinch SMS REST API. */
export function createSinchClient(options: SinchClientOptions): SinchClient {
  const root = `${options.baseUrl}/xms/v1/${encodeURIComponent(options.servicePlanId)}`;
  const http = axios.create({
    baseURL: root,
    timeout: options.timeoutMs,
    headers: { Authorization: `Bearer ${options.apiToken}`, 'Content-Type': 'application/json' },
    // Every status is handled below, so axios never throws an error that carries our headers.
    validateStatus: () => true,
    maxRedirects: 0,
  });

  return {
    batchesUrl: `${root}/batches`,
    async sendBatch(request) {
      const body = textBatchRequestSchema.parse(request);
      return call(
        http,
        'sendBatch',
        { method: 'POST', url: '/batches', data: body },
        [201, 200],
        batchSchema,
      );
    },
  };
}

async function call<T extends z.ZodType>(
  http: AxiosInstance,
  operation: string,
  request: { method: 'GET' | 'POST' | 'DELETE'; url: string; data?: unknown; params?: object },
  okStatuses: number[],
  schema: T,
): Promise<z.infer<T>> {
  let response: AxiosResponse<unknown>;
  try {
    response = await http.request(request);
  } catch (error) {
    throw transportError(operation, error as AxiosError);
  }

  if (okStatuses.includes(response.status)) {
    const parsed = schema.safeParse(response.data);
    if (parsed.success) return parsed.data;
    throw new SinchError({
      kind: 'invalid_response',
      operation,
      httpStatus: response.status,
      sinchText: 'the response body does not match the documented schema',
      maybeDelivered: true,
    });
  }

  const { sinchCode, sinchText } = readErrorBody(response.data);
  throw new SinchError({
    kind: response.status >= 500 ? 'server' : 'rejected',
    operation,
    httpStatus: response.status,
    sinchCode,
    sinchText,
    retryAfterSeconds: parseRetryAfter(response.headers['retry-after']),
    // A 5xx can come from a proxy after Sinch accepted the request; a 4xx means it was refused.
    maybeDelivered: response.status >= 500,
  });
}

function transportError(operation: string, error: AxiosError): SinchError {
  const code = error.code ?? '';
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
    return new SinchError({ kind: 'timeout', operation, maybeDelivered: true }, { cause: error.code });
  }
  // Refused or unresolvable: the request never left. A reset or hang-up may come after Sinch read it.
  const neverSent = code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
  return new SinchError(
    { kind: 'network', operation, sinchText: code || error.message, maybeDelivered: !neverSent },
    { cause: error.code },
  );
}

function readErrorBody(data: unknown): { sinchCode?: string; sinchText?: string } {
  const flat = sinchErrorSchema.safeParse(data);
  if (flat.success) return { sinchCode: flat.data.code, sinchText: flat.data.text };
  const nested = sinchNestedErrorSchema.safeParse(data);
  if (nested.success) {
    const { code, message, status } = nested.data.error;
    return { sinchCode: status ?? (code === undefined ? undefined : String(code)), sinchText: message };
  }
  return typeof data === 'string' && data.length > 0 ? { sinchText: data.slice(0, 500) } : {};
}

function parseRetryAfter(header: unknown): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
