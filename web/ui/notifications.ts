// Desktop notifications for new messages (issue 16, item 5). Permission is asked only when the
// person presses "Turn on desktop notifications" in Settings, never on load. A notification says
// only "New message in Book club" (or "New mention in …") unless "Show message content in
// notifications" is on: a locked screen or a shared desk then shows no sender and no text. Nothing
// shows for the room on screen while the page is visible. Settings live in localStorage (no secret).
import type { RoomView } from '../worker/rpc.js';

const ENABLED_KEY = 'sotto.notifications';
const CONTENT_KEY = 'sotto.notifications.content';
/** Longest text a notification shows when content is on. */
const BODY_CHARS = 120;

function stored(key: string): boolean {
  return globalThis.localStorage?.getItem(key) === 'on';
}

export function notificationsSupported(): boolean {
  return typeof Notification !== 'undefined';
}

export function notificationsEnabled(): boolean {
  return stored(ENABLED_KEY) && notificationsSupported() && Notification.permission === 'granted';
}

export function contentShown(): boolean {
  return stored(CONTENT_KEY);
}

export function setContentShown(on: boolean): void {
  localStorage.setItem(CONTENT_KEY, on ? 'on' : 'off');
}

/** Asks for permission (call from a click); resolves with whether notifications are now on. */
export async function enableNotifications(): Promise<boolean> {
  if (!notificationsSupported()) return false;
  const permission = Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
  localStorage.setItem(ENABLED_KEY, permission === 'granted' ? 'on' : 'off');
  return permission === 'granted';
}

export function disableNotifications(): void {
  localStorage.setItem(ENABLED_KEY, 'off');
}

/** What a notification for `room` says, by the content setting. */
export function notificationText(room: RoomView, mention: boolean, showContent: boolean): { title: string; body: string | undefined } {
  const name = room.name || 'a room';
  const last = room.lastMessage;
  if (!showContent || last === undefined) return { title: `New ${mention ? 'mention' : 'message'} in ${name}`, body: undefined };
  const text = last.text.length > BODY_CHARS ? `${last.text.slice(0, BODY_CHARS - 1)}…` : last.text;
  return { title: name, body: `${last.senderName}: ${text}` };
}

/** Watches the room list for unread counts that grew and notifies for them. */
export class Notifier {
  readonly #seen = new Map<string, number>();
  readonly #open: (roomId: string) => void;

  constructor(open: (roomId: string) => void) {
    this.#open = open;
  }

  observe(rooms: readonly RoomView[], current: string | undefined): void {
    for (const room of rooms) {
      const before = this.#seen.get(room.id);
      this.#seen.set(room.id, room.unread);
      if (before === undefined || room.unread <= before || !notificationsEnabled()) continue;
      if (room.id === current && document.visibilityState === 'visible') continue;
      const { title, body } = notificationText(room, room.mentions > 0, contentShown());
      const note = new Notification(title, { tag: room.id, ...(body === undefined ? {} : { body }) });
      note.addEventListener('click', () => {
        window.focus();
        this.#open(room.id);
        note.close();
      });
    }
  }
}
