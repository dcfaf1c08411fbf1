import type { AxiosError, AxiosInstance, AxiosResponse } from 'axios';
import type { z } from 'zod';
import { sinchErrorSchema, sinchNestedErrorSchema } from './batches.schemas';
import { SinchError } from './sinch.errors';

export type Request = { method: 'GET' | 'POST' | 'DELETE'; url: string; data?: unknown; params?: object };

/**
 * One HTTP exchange with Sinch: the answer parsed with `schema` when its status is one of `okStatuses`,
 * otherwise a SinchError saying what failed and whether the request may have reached Sinch.
 */
export async function call<T extends z.ZodType>(
  http: AxiosInstance,
  operation: string,
  request: Request,
  okStatuses: number[],
  schema: T,
  onCall: ((operation: string, status: number, seconds: number) => void) | undefined,
): Promise<z.infer<T>> {
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  let response: AxiosResponse<unknown>;
  try {
    response = await http.request(request);
  } catch (error) {
    onCall?.(operation, 0, seconds());
    throw transportError(operation, error as AxiosError);
  }
  onCall?.(operation, response.status, seconds());

  if (okStatuses.includes(response.status)) {
    const parsed = schema.safeParse(response.data);
    if (parsed.success) return parsed.data;
    throw new SinchError({
      kind: 'invalid_response',
      operation,
      httpStatus: response.status,
      sinchText: 'the response body does not match the documented schema',
      maybeDelivered: request.method === 'POST',
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
