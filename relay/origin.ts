// Which browser pages may open a WebSocket to the relay. A page on another site could otherwise
// use a visitor's browser (and address) to talk to the relay, so an upgrade that carries an Origin
// must come from the relay's own web origin: the configured --public-origin exactly, or else the
// host the request was addressed to (its Host header; nginx passes it on, docs/nginx.conf).
// Non-browser clients send no Origin and are not at issue: they can say anything they like anyway.

/** Whether an upgrade with these headers is from an allowed page. */
export function originAllowed(origin: string | undefined, host: string | undefined, publicOrigin: string | undefined): boolean {
  if (origin === undefined) return true;
  if (publicOrigin !== undefined) return origin === publicOrigin;
  if (host === undefined) return false;
  try {
    const page = new URL(origin);
    // The scheme is not compared: behind a TLS-terminating proxy the relay sees http for an https page.
    return (page.protocol === 'https:' || page.protocol === 'http:') && page.host === new URL(`http://${host}`).host;
  } catch {
    return false;
  }
}
