/** A position in a list sorted newest first: the last row's created_at and its tie-breaking key. */
export type PageCursor = { createdAt: string; key: string };

/** Opaque to callers (base64url of JSON), so the sort key can change without breaking their code. */
export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.key]), 'utf8').toString('base64url');
}

/** The position a cursor names, or undefined when it is not one we made. */
export function decodeCursor(raw: string): PageCursor | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [createdAt, key] = value;
  if (typeof createdAt !== 'string' || typeof key !== 'string') return undefined;
  if (Number.isNaN(Date.parse(createdAt)) || key.length === 0 || key.length > 64) return undefined;
  return { createdAt, key };
}
