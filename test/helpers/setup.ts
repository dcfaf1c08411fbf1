import nock from 'nock';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { releaseTestDatabases } from './databases';

// Nothing leaves the machine: only loopback (supertest, the emulator) is reachable.
beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect((host) => host.startsWith('127.0.0.1') || host.startsWith('localhost'));
});

afterEach(() => {
  nock.cleanAll();
});

afterAll(async () => {
  await releaseTestDatabases();
});
