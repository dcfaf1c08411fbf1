/** Opt-outs: numbers that asked not to be messaged. The entry other features use. */
export { type OptOutRules, optOutRules } from './opt-out-settings';
export { findOptedOut } from './opt-outs.repository';
export { applyInboundKeyword, optOutCodeHook } from './opt-outs.service';
