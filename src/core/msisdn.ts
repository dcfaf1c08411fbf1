import { z } from 'zod';

/** A phone number as digits only (E.164 without its `+`): what recipients are stored and matched as. */
export const MSISDN_DIGITS = /^[1-9]\d{1,14}$/;

/** Numbers come as `+4612…`, `004612…`, `4612…` or `1 (555) …`; compare on bare digits. */
export function normalizeMsisdn(number: string): string {
  const digits = number.replace(/[\s()-]/g, '');
  if (digits.startsWith('+')) return digits.slice(1);
  if (digits.startsWith('00')) return digits.slice(2);
  return digits;
}

/** A number given by a person (`+1555…`, `001555…`, `1 555 …`), read as its digits. */
export const msisdnInput = z
  .string()
  .transform((raw) => normalizeMsisdn(raw))
  .pipe(z.string().regex(MSISDN_DIGITS, 'must be a phone number in E.164 (+15551234567) or its digits'));
