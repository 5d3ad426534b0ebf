// The README's screenshot, made the way a person sees Sotto: two people in Debian's Chromium, a
// room, an invite, a few messages, through a real relay. Run after a build:
//   node dist/test/browser/readme-screenshot.js docs/screenshot.png
// and look at the result before committing it.
import { resolve } from 'node:path';
import {
  chromiumAvailable, createRoom, expectMessage, inviteLink, open, send, submitJoin, useWithoutSaving, World,
} from './harness.js';

async function main(out: string): Promise<void> {
  if (!chromiumAvailable()) throw new Error('no Chromium');
  const world = await World.start('readme');
  try {
    const ada = await world.person('ada', { viewport: { width: 1000, height: 620 } });
    const ben = await world.person('ben', { viewport: { width: 1000, height: 620 } });
    await open(ada, world);
    await useWithoutSaving(ada);
    await createRoom(ada, 'Weekend hike', 'Ada');
    const link = await inviteLink(ada);
    await ada.page.keyboard.press('Escape');
    await open(ben, world);
    await useWithoutSaving(ben);
    await ben.page.goto(link.replace(/^https?:\/\/[^/]+/, world.baseUrl));
    await submitJoin(ben, 'Ben');
    await ben.page.getByRole('button', { name: 'Send' }).waitFor({ timeout: 30_000 });
    const lines: Array<[typeof ada, string]> = [
      [ada, 'Saturday still on? The forecast says sun until 4.'],
      [ben, 'Yes! Meet at the trailhead at 8?'],
      [ada, 'Perfect. I’ll bring the map and coffee.'],
      [ben, 'Only the two of us can read this, not even the server.'],
    ];
    for (const [who, text] of lines) {
      await send(who, text);
      await expectMessage(ada, text, 30_000);
    }
    await ada.page.locator('body').click({ position: { x: 5, y: 5 } });
    await ada.page.screenshot({ path: resolve(out) });
  } finally {
    await world.close();
  }
}

await main(process.argv[2] ?? 'docs/screenshot.png');
