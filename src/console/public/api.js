// The console calls the same API as curl does, with the key from session storage in a header.

const KEY = 'sms-console-api-key';

export const apiKey = {
  get: () => sessionStorage.getItem(KEY),
  set: (key) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

/** An answer the service gave as an error, in its one shape ({ error, code, requestId }). */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error ?? `The service answered ${status}.`);
    this.status = status;
    this.code = body?.code ?? `HTTP_${status}`;
    this.requestId = body?.requestId;
  }
}

/** GET (or another method on) the API; resolves to the parsed JSON, rejects with ApiError. */
export async function api(path, { method = 'GET', query } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, value);
  }
  const headers = { Accept: 'application/json' };
  const key = apiKey.get();
  if (key) headers.Authorization = `Bearer ${key}`;
  let res;
  try {
    res = await fetch(url, { method, headers, cache: 'no-store', credentials: 'omit' });
  } catch {
    throw new ApiError(0, { error: 'The service cannot be reached.', code: 'NETWORK' });
  }
  const text = await res.text();
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}
