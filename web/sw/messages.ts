// What the page and the service worker say to each other about the release the page runs.
import type { ReleaseChannel } from '../release/release-manifest.js';

/** The verified release a page runs, as the settings page shows it. */
export interface ReleaseView {
  readonly version: string;
  readonly channel: ReleaseChannel;
  readonly built: number;
  /** SHA-256 of the signed manifest, hex: what people compare with the published one. */
  readonly id: string;
}

export interface ReleaseStatus {
  readonly current: ReleaseView | undefined;
  /** A newer signed release is downloaded, verified and waiting for a reload. */
  readonly updateReady: boolean;
  /** Why the server's code was refused; the app must not run while this is set. */
  readonly refused: string | undefined;
  /** The channel of the key this service worker pins. */
  readonly pinned: ReleaseChannel;
}

/** Page → service worker. The answer comes on the MessagePort sent with the request. */
export type PageRequest =
  | { readonly type: 'sotto-release-status' }
  | { readonly type: 'sotto-release-check' }
  | { readonly type: 'sotto-release-activate' };

/** Service worker → every page it controls, when its view of the release changes. */
export interface ReleaseNotice {
  readonly type: 'sotto-release';
  readonly status: ReleaseStatus;
}

export function isPageRequest(value: unknown): value is PageRequest {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'sotto-release-status' || type === 'sotto-release-check' || type === 'sotto-release-activate';
}

export function isReleaseNotice(value: unknown): value is ReleaseNotice {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'sotto-release' &&
    typeof (value as { status?: unknown }).status === 'object';
}

/** The words of the refusal, on the service worker's page and in a running page alike. */
export const REFUSAL_TITLE = "This server sent code that isn't signed by the Sotto release key — do not enter your passphrase";
