// Settings → Notifications: the one place that asks the browser for permission (on the button's
// click), and the switch that lets notifications show who wrote what (off by default).
import { h } from './dom.js';
import { contentShown, disableNotifications, enableNotifications, notificationsEnabled, notificationsSupported, setContentShown } from './notifications.js';

export function notificationSettings(): HTMLElement[] {
  const state = h('p', { class: 'hint', 'aria-live': 'polite' });
  const toggle = h('button', { type: 'button', class: 'secondary' });
  const content = h('input', { type: 'checkbox', id: 'notification-content' });
  content.checked = contentShown();
  const render = (): void => {
    const on = notificationsEnabled();
    toggle.textContent = on ? 'Turn off desktop notifications' : 'Turn on desktop notifications';
    toggle.disabled = !notificationsSupported();
    state.textContent = !notificationsSupported() ? 'This browser cannot show notifications.'
      : on ? 'On: you are told of new messages in rooms you are not looking at.'
        : typeof Notification !== 'undefined' && Notification.permission === 'denied' ? 'Off: this browser blocks notifications for Sotto; allow them in its site settings.'
          : 'Off.';
  };
  toggle.addEventListener('click', () => {
    if (notificationsEnabled()) {
      disableNotifications();
      render();
      return;
    }
    void enableNotifications().then(render);
  });
  content.addEventListener('change', () => setContentShown(content.checked));
  render();
  return [
    h('h2', {}, 'Notifications'),
    toggle,
    state,
    h('div', { class: 'field checkbox' }, content,
      h('label', { for: 'notification-content' }, 'Show message content in notifications'),
      h('p', { class: 'hint' }, 'Off: a notification says only “New message in Book club”, so nothing readable shows on a locked or shared screen.')),
  ];
}
