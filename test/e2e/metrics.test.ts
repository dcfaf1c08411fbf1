import { describe, expect, it, vi } from 'vitest';
import { startPair } from './harness';

/** The value of one series in Prometheus text format, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  it('When messages are sent and reported, then the counters move with them', async () => {
    const pair = await startPair();

    const ok = await pair.call('POST', '/send-sms', { to: '+15550100911', message: 'Counted' });
    await pair.waitForMessage(ok.body.messageId, (v) => v.status === 'Delivered');
    // Delivered shows after the first of the three final reports: wait until the emulator has had
    // every callback of the batch answered (the service counts a callback before it answers it).
    await vi.waitUntil(
      () => {
        const callbacks = pair.emulator.state.callbacks().filter((c) => c.batchId === ok.body.batchId);
        return callbacks.length === 4 && callbacks.every((c) => c.state === 'delivered');
      },
      { timeout: 5_000, interval: 10 },
    );
    await pair.call('POST', '/send-sms', { to: 'not-a-number', message: 'Refused' });
    const res = await fetch(`${pair.service.url.replace('localhost', '127.0.0.1')}/metrics`);
    const text = await res.text();

    expect(res.status).toBe(200);
    expect(sample(text, 'sms_send_requests_total{status="202",code=""}')).toBe(1);
    expect(sample(text, 'sms_send_requests_total{status="400",code="VALIDATION_FAILED"}')).toBe(1);
    expect(sample(text, 'sinch_api_request_duration_seconds_count{operation="sendBatch",status="201"}')).toBe(
      1,
    );
    expect(
      sample(text, 'sinch_callbacks_total{type="recipient_delivery_report_sms",outcome="applied"}'),
    ).toBe(2);
    // The emulator's 911 scenario sends the final report three times: two change nothing.
    expect(sample(text, 'delivery_reports_ignored_total')).toBe(2);
    expect(sample(text, 'sms_delivery_outcomes_total{status="Delivered",code="0"}')).toBe(1);
    expect(sample(text, 'sms_time_to_final_status_seconds_count{status="Delivered"}')).toBe(1);
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('When Sinch fails once, then the retry is counted', async () => {
    const pair = await startPair({
      config: (c) => ({ ...c, sinch: { ...c.sinch, maxAttempts: 3, retryBaseMs: 10 } }),
    });

    const sent = await pair.call('POST', '/send-sms', { to: '+15550100923', message: 'Retry' });
    const text = await (await fetch(`${pair.service.url.replace('localhost', '127.0.0.1')}/metrics`)).text();

    expect(sent.status).toBe(202);
    expect(sample(text, 'sinch_api_retries_total{operation="sendBatch"}')).toBe(1);
    expect(sample(text, 'sinch_api_request_duration_seconds_count{operation="sendBatch",status="503"}')).toBe(
      1,
    );
  });
});
