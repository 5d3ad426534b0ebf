// A relay quota as a person meets it in the page (V-116, docs/operations.md "Quotas"): on a relay
// that creates rooms only with its operator's token, "New room" fails in words, the form then asks
// for the token, a wrong one is refused in words too, and the token `sotto-relay room-token`
// printed creates the room. Real Chromium, real relay, memory-only session. Checked against the
// code before the quotas: the room was created without any token.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';
import { chromiumAvailable, expectAccessible, open, useWithoutSaving, World, type Person } from './harness.js';

if (chromiumAvailable()) {
  let world: World;
  let alice: Person;
  let token = '';

  test.before(async () => {
    world = await World.start('quotas', {
      relay: { requireRoomToken: true },
      // What the operator runs first: the command prints the token to hand over.
      beforeStart: (dataDir) => {
        const issued = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'relay', 'main.js'), 'room-token', '--data-dir', dataDir], { encoding: 'utf8' });
        if (issued.status !== 0) throw new Error(`room-token failed: ${issued.stderr}`);
        token = issued.stdout.trim();
      },
    });
    alice = await world.person('alice');
  });

  test.after(async () => {
    await world?.close();
  });

  test('a relay that wants a room-creation token: the refusal is in words, the form asks for the token, the issued one creates the room', async () => {
    await open(alice, world);
    await useWithoutSaving(alice);
    const page = alice.page;
    await page.getByRole('button', { name: 'New room' }).click();
    const tokenField = page.getByLabel('Room-creation token');
    assert.is(await tokenField.isVisible(), false, 'no token asked for before the relay wants one');
    await page.getByLabel('Room name').fill('Book club');
    await page.getByRole('button', { name: 'Create' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Could not create the room' });
    await alert.filter({ hasText: 'creates rooms only with a room-creation token from its operator' }).waitFor();
    await tokenField.waitFor();
    await expectAccessible(page, 'room token asked');

    await tokenField.fill('not-the-operators-token');
    await page.getByRole('button', { name: 'Create' }).click();
    await alert.filter({ hasText: 'not valid on this server, or it has expired' }).waitFor();

    await tokenField.fill(token);
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/#\/room\/[0-9a-f]{32}$/);
    await page.getByRole('heading', { level: 2, name: 'Book club', exact: true }).waitFor();
  });
}

test.run();
