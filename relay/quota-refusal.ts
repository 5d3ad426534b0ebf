// What happens when a quota is reached: counted in /metrics by the quota's name and logged by that
// name alone — never the address, room, token or content behind it (docs/operations.md "Quotas").
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';

export type QuotaName = 'room-creation' | 'room-token' | 'room-bytes' | 'message-size' | 'rooms-per-connection' | 'sync-bytes';

/**
 * Counts a refusal (or, for sync-bytes, an answer held back). Pacing a large catch-up is routine,
 * so it is logged at debug only; a refusal is something an operator may want to see.
 */
export function quotaReached(ctx: { readonly metrics: Metrics; readonly log: Logger }, quota: QuotaName): void {
  ctx.metrics.quotaReached(quota);
  if (quota === 'sync-bytes') ctx.log.debug('quota reached', { quota });
  else ctx.log.info('quota reached', { quota });
}
