import { NOOP_LOGGER, RequestFailedError, SinchClient, type SmsService } from '@sinch/sdk-core';
import { type Harness, PLAN, startHarness, TOKEN } from '../emulator/emulator.harness';

export const SECRET = 'conformance-webhook-secret';

export type SdkHarness = Harness & { sms: SmsService };

/**
 * The emulator (signing callbacks with SECRET) and the official Sinch SDK pointed at it through its
 * `smsHostname` option, with service-plan credentials: the SDK then builds `{hostname}/xms/v1/{plan}/…`.
 */
export async function startSdkHarness(): Promise<SdkHarness> {
  const h = await startHarness({ webhookSecret: SECRET });
  const { sms } = new SinchClient({
    servicePlanId: PLAN,
    apiToken: TOKEN,
    smsHostname: h.baseUrl,
    logger: NOOP_LOGGER,
  });
  return Object.assign(h, { sms });
}

/** Posts a handset's message through the emulator's dev endpoint, as a test of `GET /inbounds` needs. */
export async function postInbound(
  h: Harness,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${h.baseUrl}/_emulator/inbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 202) throw new Error(`inbound answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** A time in ms from now, as the Date the SDK wants. */
export const inMs = (ms: number) => new Date(Date.now() + ms);

/** The HTTP status and Sinch error body of what an SDK call threw (the SDK keeps the body as text). */
export async function sdkError(call: Promise<unknown>): Promise<{ status: number; body: unknown }> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof RequestFailedError)) throw new Error(`expected a RequestFailedError, got ${error}`);
  return { status: error.statusCode, body: JSON.parse(String(error.data)) };
}
