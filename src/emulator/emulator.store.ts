import type { z } from 'zod';
import type { deliveryReportTypeSchema } from '../sinch/batches.schemas';
import type { DeliveryStatus } from '../sinch/callbacks.schemas';
import type { BatchSend, BatchType } from './batch-schemas';
import type { DeliveryScenario } from './scenarios';

export type DeliveryReportType = z.infer<typeof deliveryReportTypeSchema>;

/** The batch object as the emulator answers it (docs/sinch-sms-api.md §2), numbers without `+`. */
export type EmulatedBatch = {
  id: string;
  to: string[];
  from?: string;
  canceled: boolean;
  /** A string for `mt_text` and `mt_binary` (base64), `{ url, message?, subject? }` for `mt_media`. */
  body: string | { url: string; message?: string; subject?: string };
  type: BatchType;
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
  /** The JSON body exactly as received (the last replace or update, once there is one). */
  request: unknown;
  /** The validated request the batch now stands for; an update applies to it. */
  send: BatchSend;
  recipients: Map<string, RecipientState>;
  batchReportSent: boolean;
  /** Raised by replace and update: timers of the earlier version then do nothing. */
  generation: number;
  /** Cancelled before its `send_at`: its delivery report is empty, as Sinch documents. */
  cancelledBeforeSend?: boolean;
  /** Every `POST /batches/{id}/delivery_feedback`, in order. */
  feedback: Array<{ at: string; recipients: string[] }>;
};

/** A handset's message as `GET /inbounds` answers it (docs/sinch-sms-api.md §7). */
export type InboundMessage = Record<string, unknown> & {
  type: 'mo_text' | 'mo_binary' | 'mo_media';
  id: string;
  from: string;
  to: string;
  received_at: string;
  client_reference?: string;
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

/** Filters of `GET /batches`, all optional. */
export type BatchFilters = {
  clientReference?: string;
  /** Any of these senders (compared as given and without `+`). */
  from?: string[];
  createdFrom?: number;
  createdUntil?: number;
};

const bare = (sender: string) => sender.replace(/^\+/, '');

/** In-memory state of one emulator instance; reset() brings it back to empty. */
export class EmulatorStore {
  readonly batches = new Map<string, StoredBatch>();
  readonly requests: BatchRequestRecord[] = [];
  /** Inbound messages in arrival order. */
  readonly inbounds: InboundMessage[] = [];
  private readonly attempts = new Map<string, number>();

  /** Counts calls per key so a fault can hit only the first attempt of a request. */
  nextAttempt(key: string): number {
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    return attempt;
  }

  /** Batches newest first, narrowed by the filters given. */
  listBatches(filters: BatchFilters = {}): StoredBatch[] {
    const senders = filters.from?.map(bare);
    return [...this.batches.values()].reverse().filter(({ batch }) => {
      const created = Date.parse(batch.created_at);
      if (filters.clientReference !== undefined && batch.client_reference !== filters.clientReference) {
        return false;
      }
      if (senders && !(batch.from !== undefined && senders.includes(bare(batch.from)))) return false;
      if (filters.createdFrom !== undefined && created < filters.createdFrom) return false;
      if (filters.createdUntil !== undefined && created > filters.createdUntil) return false;
      return true;
    });
  }

  reset(): void {
    this.batches.clear();
    this.requests.length = 0;
    this.inbounds.length = 0;
    this.attempts.clear();
  }
}
