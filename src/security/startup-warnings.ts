import type { Config } from '../config';
import type { Logger } from '../logger';
import { webhookAuthConfigured } from './webhook-auth.middleware';

/** Sinch retries a failed callback for one to two days (docs/sinch-sms-api.md §5). */
const SINCH_RETRY_SPAN_SECONDS = 2 * 86_400;

/** What an operator must hear at start-up about the security settings; names no secret. */
export function securityWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.apiKeys.length === 0) {
    warnings.push(
      'sending is unauthenticated: anyone who reaches POST /send-sms can send SMS at your cost; set API_KEYS',
    );
  }
  if (config.apiKeys.length > 1 && !config.sendLimits.maxPerKeyPerDay && config.sendLimits.maxPerDay > 0) {
    warnings.push(
      `${config.apiKeys.length} API keys share the daily cap of ${config.sendLimits.maxPerDay} SMS parts: ` +
        'one key can spend the whole day for the others; set MAX_SMS_PER_KEY_PER_DAY',
    );
  }
  if (!webhookAuthConfigured(config.webhookAuth)) {
    warnings.push(
      'callbacks are unauthenticated: anyone can post delivery reports to /webhooks/dlr; ' +
        'set SINCH_WEBHOOK_SECRET (HMAC signing) or WEBHOOK_BASIC_AUTH',
    );
  } else if (
    config.webhookAuth.hmacSecrets.length > 0 &&
    config.webhookAuth.maxAgeSeconds > 0 &&
    config.webhookAuth.maxAgeSeconds < SINCH_RETRY_SPAN_SECONDS
  ) {
    warnings.push(
      `WEBHOOK_MAX_AGE_SECONDS=${config.webhookAuth.maxAgeSeconds} is shorter than Sinch's retry schedule: ` +
        'a late retry would be refused and lost',
    );
  }
  return warnings;
}

export function logSecurityWarnings(logger: Logger, config: Config): void {
  for (const warning of securityWarnings(config)) logger.warn(warning);
}
