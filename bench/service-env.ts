/**
 * Environment of the service under test. Every variable a developer's `.env` might set is given here,
 * blank when it must be off: dotenv never overrides a variable that exists, so auth and limits stay off.
 */
export function serviceEnv(opts: {
  port: number;
  databasePath: string;
  logLevel: string;
  sinchBaseUrl?: string;
}): Record<string, string> {
  return {
    PORT: String(opts.port),
    HOST: '127.0.0.1',
    DATABASE_URL: `sqlite:${opts.databasePath}`,
    LOG_LEVEL: opts.logLevel,
    SINCH_SERVICE_PLAN_ID: 'bench-plan',
    SINCH_API_TOKEN: 'bench-token',
    SINCH_NUMBER: '+15550000000',
    // Never a Sinch host: the ingest runs never call out, the send run talks to the local emulator.
    SINCH_API_BASE_URL: opts.sinchBaseUrl ?? 'http://127.0.0.1:9',
    SINCH_API_REGION: '',
    // No callbacks from the emulator during the send run: it measures sending alone.
    SINCH_DELIVERY_REPORT: 'none',
    PUBLIC_BASE_URL: '',
    RATE_LIMIT_SEND: '0',
    RATE_LIMIT_WEBHOOK: '0',
    MAX_SMS_PER_NUMBER_PER_HOUR: '0',
    MAX_SMS_PER_DAY: '0',
    ALLOWED_DESTINATION_PREFIXES: '',
    API_KEYS: '',
    SINCH_WEBHOOK_SECRET: '',
    WEBHOOK_BASIC_AUTH: '',
    NODE_ENV: '',
    TRUST_PROXY: '',
    // No events unless a variant sets them (the ingest run with a hanging endpoint does).
    EVENT_WEBHOOK_URLS: '',
    EVENT_WEBHOOK_SECRET: '',
    // FULL, as shipped, unless a variant asks for NORMAL (the durability comparison).
    SQLITE_SYNCHRONOUS: '',
  };
}
