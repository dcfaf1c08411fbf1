import { z } from 'zod';
import { createLogger, type Logger } from '../logger';
import { createEmulator, type Emulator } from './emulator.server';
import { scenarioSummary } from './scenarios';

const blankAsUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const envSchema = z.object({
  EMULATOR_PORT: z.preprocess(blankAsUndefined, z.coerce.number().int().min(0).max(65_535).default(3901)),
  EMULATOR_HOST: z.preprocess(blankAsUndefined, z.string().default('127.0.0.1')),
  EMULATOR_TOKEN: z.preprocess(blankAsUndefined, z.string().min(1).default('sandbox-token')),
  EMULATOR_SERVICE_PLAN_ID: z.preprocess(blankAsUndefined, z.string().min(1).optional()),
  EMULATOR_CALLBACK_URL: z.preprocess(blankAsUndefined, z.url({ protocol: /^https?$/ }).optional()),
  EMULATOR_WEBHOOK_SECRET: z.preprocess(blankAsUndefined, z.string().min(1).optional()),
  EMULATOR_CALLBACK_DELAY_MS: z.preprocess(blankAsUndefined, z.coerce.number().int().min(0).optional()),
  EMULATOR_RETRY_BASE_MS: z.preprocess(blankAsUndefined, z.coerce.number().int().min(1).optional()),
  LOG_LEVEL: z.preprocess(blankAsUndefined, z.string().default('info')),
});

export type EmulatorEnv = z.infer<typeof envSchema>;

/** Reads the `EMULATOR_*` variables; throws one error listing every bad variable. */
export function parseEmulatorEnv(env: Record<string, string | undefined>): EmulatorEnv {
  const parsed = envSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new Error(`Invalid emulator environment: ${problems.join('; ')}`);
}

export type RunningEmulator = {
  emulator: Emulator;
  url: string;
  port: number;
  /** What the service needs in its own environment to talk to this emulator. */
  serviceEnv: { SINCH_API_BASE_URL: string; SINCH_API_TOKEN: string; SINCH_SERVICE_PLAN_ID: string };
};

/**
 * Starts an emulator configured from `EMULATOR_*` variables and logs how to point the service at it.
 * For `npm run emulator` and for sandbox launchers that run it in-process.
 */
export async function startEmulatorFromEnv(
  env: Record<string, string | undefined> = process.env,
  logger?: Logger,
): Promise<RunningEmulator> {
  const config = parseEmulatorEnv(env);
  const log = logger ?? createLogger(config.LOG_LEVEL);
  const emulator = createEmulator({
    token: config.EMULATOR_TOKEN,
    servicePlanId: config.EMULATOR_SERVICE_PLAN_ID,
    defaultCallbackUrl: config.EMULATOR_CALLBACK_URL,
    webhookSecret: config.EMULATOR_WEBHOOK_SECRET,
    callbackDelayMs: config.EMULATOR_CALLBACK_DELAY_MS,
    retryBaseMs: config.EMULATOR_RETRY_BASE_MS,
    logger: log,
  });
  const { url, port } = await emulator.start(config.EMULATOR_PORT, config.EMULATOR_HOST);
  // Key names avoid the logger's redaction list on purpose: this token is a local fake.
  const serviceEnv = {
    SINCH_API_BASE_URL: url,
    SINCH_API_TOKEN: config.EMULATOR_TOKEN,
    SINCH_SERVICE_PLAN_ID: config.EMULATOR_SERVICE_PLAN_ID ?? 'any-plan-id',
  };
  log.info(
    {
      url,
      serviceEnv,
      defaultCallbackUrl: config.EMULATOR_CALLBACK_URL ?? null,
      signsCallbacks: config.EMULATOR_WEBHOOK_SECRET !== undefined,
      introspection: `${url}/_emulator/messages`,
    },
    'Sinch SMS emulator ready',
  );
  log.info(
    { scenarios: scenarioSummary().map((s) => `…${s.suffix} ${s.name}: ${s.description}`) },
    'Scenarios by the last 3 digits of the recipient number',
  );
  return { emulator, url, port, serviceEnv };
}
