import { beforeAll, describe, expect, it } from 'vitest';
import { makeSharedTestApp, sendThroughFakeSinch, type TestApp, testConfig } from './helpers/app';
import { DB_KINDS } from './helpers/databases';
import { postReport, report, view } from './helpers/reports';

// Each pair is applied in both orders; the result must not depend on arrival order.
const events = [
  ['Queued', 400, '2026-11-28T10:00:01.000Z'],
  ['Dispatched', 401, '2026-11-28T10:00:02.000Z'],
  ['Delivered', 0, '2026-11-28T10:00:05.000Z'],
  ['Failed', 153, '2026-11-28T10:00:06.000Z'],
  ['Expired', 406, '2026-11-28T10:00:07.000Z'],
  ['Rejected', 402, '2026-11-28T10:00:08.000Z'],
  ['Aborted', 412, '2026-11-28T10:00:09.000Z'],
  ['Cancelled', 407, '2026-11-28T10:00:10.000Z'],
] as const;
const pairs = events.flatMap((a, i) => events.slice(i + 1).map((b) => [a, b] as const));

describe.each(DB_KINDS)('the order of delivery reports on %s', (kind) => {
  // One app for the whole matrix: every case sends messages of its own (its own batch), so no case
  // sees another's reports. The per-number limit is raised because they all go to one number.
  let shared: TestApp;
  beforeAll(async () => {
    const base = testConfig();
    const config = testConfig({ sendLimits: { ...base.sendLimits, maxPerNumberPerHour: 1_000 } });
    shared = await makeSharedTestApp({ db: kind, config });
  });
  let sends = 0;

  it.each(pairs)(
    'When %j and %j arrive in either order, then the later one in the machine wins',
    async (a, b) => {
      const finalFor = async (first: (typeof events)[number], second: (typeof events)[number]) => {
        const { app } = shared;
        sends += 1;
        const batchId = `01JORDER${String(sends).padStart(18, '0')}`;
        const sent = await sendThroughFakeSinch(app, { batchId });
        await postReport(app, report(sent.batchId, first[0], first[1], first[2])).expect(200);
        await postReport(app, report(sent.batchId, second[0], second[1], second[2])).expect(200);
        const v = await view(app, sent.messageId);
        return [v.status, v.recipients[0].history.map((h: { status: string }) => h.status)];
      };

      const inOrder = await finalFor(a, b);
      const reversed = await finalFor(b, a);

      // `b` is always later in rank or, between two finals, in Sinch's timestamp.
      expect(inOrder[0]).toBe(b[0]);
      expect(reversed[0]).toBe(b[0]);
      expect(reversed[1]).toEqual([b[0]]);
    },
  );
});
