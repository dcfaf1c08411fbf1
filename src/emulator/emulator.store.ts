import type { z } from 'zod';
import type { deliveryReportTypeSchema } from '../sinch/batches.schemas';
import type { DeliveryStatus } from '../sinch/callbacks.schemas';
import type { DeliveryScenario } from './scenarios';

export type DeliveryReportType = z.infer<typeof deliveryReportTypeSchema>;

/** The batch object as the emulator answers it (docs/sinch-sms-api.md §2), numbers without `+`. */
export type EmulatedBatch = {
  id: string;
  to: string[];
  from?: string;
  canceled: boolean;
  body: string;
  type: 'mt_text';
  created_at: string;
  modified_at: string;
  delivery_report: DeliveryReportType;
  send_at?: string;
  expire_at: string;
  callback_url?: string;
  client_reference?: string;
  [extra: string]: unknown;
};

export type RecipientState = {
  /** Digits only, as Sinch returns numbers. */
  recipient: string;
  scenario: DeliveryScenario;
  status: DeliveryStatus;
  code: number;
  at: string;
  operatorStatusAt?: string;
  final: boolean;
};

export type StoredBatch = {
  batch: EmulatedBatch;
  /** The JSON body exactly as received. */
  request: unknown;
  recipients: Map<string, RecipientState>;
  batchReportSent: boolean;
};

/** One `POST /batches` call, whatever came of it, for the introspection endpoint. */
export type BatchRequestRecord = {
  receivedAt: string;
  attemptKey?: string;
  attempt?: number;
  clientReference?: string;
  fault?: string;
  status: number | 'hung' | 'dropped';
  errorCode?: string;
  batchId?: string;
  body: unknown;
};

/** In-memory state of one emulator instance; reset() brings it back to empty. */
export class EmulatorStore {
  readonly batches = new Map<string, StoredBatch>();
  readonly requests: BatchRequestRecord[] = [];
  private readonly attempts = new Map<string, number>();

  /** Counts calls per key so a fault can hit only the first attempt of a request. */
  nextAttempt(key: string): number {
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    return attempt;
  }

  /** Batches newest first, optionally only those with a given client_reference. */
  listBatches(clientReference?: string): StoredBatch[] {
    const all = [...this.batches.values()].reverse();
    return clientReference === undefined
      ? all
      : all.filter((stored) => stored.batch.client_reference === clientReference);
  }

  reset(): void {
    this.batches.clear();
    this.requests.length = 0;
    this.attempts.clear();
  }
}
