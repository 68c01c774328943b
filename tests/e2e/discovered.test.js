// The list of hosts found on this network (ui/js/view/discovered.js), in
// the page the server serves: hosts come and go, each is one button, and a
// click hands that host to whoever mounted the list.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser } from './support/fixture.js';

const HOSTS = [
  { id: 'Studio._lancall._tcp.local.', name: 'Studio', url: 'https://10.0.0.5:8070/', port: 8070, version: 1, tls: true, room: null },
  { id: 'Desk._lancall._tcp.local.', name: 'Desk', url: 'http://10.0.0.7:8071/', port: 8071, version: 1, tls: false, room: 'standup' },
];

describe('the hosts-on-this-network list', () => {
  const env = useServerAndBrowser();

  it('lists hosts live and joins the one clicked', async () => {
    const page = await env.browser.page();
    await page.goto(env.server.url);
    await page.evaluate(async (hosts) => {
      const { DiscoveredHosts } = await import('/js/view/discovered.js');
      const { I18n, fetchCatalog } = await import('/js/i18n.js');
      const i18n = new I18n(fetchCatalog);
      await i18n.use('en');
      /** @type {any} */ (window).picked = [];
      const list = new DiscoveredHosts({ i18n, onPick: (h) => /** @type {any} */ (window).picked.push(h.id) });
      /** @type {any} */ (window).list = list;
      document.body.prepend(list.el);
      list.set([], { searching: true });
      /** @type {any} */ (window).searching = list.status.textContent;
      list.set(hosts);
    }, HOSTS);
    assert.equal(await page.evaluate(() => /** @type {any} */ (window).searching), 'Looking for calls on this network…');
    // Sorted by name; address, room and the HTTPS mark shown.
    const rows = await page.$$eval('.discovered-host', (els) => els.map((e) => e.textContent));
    assert.deepEqual(rows, ['Desk10.0.0.7:8071room standup', 'Studio10.0.0.5:8070']);
    assert.equal(await page.locator('.discovered-host[data-host^="Studio"] .discovered-tls').count(), 1);
    await page.getByRole('button', { name: 'Join Studio' }).click();
    assert.deepEqual(await page.evaluate(() => /** @type {any} */ (window).picked), ['Studio._lancall._tcp.local.']);
    // A host that stops hosting goes; with none left, the list says so.
    await page.evaluate(() => { const l = /** @type {any} */ (window).list; l.lost('Studio._lancall._tcp.local.'); l.lost('Desk._lancall._tcp.local.'); l.set([], { searching: false }); });
    assert.equal(await page.locator('.discovered-host').count(), 0);
    assert.equal(await page.textContent('.discovered-status'), 'No one on this network is hosting a call right now.');
    await page.close();
  });
});
