/** Security: who may call us, how often, and to which numbers. The entry other features use. */
export { apiKeyIdOf, requireApiKey } from './api-keys.middleware';
export { type BasicCredential, parseBasicAuth } from './basic-auth';
export { redisRateLimitStores } from './rate-limit-redis';
export { databaseRateLimitStores, type RateLimitStores } from './rate-limit-store';
export { apiGuard, clientRateLimit } from './rate-limits';
export { createSendGuard, type SendCheck, type SendCost, type SendGuard } from './send-limits.service';
export {
  checkWebhookAuth,
  type OnRefused,
  type RefusalReason,
  type RefusedRequest,
  type WebhookAuthCheck,
  type WebhookRefusal,
  webhookAuthConfigured,
  webhookAuthGate,
} from './webhook-auth.middleware';
