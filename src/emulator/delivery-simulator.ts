import type { Logger } from '../logger';
import type { CallbackSender } from './callback-sender';
import { batchReport, recipientReport } from './delivery-reports';
import type { RecipientState, StoredBatch } from './emulator.store';
import type { TimerSet } from './timer-set';

export type DeliverySimulatorOptions = {
  timers: TimerSet;
  sender: CallbackSender;
  logger: Logger;
  /** Delay before each step of a recipient's life (Queued → Dispatched → final). */
  stepDelayMs: () => number;
  /** When the `slow` scenario's final report comes; `'held'`: only once `releaseHeld()` is called. */
  slowReportMs: number | 'held';
  defaultCallbackUrl?: string;
};

const DUPLICATE_COUNT = 3;

/** Operator receipts carry whole seconds, slightly before Sinch writes its own report. */
function operatorTimestamp(nowMs: number): string {
  return new Date(Math.floor((nowMs - 200) / 1000) * 1000).toISOString();
}

/**
 * Moves each recipient of a batch through its scenario on timers and emits the callbacks its
 * `delivery_report` mode asks for.
 */
export class DeliverySimulator {
  /** Slow final reports waiting for `releaseHeld()`, each with the earliest time it may go. */
  private held: Array<{ notBefore: number; finish: () => void }> = [];

  constructor(private readonly options: DeliverySimulatorOptions) {}

  /** How many slow final reports wait for `releaseHeld()`. */
  get heldCount(): number {
    return this.held.length;
  }

  /** Lets every held slow report go, at once or when its usual step comes, whichever is later. */
  releaseHeld(): number {
    const released = this.held.splice(0);
    for (const { notBefore, finish } of released) {
      this.options.timers.after(Math.max(0, notBefore - Date.now()), finish);
    }
    return released.length;
  }

  /** Forgets held reports (reset and stop). */
  dropHeld(): void {
    this.held = [];
  }

  /**
   * Schedules the whole life of every recipient of a freshly created batch. A batch with `send_at` in
   * the future waits for it, its recipients `Queued` until then (a cancel before then cancels them all).
   */
  start(stored: StoredBatch): void {
    const { stepDelayMs, slowReportMs } = this.options;
    const wait = this.untilSendAt(stored);
    // Replace and update raise the generation: timers of the version they replaced then do nothing.
    const generation = stored.generation;
    const timers = {
      after: (ms: number, fn: () => void) =>
        this.options.timers.after(ms, () => {
          if (stored.generation === generation) fn();
        }),
    };
    for (const state of stored.recipients.values()) {
      const first = wait + stepDelayMs();
      const second = first + stepDelayMs();
      switch (state.scenario.pattern) {
        case 'normal':
        case 'duplicate-final':
          timers.after(first, () => this.dispatch(stored, state, true));
          timers.after(second, () => this.finish(stored, state));
          break;
        case 'silent':
          timers.after(first, () => this.dispatch(stored, state, false));
          break;
        case 'final-before-dispatched':
          timers.after(first, () => this.finish(stored, state));
          timers.after(second, () => this.lateDispatched(stored, state));
          break;
        case 'slow':
          timers.after(first, () => this.dispatch(stored, state, true));
          if (slowReportMs === 'held') {
            const notBefore = Date.now() + second;
            this.held.push({
              notBefore,
              finish: () => {
                if (stored.generation === generation) this.finish(stored, state);
              },
            });
          } else {
            timers.after(Math.max(second, wait + slowReportMs), () => this.finish(stored, state));
          }
          break;
      }
    }
  }

  /** Milliseconds until the batch's `send_at` (0 when it has none or it has passed). */
  untilSendAt(stored: StoredBatch): number {
    const sendAt = stored.batch.send_at ? Date.parse(stored.batch.send_at) : Number.NaN;
    return Number.isNaN(sendAt) ? 0 : Math.max(0, sendAt - Date.now());
  }

  /** Whether any recipient has left `Queued`: then update and replace are refused. */
  dispatched(stored: StoredBatch): boolean {
    return [...stored.recipients.values()].some((s) => s.final || s.status !== 'Queued');
  }

  /**
   * Cancels every recipient not yet final: `Cancelled` (407), reported like any final status. A batch
   * still waiting for its `send_at` sends nothing and its report is empty, as Sinch documents.
   */
  cancel(stored: StoredBatch): void {
    if (this.untilSendAt(stored) > 0 && !this.dispatched(stored)) {
      stored.cancelledBeforeSend = true;
      stored.generation++;
      for (const state of stored.recipients.values()) this.setFinal(state, 'Cancelled', 407);
      return;
    }
    for (const state of stored.recipients.values()) {
      if (state.final) continue;
      this.setFinal(state, 'Cancelled', 407);
      if (state.scenario.pattern !== 'silent') this.emitRecipient(stored, state, true);
    }
    this.maybeSendBatchReport(stored);
  }

  private dispatch(stored: StoredBatch, state: RecipientState, report: boolean): void {
    if (state.final) return;
    state.status = 'Dispatched';
    state.code = 401;
    state.at = new Date().toISOString();
    if (report) this.emitRecipient(stored, state, false);
  }

  private finish(stored: StoredBatch, state: RecipientState): void {
    if (state.final) return;
    this.setFinal(state, state.scenario.final.status, state.scenario.final.code);
    const copies = state.scenario.pattern === 'duplicate-final' ? DUPLICATE_COUNT : 1;
    for (let i = 0; i < copies; i++) this.emitRecipient(stored, state, true);
    this.maybeSendBatchReport(stored);
  }

  /** The out-of-order case: a `Dispatched` report after the final one; state stays final. */
  private lateDispatched(stored: StoredBatch, state: RecipientState): void {
    if (state.status === 'Cancelled') return;
    const at = new Date().toISOString();
    this.send(stored, state, recipientReport(stored, state, { status: 'Dispatched', code: 401, at }), false);
  }

  private setFinal(state: RecipientState, status: RecipientState['status'], code: number): void {
    const now = Date.now();
    state.status = status;
    state.code = code;
    state.at = new Date(now).toISOString();
    state.operatorStatusAt = operatorTimestamp(now);
    state.final = true;
  }

  private emitRecipient(stored: StoredBatch, state: RecipientState, isFinal: boolean): void {
    this.send(stored, state, recipientReport(stored, state), isFinal);
  }

  private send(
    stored: StoredBatch,
    state: RecipientState,
    payload: Record<string, unknown>,
    isFinal: boolean,
  ): void {
    const mode = stored.batch.delivery_report;
    const wanted = mode === 'per_recipient' || (mode === 'per_recipient_final' && isFinal);
    const url = this.callbackUrl(stored);
    if (!wanted || !url) return;
    this.options.sender.enqueue(`${stored.batch.id}:${state.recipient}`, url, payload, {
      batchId: stored.batch.id,
      recipient: state.recipient,
    });
  }

  /**
   * `summary`/`full` send one report once every recipient is final. Silent (no-report) recipients
   * are not waited for; they show up with their last status.
   */
  private maybeSendBatchReport(stored: StoredBatch): void {
    const mode = stored.batch.delivery_report;
    if ((mode !== 'summary' && mode !== 'full') || stored.batchReportSent) return;
    const states = [...stored.recipients.values()];
    const settled = states.every((s) => s.final || s.scenario.pattern === 'silent');
    const url = this.callbackUrl(stored);
    if (!settled || !states.some((s) => s.final) || !url) return;
    stored.batchReportSent = true;
    const copies = states.some((s) => s.scenario.pattern === 'duplicate-final') ? DUPLICATE_COUNT : 1;
    for (let i = 0; i < copies; i++) {
      this.options.sender.enqueue(stored.batch.id, url, batchReport(stored, mode === 'full'), {
        batchId: stored.batch.id,
      });
    }
  }

  private callbackUrl(stored: StoredBatch): string | undefined {
    return stored.batch.callback_url ?? this.options.defaultCallbackUrl;
  }
}
