// The page title: the screen's own title, led by the unread count across rooms ("(3) Book club ·
// Sotto"), as chat apps do, so a background tab says there is something new.
let base = 'Sotto';
let unread = 0;

function apply(): void {
  document.title = unread > 0 ? `(${unread}) ${base}` : base;
}

/** The open screen's title ("Book club · Sotto"); 'Sotto' when it has none of its own. */
export function setTitleBase(title: string): void {
  base = title;
  apply();
}

export function setUnreadCount(count: number): void {
  unread = count;
  apply();
}
