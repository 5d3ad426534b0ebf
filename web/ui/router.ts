// A small router on location.hash. Routes: `#/` (home), `#/room/<hex id>`, `#/join/<payload>`
// (the invite link; read once and cleared from the address bar and history), `#/join` (the join
// page after clearing), `#/settings`, `#/link` (this new device links to an existing one),
// `#/link-device` (this device links a new one) and `#/link/<payload>` (a device link opened here,
// e.g. its QR code scanned with a camera app: the link-device page with it filled in).

export type Route =
  | { readonly name: 'home' }
  | { readonly name: 'room'; readonly roomId: string }
  | { readonly name: 'join'; readonly payload: string | undefined }
  | { readonly name: 'settings' }
  | { readonly name: 'link' }
  | { readonly name: 'link-device'; readonly payload: string | undefined };

const ROOM_ID = /^[0-9a-f]{32}$/;
const PAYLOAD = /^[A-Za-z0-9_-]{1,512}$/;

export function parseHash(hash: string): Route {
  const path = hash.startsWith('#') ? hash.slice(1) : hash;
  const parts = path.split('/').filter((p) => p !== '');
  if (parts[0] === 'room' && parts.length === 2 && ROOM_ID.test(parts[1]!)) return { name: 'room', roomId: parts[1]! };
  if (parts[0] === 'join') {
    if (parts.length === 2 && PAYLOAD.test(parts[1]!)) return { name: 'join', payload: parts[1]! };
    return { name: 'join', payload: undefined };
  }
  if (parts[0] === 'settings' && parts.length === 1) return { name: 'settings' };
  if (parts[0] === 'link' && parts.length === 1) return { name: 'link' };
  if (parts[0] === 'link' && parts.length === 2 && PAYLOAD.test(parts[1]!)) return { name: 'link-device', payload: parts[1]! };
  if (parts[0] === 'link-device' && parts.length === 1) return { name: 'link-device', payload: undefined };
  return { name: 'home' };
}

export function hashOf(route: Route): string {
  switch (route.name) {
    case 'home':
      return '#/';
    case 'room':
      return `#/room/${route.roomId}`;
    case 'join':
      return '#/join';
    case 'settings':
      return '#/settings';
    case 'link':
      return '#/link';
    case 'link-device':
      return '#/link-device';
  }
}

/**
 * Takes an invite payload out of the address bar: the current history entry is rewritten to
 * `#/join` (replaceState leaves no entry with the token behind), and the payload is returned to
 * be held in memory only.
 */
export function takeInvitePayload(): string | undefined {
  const route = parseHash(location.hash);
  if (route.name !== 'join' || route.payload === undefined) return undefined;
  history.replaceState(null, '', `${location.pathname}${location.search}#/join`);
  return route.payload;
}

export function navigate(route: Route, replace = false): void {
  const hash = hashOf(route);
  if (location.hash === hash) {
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    return;
  }
  if (replace) {
    history.replaceState(null, '', `${location.pathname}${location.search}${hash}`);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    location.hash = hash;
  }
}
