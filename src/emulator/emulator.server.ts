import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type Response } from 'express';
import { createLogger, type Logger } from '../logger';
import { createBatchChangesRouter } from './batch-changes.routes';
import { createBatchesRouter } from './batches.routes';
import { type CallbackRecord, CallbackSender } from './callback-sender';
import { DeliverySimulator } from './delivery-simulator';
import { createDryRunRouter } from './dry-run.routes';
import { requireBearer, sendSinchError, sinchErrorHandler } from './emulator.http';
import { type BatchRequestRecord, EmulatorStore, type StoredBatch } from './emulator.store';
import { buildInbound, createInboundsRouter } from './inbounds.routes';
import { createIntrospectionRouter, type InboundInput } from './introspection.routes';
import { createReportsRouter } from './reports.routes';
import { TimerSet } from './timer-set';

export type EmulatorOptions = {
  /** The API token every `/xms` call must carry as `Authorization: Bearer <token>`. */
  token: string;
  /** Only this plan id is accepted in the path; any plan when unset. */
  servicePlanId?: string;
  /** The service plan's "dashboard" callback URL, used when a batch has no callback_url. */
  defaultCallbackUrl?: string;
  /** When set, callbacks carry Sinch's HMAC signature headers. */
  webhookSecret?: string;
  /** Delay of each simulated step (Queued → Dispatched → final); random 300–800 ms when unset. */
  callbackDelayMs?: number;
  /**
   * When the `slow-report` scenario's final report comes; default 5000. `'held'` keeps it until
   * `state.releaseHeldReports()` (or `POST /_emulator/release`), so a test decides what comes first.
   */
  slowReportMs?: number | 'held';
  /** First callback retry delay, doubling after; Sinch uses 5000. */
  retryBaseMs?: number;
  /** Attempts per callback before it is marked failed; default 15. */
  maxCallbackAttempts?: number;
  /** Timeout of each callback POST; default 10000. */
  callbackTimeoutMs?: number;
  /** Callback POSTs open at once at most; default 50 (the rest wait their turn). */
  callbackConcurrency?: number;
  logger?: Logger;
};

export type EmulatorState = {
  readonly store: EmulatorStore;
  /** Batches in creation order. */
  batches(): StoredBatch[];
  /** Every `POST /batches` call, including refused and faulted ones. */
  requests(): BatchRequestRecord[];
  callbacks(): CallbackRecord[];
  /** The JSON served by `GET /_emulator/messages`. */
  snapshot(): EmulatorSnapshot;
  /** Forgets everything and cancels pending reports and retries. */
  reset(): void;
  /**
   * True when nothing more will happen unprompted: no step or retry timer pending, no callback
   * waiting to be sent or answered, no slow report held. "Nothing more came" is proven after it.
   */
  idle(): boolean;
  /** Lets held slow reports go (see `slowReportMs: 'held'`); answers how many were held. */
  releaseHeldReports(): number;
  /** Keeps a handset's message for `GET /inbounds` and posts it as Sinch does when a URL is known. */
  inbound(message: InboundInput): { payload: Record<string, unknown>; posted: boolean };
};

export type EmulatorSnapshot = {
  batches: Array<{ batch: unknown; request: unknown; recipients: unknown[]; feedback: unknown[] }>;
  inbounds: unknown[];
  batchRequests: BatchRequestRecord[];
  callbacks: Array<Omit<CallbackRecord, 'rawBody'>>;
  /** What is still to come: step and retry timers, slow reports held for a release. */
  pending: { timers: number; heldReports: number };
};

export type Emulator = {
  app: Express;
  state: EmulatorState;
  /** Listens on 127.0.0.1 by default; port 0 picks a free port. */
  start(port?: number, host?: string): Promise<{ url: string; port: number }>;
  /** Cancels every timer, aborts callbacks in flight, drops held sockets and closes the server. */
  stop(): Promise<void>;
};

/** Builds a Sinch SMS REST API emulator (`/xms/v1/{plan}/…`) with simulated delivery reports. */
export function createEmulator(options: EmulatorOptions): Emulator {
  const logger = (options.logger ?? createLogger('info')).child({ component: 'sinch-emulator' });
  const timers = new TimerSet();
  const store = new EmulatorStore();
  const sender = new CallbackSender({
    timers,
    logger,
    retryBaseMs: options.retryBaseMs ?? 5000,
    maxAttempts: options.maxCallbackAttempts ?? 15,
    timeoutMs: options.callbackTimeoutMs ?? 10_000,
    maxInFlight: options.callbackConcurrency ?? 50,
    webhookSecret: options.webhookSecret,
  });
  const fixedDelay = options.callbackDelayMs;
  const simulator = new DeliverySimulator({
    timers,
    sender,
    logger,
    stepDelayMs: () => fixedDelay ?? 300 + Math.floor(Math.random() * 500),
    slowReportMs: options.slowReportMs ?? 5000,
    defaultCallbackUrl: options.defaultCallbackUrl,
  });
  const held = new Set<Response>();

  const state: EmulatorState = {
    store,
    batches: () => [...store.batches.values()],
    requests: () => store.requests,
    callbacks: () => sender.records,
    snapshot: () => ({
      batches: [...store.batches.values()].map(({ batch, request, recipients, feedback }) => ({
        batch,
        request,
        feedback,
        recipients: [...recipients.values()].map(({ scenario, ...rest }) => ({
          ...rest,
          scenario: scenario.name,
        })),
      })),
      batchRequests: store.requests,
      inbounds: store.inbounds,
      callbacks: sender.records.map(({ rawBody: _raw, ...rest }) => rest),
      pending: { timers: timers.size, heldReports: simulator.heldCount },
    }),
    reset: () => {
      timers.clearAll();
      simulator.dropHeld();
      sender.reset();
      store.reset();
    },
    idle: () =>
      timers.size === 0 && simulator.heldCount === 0 && !sender.records.some((c) => c.state === 'pending'),
    releaseHeldReports: () => simulator.releaseHeld(),
    inbound: (message) => {
      const target = message.url ?? options.defaultCallbackUrl;
      const payload = buildInbound(message);
      store.inbounds.push(payload);
      if (target) sender.enqueue(`inbound:${payload.id}`, target, payload, { batchId: payload.id });
      return { payload, posted: target !== undefined };
    },
  };

  const app = express();
  app.disable('x-powered-by');
  app.use('/_emulator', createIntrospectionRouter(state));
  const api = express.Router({ mergeParams: true });
  api.use(requireBearer(options.token, options.servicePlanId));
  const changeDeps = { store, simulator, logger, defaultCallbackUrl: options.defaultCallbackUrl };
  // Dry run before the batch routes, so `dry_run` is never read as a batch id.
  api.use(createDryRunRouter());
  api.use(createReportsRouter(store));
  api.use(createInboundsRouter(store));
  api.use(
    createBatchesRouter({
      ...changeDeps,
      holdOpen: (res) => {
        held.add(res);
        res.on('close', () => held.delete(res));
      },
    }),
  );
  api.use(createBatchChangesRouter(changeDeps));
  app.use('/xms/v1/:plan', api);
  app.use((_req, res) => sendSinchError(res, { status: 404, code: 'not_found', text: 'No such resource' }));
  app.use(sinchErrorHandler);

  let server: Server | undefined;

  return {
    app,
    state,
    start(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        const listening = app.listen(port, host, (error?: Error) => {
          if (error) return reject(error);
          server = listening;
          const actual = (listening.address() as AddressInfo).port;
          const url = `http://${host}:${actual}`;
          logger.info({ url }, 'Sinch emulator listening');
          resolve({ url, port: actual });
        });
      });
    },
    async stop() {
      timers.clearAll();
      simulator.dropHeld();
      sender.halt();
      for (const res of held) res.socket?.destroy();
      held.clear();
      const closing = server;
      server = undefined;
      if (!closing) return;
      await new Promise<void>((resolve) => {
        closing.close(() => resolve());
        closing.closeAllConnections();
      });
    },
  };
}
