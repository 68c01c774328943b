// The verification words (ui/js/verify.js) with the Linux app, whose native
// engine passes the data channel's messages to the same page script: a
// Chromium page and two apps (`lancall join` under Xvfb) in one room, each
// pair showing the same words on both ends (native↔browser and
// native↔native); after an ICE restart, which makes the app's engine build
// a new webrtcbin with a certificate of its own (a new DTLS session), the
// exchange runs again and both ends agree on new words.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './support/browser.js';
import { useServerAndBrowser } from './support/fixture.js';
import { startApp, startXvfb, until } from './support/app.js';
import { keepChannels } from './support/hostile.js';

/** @typedef {Awaited<ReturnType<typeof startApp>>} App */

/**
 * The words `app` shows for the peer `id`, once verified (its state probe).
 * @param {App} app @param {string} id @param {(words: string) => boolean} [test]
 */
function appWords(app, id, test = () => true) {
  return until(() => {
    const s = app.states().at(-1);
    const i = s?.ids?.indexOf(id) ?? -1;
    const v = i >= 0 ? s?.sas?.[i] : null;
    return v?.state === 'verified' && test(v.words) ? v.words : '';
  }, `the app's verified words for ${id}`, 60_000);
}

describe('verification words with the Linux app', () => {
  /** @type {Awaited<ReturnType<typeof startXvfb>>} */ let x;
  /** @type {App[]} */ const apps = [];
  before(async () => { x = await startXvfb(); });
  // Registered before the fixture's: the apps quit while the server is up.
  after(async () => {
    for (const a of apps) await a.stop();
    await x?.stop();
  });
  const env = useServerAndBrowser();
  const room = `sas-app-${process.pid}`;
  /** @type {import('playwright-core').Page} */ let page;
  /** @type {string} */ let webId;
  /** @type {string[]} */ const appIds = [];

  it('a Chromium page and two apps meet, each pair with its data channel open', async () => {
    page = await env.browser.page(new URL(env.server.url).origin);
    await page.addInitScript(keepChannels);
    await page.goto(`${env.server.url}#room=${room}&name=Web&autojoin=1`);
    await waitFor(page, () => window.lancall?.phase() === 'in-call', { what: 'the page in the call' });
    webId = await page.evaluate(() => window.lancall.myId());
    process.env.LANCALL_TEST_SOURCE = '1';
    for (const name of ['App1', 'App2']) {
      const app = await startApp(['join', `${env.server.url}#room=${room}`, '--name', name], x.display);
      apps.push(app);
      await until(() => app.states().some((s) => s.phase === 'in-call' && s.me), `${name} in the call`, 60_000);
      appIds.push(/** @type {string} */ (app.states().find((s) => s.me)?.me));
    }
    await waitFor(page, () => window.lancall.peers().filter((p) => p.chat).length === 2,
      { what: "the page's data channels to both apps open", timeout: 60_000 });
  });

  it('the page and each app show the same words (native↔browser)', async () => {
    for (const [i, app] of apps.entries()) {
      const onPage = await waitFor(page, (id) => {
        const p = window.lancall.peers().find((q) => q.id === id);
        return p?.sasState === 'verified' ? p.sas : '';
      }, { what: `the page's words for App${i + 1}`, timeout: 60_000, arg: appIds[i] }).catch(async (e) => {
        const seen = await page.evaluate(() => window.lancall.peers().map((p) => `${p.name}: ${p.state} ${p.sasState} "${p.sas}"`));
        throw new Error(`${e.message}\npage: ${seen.join('; ')}\napp: ${JSON.stringify(app.states().at(-1)?.sas)}`);
      });
      const inApp = await appWords(app, webId);
      console.log(`Web↔App${i + 1}: "${onPage}" / "${inApp}"`);
      assert.equal(inApp, onPage);
      assert.equal(inApp.split(' ').length, 4);
    }
  });

  it('the two apps show the same words (native↔native)', async () => {
    const [a, b] = [await appWords(apps[0], appIds[1]), await appWords(apps[1], appIds[0])];
    console.log(`App1↔App2: "${a}" / "${b}"`);
    assert.equal(a, b);
  });

  it('after an ICE restart (a new webrtcbin, a new certificate) both ends verify again, with new words', async () => {
    /** @param {string} id */
    const pageWords = (id) => page.evaluate((i) => window.lancall.peers().find((p) => p.id === i)?.sas ?? '', id);
    const before = await Promise.all(appIds.map(pageWords));
    const restarted = await page.evaluate(() => {
      const pcs = /** @type {RTCPeerConnection[]} */ (/** @type {any} */ (window).__pcs).filter((pc) => pc.connectionState === 'connected');
      for (const pc of pcs) pc.restartIce();
      return pcs.length;
    });
    assert.equal(restarted, 2, 'the page restarts ICE with both apps');
    for (const [i, app] of apps.entries()) {
      const onPage = await waitFor(page, ([id, old]) => {
        const p = window.lancall.peers().find((q) => q.id === id);
        return p?.sasState === 'verified' && p.sas !== old ? p.sas : '';
      }, { what: `the page's new words for App${i + 1}`, timeout: 60_000, arg: [appIds[i], before[i]] });
      const inApp = await appWords(app, webId, (w) => w !== before[i]);
      console.log(`Web↔App${i + 1} after the ICE restart: "${onPage}" / "${inApp}" (before: "${before[i]}")`);
      assert.equal(inApp, onPage);
    }
  });
});
