import type { z } from 'zod';
import { AppError } from '../core/errors';

type Issue = z.core.$ZodIssue;
type Problem = { field: string; problem: string };

const ROOT = '(root)';

// zod's own English messages start like these; a message a schema wrote itself is kept as it is.
const ZOD_DEFAULT = /^(Invalid|Too (big|small)|Unrecognized key)/;

const count = (n: number | bigint) => Number(n).toLocaleString('en-US');

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a JSON object',
};

const typeWord = (expected: string) => TYPE_WORDS[expected] ?? expected;

/** zod 4 keeps the input off issues unless asked; its default message still says what came. */
const wasMissing = (issue: Issue) =>
  ('input' in issue && issue.input === undefined && issue.message.startsWith('Invalid')) ||
  /received undefined$/.test(issue.message);

function sizeWords(issue: Extract<Issue, { code: 'too_big' | 'too_small' }>): string {
  const big = issue.code === 'too_big';
  const limit = big ? issue.maximum : issue.minimum;
  const bound = big ? 'at most' : 'at least';
  switch (issue.origin) {
    case 'array':
    case 'set':
      return `must list ${bound} ${count(limit)} ${Number(limit) === 1 ? 'entry' : 'entries'}`;
    case 'string':
      if (!big && Number(limit) === 1) return 'must not be empty';
      return `must be ${bound} ${count(limit)} characters`;
    default:
      return `must be ${bound} ${count(limit)}`;
  }
}

/** Union branches that failed only because the value had another type say nothing useful alone. */
const onlyWrongType = (branch: Issue[]) =>
  branch.every((issue) => issue.code === 'invalid_type' && issue.path.length === 0);

/** The problems one zod issue stands for, in words, each naming its field. */
function problemsOf(issue: Issue, prefix: PropertyKey[] = []): Problem[] {
  const path = [...prefix, ...issue.path];
  const field = path.map(String).join('.') || ROOT;
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      field: [...path, key].map(String).join('.'),
      problem: 'is not a known field',
    }));
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // The branch whose type matched holds the real fault (a list that is too long, say).
    const matched = issue.errors.find((branch) => !onlyWrongType(branch));
    if (matched) return matched.flatMap((inner) => problemsOf(inner, path));
    const branches = issue.errors.flat();
    if (branches.some(wasMissing)) return [{ field, problem: 'is required' }];
    const expected = branches.map((inner) => (inner.code === 'invalid_type' ? typeWord(inner.expected) : ''));
    return [{ field, problem: `must be ${[...new Set(expected.filter(Boolean))].join(' or ')}` }];
  }
  if (!ZOD_DEFAULT.test(issue.message)) return [{ field, problem: issue.message }];
  switch (issue.code) {
    case 'invalid_type':
      return [{ field, problem: wasMissing(issue) ? 'is required' : `must be ${typeWord(issue.expected)}` }];
    case 'too_big':
    case 'too_small':
      return [{ field, problem: sizeWords(issue) }];
    case 'invalid_value':
      return [{ field, problem: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` }];
    case 'invalid_format':
      return [{ field, problem: `is not a valid ${issue.format}` }];
    default:
      return [{ field, problem: 'is not valid' }];
  }
}

/** A 400 listing every problem zod found, each with its field, in words a person reads. */
export function validationError(issues: Issue[], what: string): AppError {
  const problems = issues.flatMap((issue) => problemsOf(issue));
  const summary = problems
    .map((p) => (p.field === ROOT ? `the ${what} ${p.problem}` : `\`${p.field}\` ${p.problem}`))
    .join('; ');
  return new AppError('VALIDATION_FAILED', `Invalid ${what}: ${summary}.`, problems);
}

/** Parses a request part with a schema; failures become one 400. */
export function validate<T extends z.ZodType>(schema: T, input: unknown, what = 'request body'): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw validationError(parsed.error.issues, what);
}
