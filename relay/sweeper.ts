// Retention on a timer: expired invites, join requests nobody answered and (when the operator asks)
// messages past an age leave the store, and with them the attachments those messages carried, and
// uploads never finished. Counts are logged; nothing that says which room.
import type { RelayConfig } from './config.js';
import type { Logger } from './log.js';
import type { PruneCutoffs, Store } from './store/store.js';

const DAY_MS = 24 * 3600 * 1000;
/** A late joiner should hear INVITE_EXPIRED, not INVITE_NOT_FOUND, for a while after expiry. */
const EXPIRED_INVITE_GRACE_MS = DAY_MS;

type RetentionOptions = Pick<RelayConfig, 'maxHistoryAgeDays' | 'joinRequestTtlDays' | 'attachmentUploadMinutes'>;

export function pruneCutoffs(options: RetentionOptions, now: number): PruneCutoffs {
  return {
    invitesExpiredBefore: now - EXPIRED_INVITE_GRACE_MS,
    joinsCreatedBefore: now - options.joinRequestTtlDays * DAY_MS,
    messagesCreatedBefore: options.maxHistoryAgeDays === 0 ? undefined : now - options.maxHistoryAgeDays * DAY_MS,
    attachmentUploadMs: options.attachmentUploadMinutes * 60_000,
    now,
  };
}

/** Sweeps every `sweepIntervalSeconds`, one pass at a time; the stop function waits out a pass under way. */
export function startSweeper(
  store: Store,
  options: RetentionOptions & Pick<RelayConfig, 'sweepIntervalSeconds'>,
  log: Logger,
  now: () => number,
): () => Promise<void> {
  let pass: Promise<void> | undefined;
  const sweep = async (): Promise<void> => {
    try {
      const removed = await store.prune(pruneCutoffs(options, now()));
      if (removed.invites + removed.joins + removed.messages + removed.chunks > 0) log.info('swept', { ...removed });
    } catch (error) {
      log.error('sweep failed', { error: error instanceof Error ? error.name : typeof error });
    } finally {
      pass = undefined;
    }
  };
  const timer = setInterval(() => {
    pass ??= sweep();
  }, options.sweepIntervalSeconds * 1000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await pass;
  };
}
