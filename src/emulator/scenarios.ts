import { normalizeMsisdn } from '../core/msisdn';
import type { DeliveryStatus } from '../sinch/callbacks.schemas';

/**
 * What the emulator does for a recipient, chosen by the last three digits of its number.
 * Keep this table and README.md in step: it is the contract testers rely on.
 */

/** How the reports of one recipient are emitted. */
export type ReportPattern =
  /** `Dispatched`, then the final status. */
  | 'normal'
  /** Goes to `Dispatched` internally, then nothing: no callback ever, never final. */
  | 'silent'
  /** Like normal, but the final report is sent three times. */
  | 'duplicate-final'
  /** Final report first, then a late `Dispatched` report. */
  | 'final-before-dispatched'
  /** `Dispatched`, then the final status only after `slowReportMs`. */
  | 'slow';

export type DeliveryScenario = {
  suffix: string;
  name: string;
  description: string;
  final: { status: DeliveryStatus; code: number };
  pattern: ReportPattern;
};

export type ApiFault = 'rate-limited' | 'server-error' | 'unavailable' | 'hang' | 'drop';

export type ApiFaultScenario = {
  suffix: string;
  name: string;
  description: string;
  fault: ApiFault;
};

const DELIVERED = { status: 'Delivered', code: 0 } as const;

/** Number of trailing digits that select a scenario. */
export const SCENARIO_SUFFIX_LENGTH = 3;

/** Used for every number whose suffix is not in a table below. */
export const DEFAULT_SCENARIO: DeliveryScenario = {
  suffix: '*',
  name: 'delivered',
  description: 'Dispatched (401), then Delivered (0)',
  final: DELIVERED,
  pattern: 'normal',
};

export const DELIVERY_SCENARIOS: readonly DeliveryScenario[] = [
  {
    suffix: '901',
    name: 'failed',
    description: 'Dispatched, then Failed with SMPP 153 (absent subscriber)',
    final: { status: 'Failed', code: 153 },
    pattern: 'normal',
  },
  {
    suffix: '902',
    name: 'expired',
    description: 'Dispatched, then Expired with 406 (internal expiry)',
    final: { status: 'Expired', code: 406 },
    pattern: 'normal',
  },
  {
    suffix: '903',
    name: 'rejected',
    description: 'Dispatched, then Rejected with 402 (unroutable, SMSC rejected)',
    final: { status: 'Rejected', code: 402 },
    pattern: 'normal',
  },
  {
    suffix: '904',
    name: 'aborted',
    description: 'Dispatched, then Aborted with 412 (unprovisioned region)',
    final: { status: 'Aborted', code: 412 },
    pattern: 'normal',
  },
  {
    suffix: '905',
    name: 'deleted',
    description: 'Dispatched, then Deleted with SMPP 150 (unknown subscriber)',
    final: { status: 'Deleted', code: 150 },
    pattern: 'normal',
  },
  {
    suffix: '910',
    name: 'no-report',
    description: 'No callback ever; GET delivery report stays at Dispatched (401)',
    final: DELIVERED,
    pattern: 'silent',
  },
  {
    suffix: '911',
    name: 'duplicate-reports',
    description: 'Dispatched, then the Delivered report sent 3 times',
    final: DELIVERED,
    pattern: 'duplicate-final',
  },
  {
    suffix: '912',
    name: 'out-of-order',
    description: 'Delivered report first, then a late Dispatched report',
    final: DELIVERED,
    pattern: 'final-before-dispatched',
  },
  {
    suffix: '913',
    name: 'slow-report',
    description: 'Dispatched, then Delivered only after slowReportMs (default 5 s)',
    final: DELIVERED,
    pattern: 'slow',
  },
];

export const API_FAULT_SCENARIOS: readonly ApiFaultScenario[] = [
  {
    suffix: '921',
    name: 'rate-limited-once',
    description: 'POST /batches answers 429 + Retry-After: 1 the first time, then succeeds',
    fault: 'rate-limited',
  },
  {
    suffix: '922',
    name: 'server-error-once',
    description: 'POST /batches answers 500 the first time (no batch), then succeeds',
    fault: 'server-error',
  },
  {
    suffix: '923',
    name: 'unavailable-once',
    description: 'POST /batches answers 503 the first time (no batch), then succeeds',
    fault: 'unavailable',
  },
  {
    suffix: '924',
    name: 'hang-once',
    description: 'POST /batches creates the batch but never answers the first time, then succeeds',
    fault: 'hang',
  },
  {
    suffix: '925',
    name: 'drop-once',
    description: 'POST /batches creates the batch then drops the connection the first time, then succeeds',
    fault: 'drop',
  },
];

function suffixOf(msisdn: string): string {
  return normalizeMsisdn(msisdn).slice(-SCENARIO_SUFFIX_LENGTH);
}

const deliveryBySuffix = new Map(DELIVERY_SCENARIOS.map((s) => [s.suffix, s]));
const faultBySuffix = new Map(API_FAULT_SCENARIOS.map((s) => [s.suffix, s]));

/** The delivery scenario for a number; API-fault numbers are delivered normally once accepted. */
export function deliveryScenarioFor(msisdn: string): DeliveryScenario {
  return deliveryBySuffix.get(suffixOf(msisdn)) ?? DEFAULT_SCENARIO;
}

/** The first API fault any recipient of the batch asks for, if any. */
export function apiFaultFor(recipients: readonly string[]): ApiFaultScenario | undefined {
  for (const recipient of recipients) {
    const fault = faultBySuffix.get(suffixOf(recipient));
    if (fault) return fault;
  }
  return undefined;
}

/** One line per scenario, for the startup log and `GET /_emulator/scenarios`. */
export function scenarioSummary(): Array<{ suffix: string; name: string; description: string }> {
  return [DEFAULT_SCENARIO, ...DELIVERY_SCENARIOS, ...API_FAULT_SCENARIOS].map(
    ({ suffix, name, description }) => ({ suffix, name, description }),
  );
}
