import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { loadConfig } from '../config';
import { startEmulatorFromEnv } from '../emulator/emulator.launcher';
import { createLogger } from '../logger';
import { exitOnSignals, startService } from '../service';
import { slowestSendMs } from '../sinch/retry-policy';
import { sandboxBanner } from './sandbox.banner';
import { startSandboxReceiver } from './sandbox.receiver';

const SANDBOX_SECRETS = ['serviceEnv.SINCH_API_TOKEN', 'serviceEnv.SINCH_WEBHOOK_SECRET'];

/**
 * `npm run sandbox`: the Sinch emulator and the service, wired to each other, in one process.
 * Every Sinch setting is forced to the emulator's, whatever `.env` says, so no real SMS can be sent.
 */
async function main(): Promise<void> {
  const env = process.env;
  const port = env.PORT?.trim() || '3000';
  const emulatorPort = env.EMULATOR_PORT?.trim() || '3901';
  // Written as they come (not buffered), so every start-up line is out before the banner is.
  const logger = createLogger(
    env.LOG_LEVEL?.trim() || 'info',
    pino.destination({ dest: 1, sync: true }),
  ).child({ mode: 'SANDBOX' });
  // The emulator logs the token a service needs to reach it; here the service is wired already, and a
  // token has no place in a log, fake or not.
  const emulatorLogger = logger.child({}, { redact: { paths: SANDBOX_SECRETS, censor: '[redacted]' } });
  // Fresh per run: nothing a sandbox prints or stores works against anything real.
  const token = `sandbox-${randomBytes(8).toString('hex')}`;
  const webhookSecret = `sandbox-${randomBytes(16).toString('hex')}`;
  const apiKey = `sandbox-key-${randomBytes(8).toString('hex')}`;
  const eventSecret = `whsec_${randomBytes(24).toString('base64')}`;

  const emulator = await startEmulatorFromEnv(
    {
      EMULATOR_PORT: emulatorPort,
      EMULATOR_HOST: '127.0.0.1',
      EMULATOR_TOKEN: token,
      EMULATOR_SERVICE_PLAN_ID: 'sandbox',
      EMULATOR_CALLBACK_URL: `http://127.0.0.1:${port}/webhooks/dlr`,
      EMULATOR_WEBHOOK_SECRET: webhookSecret,
      EMULATOR_CALLBACK_DELAY_MS: env.EMULATOR_CALLBACK_DELAY_MS,
      EMULATOR_RETRY_BASE_MS: env.EMULATOR_RETRY_BASE_MS ?? '1000',
    },
    emulatorLogger,
  );
  // "Your app": every event the service pushes lands here and is printed, one line each.
  const receiver = await startSandboxReceiver({
    port: Number(env.SANDBOX_APP_PORT?.trim() || '3902'),
    secret: eventSecret,
    print: (line) => process.stdout.write(`${line}\n`),
  });

  const result = loadConfig({
    ...env,
    // Trying things sends the same number many messages: the per-number limit (10 an hour by default,
    // counted in the kept database) would soon refuse them. Still a setting, for trying the limit itself.
    MAX_SMS_PER_NUMBER_PER_HOUR: env.MAX_SMS_PER_NUMBER_PER_HOUR?.trim() || '1000',
    SINCH_SERVICE_PLAN_ID: 'sandbox',
    SINCH_API_TOKEN: token,
    SINCH_NUMBER: '+15550000000',
    SINCH_API_REGION: 'us',
    SINCH_API_BASE_URL: emulator.url,
    SINCH_WEBHOOK_SECRET: webhookSecret,
    API_KEYS: apiKey,
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    PORT: port,
    HOST: '127.0.0.1',
    DATABASE_URL: env.SANDBOX_DATABASE_URL?.trim() || 'sqlite:./data/sandbox.sqlite',
    // Loopback over http is what the receiver is; a real deployment keeps both refused.
    EVENT_WEBHOOK_URLS: receiver.url,
    EVENT_WEBHOOK_SECRET: eventSecret,
    EVENT_ALLOW_HTTP: 'true',
    EVENT_ALLOW_PRIVATE_ADDRESSES: 'true',
  });
  if (!result.ok) {
    logger.fatal({ errors: result.errors }, 'invalid configuration for the sandbox');
    await emulator.emulator.stop();
    await receiver.stop();
    process.exitCode = 1;
    return;
  }

  const service = await startService(result.config, logger);
  logger.warn(
    { sinchApiBaseUrl: emulator.url },
    'SANDBOX MODE: every SMS goes to the local Sinch emulator; nothing is sent to Sinch or to any phone',
  );
  // Before the banner: Ctrl+C the moment it shows must stop the sandbox cleanly too.
  exitOnSignals(
    async () => {
      await service.stop();
      await emulator.emulator.stop();
      await receiver.stop();
    },
    logger,
    slowestSendMs(result.config.sinch),
  );
  // After the start-up lines (written synchronously above), so the banner is the last thing on the screen.
  process.stdout.write(
    sandboxBanner({ serviceUrl: service.url, emulatorUrl: emulator.url, appUrl: receiver.url, apiKey }),
  );
}

await main();
