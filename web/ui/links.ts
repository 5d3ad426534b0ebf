// Links in a message, made clickable safely: only http and https addresses become links, each
// opens in a new tab with rel="noopener noreferrer" (the page it opens gets no handle on Sotto and
// no Referer), shows its full address on hover and focus (title), and is never fetched or
// previewed. Everything else stays text, built with text nodes (dom.ts): no markup from a message.
import { h } from './dom.js';

/** A candidate address: a scheme and what follows up to white space or an angle bracket. */
const CANDIDATE = /\bhttps?:\/\/[^\s<>"]+/gi;
/** Closing punctuation that usually ends a sentence rather than the address. */
const TRAILING = /[.,;:!?)\]}'’”]+$/;

/** The address as a link target, or undefined when it is not a well-formed http(s) URL. */
export function safeHref(candidate: string): string | undefined {
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  return url.href;
}

/** The message text as nodes: text, with each http(s) address an <a>. */
export function linkified(text: string): Node[] {
  const out: Node[] = [];
  let at = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    const start = match.index ?? 0;
    const raw = match[0].replace(TRAILING, '');
    const href = safeHref(raw);
    if (href === undefined) continue;
    if (start > at) out.push(document.createTextNode(text.slice(at, start)));
    out.push(h('a', { href, target: '_blank', rel: 'noopener noreferrer', title: href, class: 'message-link' }, raw));
    at = start + raw.length;
  }
  if (at < text.length) out.push(document.createTextNode(text.slice(at)));
  return out;
}
