// The app shell: top bar with the connection status, the room list, and one view at a time in
// <main>, chosen by the hash router.
import { offerInvite } from '../worker/handoff.js';
import type { ConnectionState, KeystoreState, RoomView, ViewEvent } from '../worker/rpc.js';
import { warningBanner } from './banner.js';
import { h, replaceChildren } from './dom.js';
import { joinView } from './join.js';
import { linkExistingView } from './link-existing.js';
import { linkNewView } from './link-new.js';
import { roomList, type RoomList } from './rooms.js';
import { roomView } from './room.js';
import { IdleLock } from './idle-lock.js';
import { Notifier } from './notifications.js';
import { setUnreadCount } from './page-title.js';
import { hashOf, navigate, parseHash, takeInvitePayload, type Route } from './router.js';
import { settingsView } from './settings.js';
import { statusBadge } from './status.js';
import { unlockView } from './unlock.js';
import type { Ctx, View } from './view.js';
import type { WorkerClient } from './worker-client.js';

export class App {
  readonly #rpc: WorkerClient;
  readonly #root: HTMLElement;
  readonly #status = statusBadge(() => {
    this.#rpc.call('reconnect', {}).catch(() => undefined);
  });
  readonly #banner = warningBanner();
  readonly #announcer = h('div', { class: 'sr-only', 'aria-live': 'polite' });
  /** Always on screen in a session without saving: closing or reloading the tab ends it. */
  readonly #memoryBadge = h('span', {
    class: 'badge memory-only', hidden: true,
    title: 'Keys are in this tab’s memory only: closing or reloading it ends the session and its rooms for good.',
  }, 'Memory only', h('span', { class: 'memory-more' }, ' — closing this tab erases everything'));
  readonly #idleLock = new IdleLock(() => void this.#lock());
  readonly #notifier = new Notifier((roomId) => this.#ctx.go({ name: 'room', roomId }));
  readonly #main = h('main', { id: 'main', class: 'main', tabindex: '-1' });
  readonly #layout = h('div', { class: 'layout' });
  #list: RoomList | undefined;
  #view: View | undefined;
  #keystore: KeystoreState = 'locked';
  #rooms: RoomView[] = [];
  /** An invite payload taken from the address bar, held until it is used. */
  #invite: string | undefined;
  /** A device link opened here (`#/link/<payload>`), taken from the address bar likewise. */
  #deviceLink: string | undefined;
  readonly #ctx: Ctx;
  #settingsLink: HTMLElement | undefined;
  #connection: { state: ConnectionState; detail: string | undefined } = { state: 'connecting', detail: undefined };

  constructor(rpc: WorkerClient, root: HTMLElement) {
    this.#rpc = rpc;
    this.#root = root;
    this.#ctx = {
      rpc,
      go: (route, replace) => navigate(route, replace),
      announce: (text) => {
        this.#announcer.textContent = '';
        setTimeout(() => {
          this.#announcer.textContent = text;
        }, 50);
      },
      keystore: () => this.#keystore,
      connection: () => this.#connection.state,
      rooms: () => this.#rooms,
      refreshRooms: () => this.#refreshRooms(),
      lock: () => this.#lock(),
      restartIdleLock: () => {
        if (this.#keystore === 'unlocked') this.#idleLock.start();
      },
    };
  }

  async start(): Promise<void> {
    // Read the invite token first thing and take it out of the address bar and history.
    this.#invite = takeInvitePayload();
    this.#takeDeviceLink();
    const settingsLink = h('a', { href: '#/settings', class: 'settings-link', hidden: true }, 'Settings');
    this.#settingsLink = settingsLink;
    const top = h('header', { class: 'topbar' },
      h('a', { href: '#/', class: 'brand' }, h('img', { src: '/icon.svg', alt: '', width: '28', height: '28' }), 'Sotto'),
      this.#memoryBadge,
      this.#status.element,
      settingsLink,
    );
    replaceChildren(this.#root,
      h('a', { href: '#main', class: 'skip' }, 'Skip to content'),
      top, this.#banner.element, this.#layout, this.#announcer);
    replaceChildren(this.#layout, this.#main);
    this.#rpc.onEvent((event) => this.#onEvent(event));
    window.addEventListener('hashchange', () => {
      const route = parseHash(location.hash);
      if (route.name === 'join' && route.payload !== undefined) this.#invite = takeInvitePayload();
      this.#takeDeviceLink();
      this.#render();
    });
    // Another tab already runs on the keystore, so this one could not unlock: the link goes there.
    if (this.#invite !== undefined && await offerInvite(this.#invite)) {
      this.#invite = undefined;
      this.#show(handedOffView(), false, parseHash(location.hash));
      return;
    }
    const init = await this.#rpc.call('init', {});
    this.#keystore = init.keystore;
    this.#root.setAttribute('data-suite', init.suite);
    this.#render();
  }

  /** A device link in the address bar goes out of it and its history (as an invite does), kept for the link page. */
  #takeDeviceLink(): void {
    const route = parseHash(location.hash);
    if (route.name !== 'link-device' || route.payload === undefined) return;
    history.replaceState(null, '', `${location.pathname}${location.search}#/link-device`);
    this.#deviceLink = route.payload;
  }

  #unlocked(): boolean {
    return this.#keystore === 'unlocked' || this.#keystore === 'ephemeral';
  }

  async #refreshRooms(): Promise<void> {
    if (!this.#unlocked()) return;
    this.#rooms = await this.#rpc.call('rooms', {});
    const route = parseHash(location.hash);
    this.#list?.update(this.#rooms, route.name === 'room' ? route.roomId : undefined);
    setUnreadCount(this.#rooms.reduce((n, r) => n + r.unread, 0));
    this.#notifier.observe(this.#rooms, route.name === 'room' ? route.roomId : undefined);
  }

  #onEvent(event: ViewEvent): void {
    switch (event.type) {
      case 'status':
        // Kept even while the page still thinks it is locked: the worker may be online first.
        this.#connection = { state: event.state, detail: event.detail };
        if (this.#unlocked()) this.#status.setConnection(event.state, event.detail);
        break;
      case 'rooms':
        this.#refreshRooms().then(() => this.#view?.onEvent?.(event), (error: unknown) => console.error(error));
        return;
      case 'warning':
        if (event.warning.roomId === undefined) this.#banner.add(event.warning);
        break;
      case 'invite':
        this.#takeHandedInvite(event.payload);
        return;
      case 'fatal':
        replaceChildren(this.#main, h('section', { class: 'card' }, h('h1', {}, 'Sotto stopped'), h('p', { role: 'alert', class: 'error' }, event.text)));
        return;
      default:
        break;
    }
    this.#view?.onEvent?.(event);
  }

  /** A link another tab handed over: open our join page with it (after unlocking, if need be). */
  #takeHandedInvite(payload: string): void {
    const route = parseHash(`#/join/${payload}`);
    if (route.name !== 'join' || route.payload === undefined) return;
    this.#invite = route.payload;
    if (this.#unlocked()) navigate({ name: 'join', payload: undefined });
    this.#ctx.announce('An invite link opened in another tab is shown here.');
  }

  #show(view: View, withList: boolean, route: Route): void {
    this.#view?.dispose?.();
    this.#view = view;
    if (withList && this.#list === undefined) {
      this.#list = roomList(this.#ctx);
      this.#layout.insertBefore(this.#list.element, this.#main);
    }
    if (!withList && this.#list !== undefined) {
      this.#list.element.remove();
      this.#list = undefined;
    }
    this.#layout.setAttribute('data-route', withList ? route.name : 'page');
    this.#list?.update(this.#rooms, route.name === 'room' ? route.roomId : undefined);
    replaceChildren(this.#main, view.element);
    (view.focus ?? this.#main).focus({ preventScroll: false });
  }

  #render(): void {
    const route = parseHash(location.hash);
    if (this.#settingsLink !== undefined) this.#settingsLink.hidden = !this.#unlocked();
    if (!this.#unlocked()) {
      this.#status.setLocked(this.#keystore);
      this.#show(unlockView(this.#ctx, () => this.#afterUnlock()), false, route);
      return;
    }
    if (this.#invite !== undefined && !(route.name === 'join')) {
      navigate({ name: 'join', payload: undefined }, true);
      return;
    }
    switch (route.name) {
      case 'join':
        this.#show(joinView(this.#ctx, this.#invite, () => {
          this.#invite = undefined;
        }), false, route);
        return;
      case 'room':
        this.#show(roomView(this.#ctx, route.roomId), true, route);
        return;
      case 'settings':
        this.#show(settingsView(this.#ctx), false, route);
        return;
      case 'link':
        this.#show(linkNewView(this.#ctx), false, route);
        return;
      case 'link-device':
        this.#show(linkExistingView(this.#ctx, this.#deviceLink), false, route);
        this.#deviceLink = undefined;
        return;
      case 'home':
        this.#show(homeView(this.#rooms.length), true, route);
        return;
    }
  }

  /** Locks now (the button, or auto-lock): the worker's last save lands, then every key is dropped. */
  async #lock(): Promise<void> {
    if (this.#keystore !== 'unlocked') return;
    this.#idleLock.stop();
    try {
      await this.#rpc.call('lock', {});
    } catch (error) {
      this.#ctx.announce(`Could not lock: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    this.#keystore = 'locked';
    this.#rooms = [];
    this.#list?.element.remove();
    this.#list = undefined;
    this.#render();
    this.#ctx.announce('Locked.');
  }

  #afterUnlock(): void {
    this.#rpc.call('init', {}).then(async (init) => {
      this.#keystore = init.keystore;
      if (init.keystore === 'unlocked') this.#idleLock.start();
      if (init.keystore === 'ephemeral') this.#memoryOnly();
      this.#status.setConnection(this.#connection.state, this.#connection.detail);
      await this.#refreshRooms();
      const route = parseHash(location.hash);
      if (this.#invite !== undefined) navigate({ name: 'join', payload: undefined }, true);
      else if (location.hash !== hashOf(route)) navigate(route, true);
      else this.#render();
    }).catch((error: unknown) => console.error(error));
  }

  /** The badge stays, and the browser asks before a reload or close would end the session. */
  #memoryOnly(): void {
    this.#memoryBadge.hidden = false;
    window.addEventListener('beforeunload', (event) => {
      event.preventDefault();
      // Older browsers show the dialog only when returnValue is set.
      event.returnValue = '';
    });
  }
}

function handedOffView(): View {
  const title = h('h1', { id: 'handed-title', tabindex: '-1' }, 'Opened in your other Sotto tab');
  const element = h('section', { class: 'card', 'aria-labelledby': 'handed-title' },
    title,
    h('p', {}, 'Sotto is already open in another tab of this browser, so the invite link went there: switch to that tab to join. You can close this one.'),
  );
  return { element, focus: title };
}

function homeView(roomCount: number): View {
  const element = h('section', { class: 'home', 'aria-labelledby': 'home-title' },
    h('h1', { id: 'home-title' }, roomCount > 0 ? 'Pick a room' : 'No rooms yet'),
    h('p', {}, roomCount > 0
      ? 'Choose a room from the list, or start a new one.'
      : 'Create a room with “New room”, then invite people with a link. Everything is encrypted on this device before it leaves.'),
  );
  return { element };
}
