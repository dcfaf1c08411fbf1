import { describe, expect, it } from 'vitest';
import { eventPoster, postEvent } from '../src/events/event-post';

const strict = { allowHttp: false, allowPrivate: false };

describe('an event to a URL refused before any connection', () => {
  // finish() reads `timer` (clearTimeout) before `const timer` is reached: a ReferenceError in the
  // promise's executor, so the promise rejects, deliver() throws before recordAttempt, the lease runs
  // out and the delivery is claimed again, for ever: never failed, never counted, the endpoint never
  // paused, and the message's later events wait behind it. Reached by EVENT_WEBHOOK_URLS=http://…
  // without EVENT_ALLOW_HTTP (the config accepts http there), or EVENT_ALLOW_HTTP turned off later.
  it('When the URL is plain http and http is not allowed, then the post resolves as refused', async () => {
    await expect(
      postEvent('http://app.example/events', '{}', {}, { timeoutMs: 1_000, rules: strict }),
    ).resolves.toMatchObject({
      status: null,
      error: 'refused: http: is not allowed',
    });
    const poster = eventPoster({ timeoutMs: 1_000, rules: strict });
    await expect(poster.post('http://app.example/events', '{}', {})).resolves.toMatchObject({ status: null });
    poster.close();
  });

  it('When the URL does not parse, then the post resolves as invalid', async () => {
    await expect(
      postEvent('not a url', '{}', {}, { timeoutMs: 1_000, rules: strict }),
    ).resolves.toMatchObject({
      status: null,
      error: 'invalid URL',
    });
  });
});
