import { expect, it } from 'vitest';
import { sandboxBanner } from '../src/sandbox/sandbox.banner';

it('When the sandbox starts, then its banner names the console and the API reference, and a curl with the key', () => {
  const banner = sandboxBanner({
    serviceUrl: 'http://127.0.0.1:3000',
    emulatorUrl: 'http://127.0.0.1:3901',
    apiKey: 'sandbox-key-0000',
  });
  expect(banner).toMatch(/Console: +http:\/\/127\.0\.0\.1:3000\/ .*API key: sandbox-key-0000/);
  expect(banner).toMatch(/API reference: +http:\/\/127\.0\.0\.1:3000\/docs\//);
  expect(banner).toContain('http://127.0.0.1:3000/openapi.json');
  expect(banner).toContain("-H 'Authorization: Bearer sandbox-key-0000'");
});
