// Hostile text renders as text: an XSS corpus sent as messages, display names and a room name runs
// no script and arrives character for character. CSP blocks inline script. The UI source has no
// HTML-string sinks at all.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  chromiumAvailable, createRoom, expectMessage, inviteLink, messageTexts, open, screenshot, send, submitJoin,
  useWithoutSaving, World, type Person,
} from './harness.js';
import { REPO_ROOT } from '../helpers/paths.js';

const FLAG = '__sottoXss';

export const XSS_CORPUS: readonly string[] = [
  `<script>window.${FLAG}=1</script>`,
  `<img src=x onerror="window.${FLAG}=2">`,
  `<a href="javascript:window.${FLAG}=3">click me</a>`,
  `<svg onload="window.${FLAG}=4"><circle r="5"/></svg>`,
  `"><script>window.${FLAG}=5</script>`,
  `'><img src=/ onerror=window.${FLAG}=6>`,
  `<iframe srcdoc="<script>parent.${FLAG}=7</script>"></iframe>`,
  `<details open ontoggle="window.${FLAG}=8">x</details>`,
  `<math><mtext><table><mglyph><style><img src=x onerror=window.${FLAG}=9></style></mglyph></table></mtext></math>`,
  `<style>*{display:none}</style>`,
  `{{constructor.constructor('window.${FLAG}=10')()}}`,
  `&lt;b&gt;entities stay &amp;lt;literal&amp;gt;&lt;/b&gt;`,
  `javascript:window.${FLAG}=11`,
  '\u202Etxt.exe\u202C right-to-left override',
  'zero\u200Bwidth\u200Djoiner\uFEFF and \u0000 nul',
  'combining: Z\u0351\u0337\u0334a\u0338\u0335l\u0334g\u0336o',
  '\uD83D\uDE00 emoji and \uD835\uDC00 astral',
  `<base href="https://evil.invalid/">`,
  `<meta http-equiv="refresh" content="0;url=javascript:window.${FLAG}=12">`,
  `<object data="javascript:window.${FLAG}=13"></object>`,
];

async function flag(person: Person): Promise<unknown> {
  return person.page.evaluate((name) => (window as unknown as Record<string, unknown>)[name], FLAG);
}

test('UI source never builds HTML from strings', () => {
  const sinks = /\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment|srcdoc|DOMParser)\b/;
  const dirs = [join(REPO_ROOT, 'web', 'ui'), join(REPO_ROOT, 'web', 'worker')];
  let files = 0;
  for (const dir of dirs) {
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.ts')) continue;
      files++;
      const source = readFileSync(join(dir, name), 'utf8');
      assert.not.ok(sinks.test(source), `${name} uses an HTML sink`);
      assert.not.ok(/\beval\(|new Function\(/.test(source), `${name} evaluates strings`);
    }
  }
  assert.ok(files >= 10);
});

if (chromiumAvailable()) {
  let world: World;
  let mallory: Person;
  let victim: Person;

  test.before(async () => {
    world = await World.start('security');
    mallory = await world.person('mallory');
    victim = await world.person('victim');
  });

  test.after(async () => {
    await world?.close();
  });

  test('the page is served with the strict headers', async () => {
    const response = await mallory.page.goto(`${world.baseUrl}/`);
    const headers = response!.headers();
    assert.ok(headers['content-security-policy']!.includes("script-src 'self'"));
    assert.ok(headers['content-security-policy']!.includes("frame-ancestors 'none'"));
    assert.is(headers['referrer-policy'], 'no-referrer');
    assert.is(headers['x-content-type-options'], 'nosniff');
  });

  test('an injected inline script is blocked by CSP and never runs', async () => {
    await open(mallory, world);
    const directive = await mallory.page.evaluate((name) => new Promise<string>((resolve) => {
      document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective), { once: true });
      const script = document.createElement('script');
      script.textContent = `window.${name} = 'inline';`;
      document.body.appendChild(script);
    }), FLAG);
    assert.ok(directive.startsWith('script-src'), directive);
    assert.is(await flag(mallory), undefined);
    // An inline event handler attribute is refused too.
    const handler = await mallory.page.evaluate((name) => new Promise<string>((resolve) => {
      document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective), { once: true });
      const img = document.createElement('img');
      img.setAttribute('onerror', `window.${name} = 'handler'`);
      img.src = 'data:,broken';
      document.body.appendChild(img);
    }), FLAG);
    assert.ok(handler.startsWith('script-src'), handler);
    assert.is(await flag(mallory), undefined);
  });

  test('an XSS corpus as room name, display names and messages renders as exact text', async () => {
    const hostileRoom = `<img src=x onerror="window.${FLAG}='room'">Room`;
    const hostileOwner = `<script>window.${FLAG}='owner'</script>`;
    const hostileJoiner = `<svg onload="window.${FLAG}='joiner'">`;
    await useWithoutSaving(mallory);
    await createRoom(mallory, hostileRoom, hostileOwner);
    const link = await inviteLink(mallory);
    await open(victim, world);
    await useWithoutSaving(victim);
    await victim.page.goto(link);
    await submitJoin(victim, hostileJoiner);
    await victim.page.getByRole('button', { name: 'Send' }).waitFor({ timeout: 30_000 });

    for (const text of XSS_CORPUS) await send(mallory, text);
    await send(victim, `<img src=x onerror="window.${FLAG}='reply'">`);
    const expected = XSS_CORPUS.map((t) => t.replace(/\u0000/g, '\uFFFD'));
    await expectMessage(victim, expected[expected.length - 1]!, 30_000);
    await expectMessage(mallory, `<img src=x onerror="window.${FLAG}='reply'">`);

    for (const person of [mallory, victim]) {
      const texts = await messageTexts(person);
      for (const [i, text] of XSS_CORPUS.entries()) {
        assert.ok(texts.includes(text) || texts.includes(expected[i]!), `${person.name} shows corpus entry ${i} as text`);
      }
      // Nothing from the corpus became an element but the links web/ui/links.ts makes of http(s)
      // addresses in the text (`<base href="https://evil.invalid/">` holds one): those only.
      const injected = await person.page.getByRole('log').locator('script, img, svg, iframe, a:not(.message-link), style, details, math, object, meta, base').count();
      assert.is(injected, 0, `${person.name}: elements injected into the log`);
      for (const link of await person.page.getByRole('log').locator('a.message-link').all()) {
        assert.match((await link.getAttribute('href'))!, /^https?:\/\//);
        assert.is(await link.getAttribute('rel'), 'noopener noreferrer');
      }
      assert.is(await person.page.locator('#room-title').textContent(), hostileRoom);
      assert.is(await flag(person), undefined);
      assert.is(await person.page.evaluate(() => document.querySelector('base')), null);
    }
    const senders = await victim.page.getByRole('log').locator('article .sender').allTextContents();
    assert.ok(senders.includes(hostileOwner), 'hostile owner name shown as text');
    const members = await mallory.page.getByRole('region', { name: 'Members' }).locator('.member-name').allTextContents();
    assert.ok(members.some((m) => m.startsWith(hostileJoiner)), 'hostile joiner name shown as text');
    await screenshot(victim.page, '20-xss-corpus');
    // Still the same page: no navigation happened (javascript: / meta refresh / base).
    assert.ok(victim.page.url().startsWith(world.baseUrl));
    assert.is(await flag(victim), undefined);
    assert.is(await flag(mallory), undefined);
  });
}

test.run();
