// The page the service worker answers every navigation with while the server's code is refused:
// static HTML, no script at all, so nothing the server sent runs and no passphrase field exists.
import { SECURITY_HEADERS } from '../../relay/security-headers.js';
import { REFUSAL_TITLE } from './messages.js';

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Inline style only: the stylesheet is app code too, and none is served while refused. */
const STYLE = 'body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#222}' +
  'h1{font-size:1.4rem;color:#a11}code{word-break:break-all}';

export function refusalPage(reason: string): Response {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>Sotto: code refused</title>` +
    `<style>${STYLE}</style></head><body><main>` +
    `<h1 role="alert">${escape(REFUSAL_TITLE)}</h1>` +
    `<p>Sotto checks every file of the app against a list signed by its release key before running it. ` +
    `The files this server sent now do not match, so Sotto did not run them.</p>` +
    `<p>Your keystore and messages stay encrypted on this device; nothing was unlocked.</p>` +
    `<p>Tell whoever runs this server. If they published a new release, the release page names its manifest hash; ` +
    `a server that sends unsigned or altered code may be compromised.</p>` +
    `<p>Reason: <code>${escape(reason)}</code></p>` +
    `<p>Sotto checks again each time you open this page; once the server sends signed code, the app comes back.</p>` +
    `</main></body></html>`;
  return new Response(html, {
    status: 200,
    headers: {
      ...SECURITY_HEADERS,
      // Stricter than the app's: no script at all, the one inline style block.
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
    },
  });
}
