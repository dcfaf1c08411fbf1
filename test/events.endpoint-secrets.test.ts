import { describe, expect, it } from 'vitest';
import {
  MAX_RETIRING_SECRETS,
  overlapEndsAt,
  rotateSecrets,
  signingSecrets,
} from '../src/events/endpoint-secrets';
import { rotateEndpointSecret } from '../src/events/endpoints.repository';
import { DB_KINDS, openTestDatabase } from './helpers/databases';
import { addEndpoint } from './helpers/events';

const T0 = Date.parse('2026-12-02T09:00:00.000Z');
const HOUR = 3_600_000;

/** The columns after rotating from a fresh endpoint with secret `s0` to s1, s2, … at the given times. */
function rotations(steps: Array<{ atMs: number; overlapSeconds: number }>) {
  let columns = { secrets: JSON.stringify(['s0']) as string | null, retiring_secrets: null as string | null };
  for (const [i, step] of steps.entries()) {
    columns = rotateSecrets(columns, `s${i + 1}`, step.atMs, step.overlapSeconds);
  }
  return columns;
}

const signing = (c: ReturnType<typeof rotations>, atMs: number) =>
  signingSecrets(c.secrets, c.retiring_secrets, atMs);

describe('which secrets sign across rotations', () => {
  it('When a secret is rotated with an overlap, then both sign until it ends and only the new one after', () => {
    const c = rotations([{ atMs: T0, overlapSeconds: 3_600 }]);

    expect(signing(c, T0 + HOUR - 1)).toEqual(['s1', 's0']);
    expect(signing(c, T0 + HOUR)).toEqual(['s1']);
    expect(overlapEndsAt(c.retiring_secrets, T0)).toBe('2026-12-02T10:00:00.000Z');
    expect(overlapEndsAt(c.retiring_secrets, T0 + HOUR)).toBeNull();
  });

  it('When it is rotated again during the overlap, then the first replaced secret keeps its own end', () => {
    const c = rotations([
      { atMs: T0, overlapSeconds: 3_600 },
      { atMs: T0 + HOUR / 2, overlapSeconds: 7_200 },
    ]);

    expect(signing(c, T0 + HOUR - 1)).toEqual(['s2', 's1', 's0']);
    expect(signing(c, T0 + HOUR)).toEqual(['s2', 's1']);
    expect(signing(c, T0 + 2.5 * HOUR)).toEqual(['s2']);
  });

  it('When it is rotated with overlap 0, then no earlier secret signs any more, even one still in its overlap', () => {
    const c = rotations([
      { atMs: T0, overlapSeconds: 3_600 },
      { atMs: T0 + 1, overlapSeconds: 0 },
    ]);

    expect(signing(c, T0 + 2)).toEqual(['s2']);
    expect(c.retiring_secrets).toBeNull();
  });

  it(`When it is rotated over and over within an overlap, then at most ${MAX_RETIRING_SECRETS} replaced secrets sign, those ending last`, () => {
    const c = rotations(
      Array.from({ length: 7 }, (_, i) => ({ atMs: T0 + i * 1_000, overlapSeconds: 3_600 })),
    );

    expect(signing(c, T0 + 7_000)).toEqual(['s7', 's6', 's5', 's4', 's3']);
  });

  it('When the endpoint has no secret of its own, then signing falls back to EVENT_WEBHOOK_SECRET (undefined here)', () => {
    expect(signingSecrets(null, null, T0)).toBeUndefined();
  });
});

describe.each(DB_KINDS)('rotations stored, on %s', (kind) => {
  it('When two rotations of one endpoint run at once, then neither loses the secret the other replaced', async () => {
    const db = await openTestDatabase(kind);
    await addEndpoint(db, 'ep_rotated', {
      url: 'https://app.example/hooks',
      secrets: JSON.stringify(['whsec_s0']),
      created_at: new Date(T0).toISOString(),
    });

    const now = Date.now();
    const [a, b] = await Promise.all([
      rotateEndpointSecret(db, 'ep_rotated', 'whsec_a', now, 3_600),
      rotateEndpointSecret(db, 'ep_rotated', 'whsec_b', now, 3_600),
    ]);

    expect(a).toBeDefined();
    expect(b).toBeDefined();
    const row = await db.selectFrom('event_endpoints').selectAll().executeTakeFirstOrThrow();
    expect(signingSecrets(row.secrets, row.retiring_secrets, now)?.sort()).toEqual([
      'whsec_a',
      'whsec_b',
      'whsec_s0',
    ]);
    expect(await rotateEndpointSecret(db, 'ep_unknown', 'whsec_c', now, 0)).toBeUndefined();
  });
});
