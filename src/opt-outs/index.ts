/** Opt-outs: numbers that asked not to be messaged. The entry other features use. */

export { optOutCodeHook } from './opt-out-codes';
export { type OptOutRules, optOutRules } from './opt-out-settings';
export { findOptedOut } from './opt-outs.repository';
export { applyInboundKeyword } from './opt-outs.service';
