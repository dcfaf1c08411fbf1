import type { z } from 'zod';
import { AppError } from './errors';

/** A 400 listing every problem zod found, each with its field. */
export function validationError(issues: z.core.$ZodIssue[], what: string): AppError {
  const problems = issues.map((issue) => ({
    field: issue.path.join('.') || '(root)',
    problem: issue.message,
  }));
  const summary = problems.map((p) => `${p.field} ${p.problem}`).join('; ');
  return new AppError('VALIDATION_FAILED', `Invalid ${what}: ${summary}.`, problems);
}

/** Parses a request part with a schema; failures become one 400. */
export function validate<T extends z.ZodType>(schema: T, input: unknown, what = 'request body'): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw validationError(parsed.error.issues, what);
}
