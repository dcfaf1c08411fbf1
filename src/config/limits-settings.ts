import { withDefault } from './env-setting';
import { integer } from './env-values';

/**
 * Bounds on the work one request may cause and on what the callback log keeps (issue 13 items 2 and
 * 3), spread into the env schema. The defaults sit far above anything Sinch or a normal client sends.
 */
export const limitSettings = {
  CALLBACK_MAX_BODY_KB: withDefault('256', integer(4, 16_384), {
    group: 'limits',
    description:
      'Largest `POST /webhooks/dlr` body in KiB; larger is 413 (a recipient report is under 2 KiB, a `full` report naming 1,000 recipients about 100 KiB, an inbound SMS a few KiB).',
  }),
  SEND_MAX_BODY_KB: withDefault('128', integer(4, 16_384), {
    group: 'limits',
    description:
      'Largest `POST /send-sms` body in KiB (1,000 recipients and a long message fit in 64); larger is 413.',
  }),
  JSON_MAX_DEPTH: withDefault('32', integer(2, 1_000), {
    group: 'limits',
    description:
      'Deepest nesting of objects and arrays in a JSON body, checked before it is parsed; deeper is 400. Sinch nests 4 levels at most.',
  }),
  CALLBACK_RETENTION_DAYS: withDefault('30', integer(0, 3_650), {
    group: 'limits',
    description:
      'Days a callback that was applied (or was a duplicate, a summary, an inbound SMS) stays in the callback log; what it did stays in messages and history. `0` keeps them for ever.',
  }),
  CALLBACK_UNAPPLIED_RETENTION_DAYS: withDefault('90', integer(0, 3_650), {
    group: 'limits',
    description:
      'Days a callback kept without being applied (`unknown_type`, `unmatched`, `invalid`) stays in the callback log, to be reapplied; `0` keeps them for ever.',
  }),
  CALLBACK_UNAPPLIED_MAX_MB: withDefault('1024', integer(0, 1_048_576), {
    group: 'limits',
    description:
      'MiB of payloads those unapplied callbacks may take together; past it the oldest go first, and new ones are stored without their payload until the purge made room. `0`: no bound.',
  }),
  CALLBACK_PURGE_INTERVAL_SECONDS: withDefault('600', integer(0, 86_400), {
    group: 'limits',
    description:
      'Seconds between purges of the callback log (deleting in batches of 1,000); `0` switches the purge off.',
  }),
};
