import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { makeTestApp } from './helpers/app';

/** The CSP directives of a response, by name. */
function csp(header: string | undefined): Map<string, string> {
  return new Map(
    (header ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name as string, values.join(' ')]),
  );
}

describe('the pages for people', () => {
  it('When the console is asked for at / or /console/, then it is HTML whose CSP allows this origin only and no inline script', async () => {
    const { app } = await makeTestApp();
    for (const path of ['/', '/console', '/console/']) {
      const res = await request(app).get(path).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      const policy = csp(res.headers['content-security-policy']);
      expect(policy.get('default-src')).toBe("'none'");
      expect(policy.get('script-src')).toBe("'self'");
      expect(policy.get('style-src')).toBe("'self'");
      expect(policy.get('connect-src')).toBe("'self'");
      expect(policy.get('frame-ancestors')).toBe("'none'");
      // Every script is a file of this origin: none inline, none elsewhere.
      expect(res.text).not.toMatch(/<script(?![^>]*\ssrc="\/console\/)/);
      expect(res.text).not.toMatch(/https?:\/\//);
    }
  });

  it('When the console’s scripts are asked for, then they come from its folder and nothing else of the source does', async () => {
    const { app } = await makeTestApp();
    const js = await request(app).get('/console/app.js').expect(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.text).not.toContain('innerHTML');
    await request(app).get('/console/console.routes.ts').expect(404);
    await request(app).get('/console/../app.ts').expect(404);
  });

  it('When the API reference is asked for, then /docs/ renders openapi.json with Swagger UI served from the package', async () => {
    const { app } = await makeTestApp();
    await request(app).get('/docs').expect(301).expect('Location', '/docs/');
    const page = await request(app).get('/docs/').expect(200);
    expect(page.text).toContain('assets/swagger-ui-bundle.js');
    expect(page.text).not.toMatch(/<script(?![^>]*\ssrc=)/);
    const policy = csp(page.headers['content-security-policy']);
    expect(policy.get('script-src')).toBe("'self'");
    expect(policy.get('connect-src')).toBe("'self'");
    const bundle = await request(app).get('/docs/assets/swagger-ui-bundle.js').expect(200);
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    await request(app).get('/docs/assets/swagger-ui.css').expect(200);
    const init = await request(app).get('/docs/docs.js').expect(200);
    expect(init.text).toContain("url: '/openapi.json'");
    // Only the files the page uses; not the package's demo page or its petstore initialiser.
    await request(app).get('/docs/assets/swagger-initializer.js').expect(404);
  });

  it('When an API route answers, then its CSP allows nothing at all', async () => {
    const { app } = await makeTestApp();
    const res = await request(app).get('/health/live').expect(200);
    const policy = csp(res.headers['content-security-policy']);
    expect(policy.get('default-src')).toBe("'none'");
    expect(policy.get('frame-ancestors')).toBe("'none'");
  });
});
