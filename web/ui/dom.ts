// The only way the UI builds DOM: createElement, createTextNode/textContent for every piece of
// text, and setAttribute for attribute names fixed in this source. No HTML strings anywhere, so a
// message or a name can never become markup.

type Child = Node | string | undefined | null | false;

/** Attribute names are literal keys written in our code; values are set as plain strings. */
export type Attrs = Readonly<Record<string, string | number | boolean | undefined>>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  setAttrs(element, attrs);
  append(element, ...children);
  return element;
}

export function setAttrs(element: Element, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (name.startsWith('on')) throw new Error(`event handler attributes are not allowed: ${name}`);
    if (value === undefined || value === false) element.removeAttribute(name);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

export function clear(element: Element): void {
  while (element.firstChild !== null) element.removeChild(element.firstChild);
}

export function replaceChildren(element: Element, ...children: Child[]): void {
  clear(element);
  append(element, ...children);
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  setAttrs(element, attrs);
  append(element, ...children);
  return element;
}

let idCounter = 0;
/** A unique id for label/aria wiring. */
export function uid(prefix: string): string {
  idCounter++;
  return `${prefix}-${idCounter}`;
}

/** A labelled input: returns the wrapper and the input. */
export function field(
  label: string,
  input: HTMLInputElement | HTMLTextAreaElement,
  hint?: string,
): HTMLElement {
  const id = input.id || uid('field');
  input.id = id;
  const parts: Child[] = [h('label', { for: id }, label), input];
  if (hint !== undefined) {
    const hintId = uid('hint');
    input.setAttribute('aria-describedby', hintId);
    parts.push(h('p', { id: hintId, class: 'hint' }, hint));
  }
  return h('div', { class: 'field' }, ...parts);
}

// Made once: toLocaleTimeString with options builds a new formatter per call, which was a sixth
// of the page's time rendering a 10,000-message history.
const TIME_OF_DAY = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const DAY_AND_TIME = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

export function formatTime(ms: number): string {
  const date = new Date(ms);
  const sameDay = date.toDateString() === new Date().toDateString();
  return (sameDay ? TIME_OF_DAY : DAY_AND_TIME).format(date);
}
