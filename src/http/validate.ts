import type { z } from 'zod';
import { AppError } from './errors';

/** Parses a request part with a schema; failures become one 400 listing every problem. */
export function validate<T extends z.ZodType>(schema: T, input: unknown, what = 'request body'): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => ({
    field: issue.path.join('.') || '(root)',
    problem: issue.message,
  }));
  const summary = problems.map((p) => `${p.field} ${p.problem}`).join('; ');
  throw new AppError('VALIDATION_FAILED', `Invalid ${what}: ${summary}.`, problems);
}
