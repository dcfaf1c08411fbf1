import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DB_KINDS } from '../helpers/databases';
import { type Pair, startPair } from './harness';

// Inbound binary messages keep their user data header (issue 12 item 7): without it a concatenated
// binary part cannot be put back together.
const udhOf = (pair: Pair, id: string) =>
  pair.service.db
    .selectFrom('inbound_messages')
    .select(['type', 'body', 'udh'])
    .where('id', '=', id)
    .execute();

async function waitForInbound(pair: Pair, id: string) {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const rows = await udhOf(pair, id);
    if (rows.length > 0 || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(DB_KINDS)('inbound binary messages, on %s', (db) => {
  it('When a handset sends a binary part through the emulator, then the service stores it with its udh', async () => {
    const pair = await startPair({ db });
    const res = await fetch(`${pair.config.sinch.baseUrl}/_emulator/inbound`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        type: 'mo_binary',
        from: '+15551234567',
        to: '15550001111',
        body: 'SGVsbG8=',
        udh: '050003CC0201',
        url: `${pair.config.publicBaseUrl}/webhooks/dlr`,
      }),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect(await waitForInbound(pair, id)).toEqual([
      { type: 'mo_binary', body: 'SGVsbG8=', udh: '050003CC0201' },
    ]);
  });

  it("When Sinch's own mo_binary example arrives, then its udh is stored as given; a text has none", async () => {
    const pair = await startPair({ db });
    const fixture = (name: string) =>
      readFileSync(join(import.meta.dirname, '../fixtures/sinch', name), 'utf8');
    for (const name of ['java-inbound-binary.json', 'python-inbound-mo-text.json']) {
      const res = await fetch(`${pair.config.publicBaseUrl}/webhooks/dlr`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: fixture(name),
      });
      expect(res.status).toBe(200);
    }
    const rows = await pair.service.db
      .selectFrom('inbound_messages')
      .select(['type', 'udh'])
      .orderBy('type')
      .execute();
    expect(rows).toEqual([
      { type: 'mo_binary', udh: 'foo udh' },
      { type: 'mo_text', udh: null },
    ]);
  });
});
