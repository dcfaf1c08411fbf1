/**
 * JSON with object keys sorted, so the same body in another key order counts as the same request.
 * Written as a loop over an explicit stack, not as recursion: a body nested 10,000 deep is text the
 * parser accepts, and it must hash like any other instead of overflowing the call stack (a 500).
 * The output is what the recursive form gave, so keys stored before still match.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  // Values still to write, and the punctuation between them, last one first.
  const todo: Array<{ value: unknown } | string> = [{ value }];
  for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
    if (typeof next === 'string') {
      out.push(next);
      continue;
    }
    const current = next.value;
    if (Array.isArray(current)) {
      out.push('[');
      todo.push(']');
      for (let i = current.length - 1; i >= 0; i--) {
        todo.push({ value: current[i] });
        if (i > 0) todo.push(',');
      }
    } else if (current && typeof current === 'object') {
      const entries = Object.entries(current).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      out.push('{');
      todo.push('}');
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, item] = entries[i] as [string, unknown];
        todo.push({ value: item }, `${JSON.stringify(key)}:`);
        if (i > 0) todo.push(',');
      }
    } else {
      out.push(JSON.stringify(current) ?? 'null');
    }
  }
  return out.join('');
}
