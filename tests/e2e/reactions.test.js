// Reactions: the rules of reactions.js on their own, then a call of two
// Chromium pages, a hostile one and the Linux app through a real `lancall
// serve`. Ann picks 👍 from the call bar: it floats over her tile on every
// screen, hers and the app's included, and is gone a few seconds later.
// Mal, driving his data channels by hand, sends 50 reactions at once and
// some that aren't ours (text, markup): the others show at most the four
// of a burst over his tile, and nothing else.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './support/browser.js';
import { useServerAndBrowser } from './support/fixture.js';
import { joinCall, openClient, waitForRemoteVideo } from './support/call.js';
import { keepChannels, sendAll } from './support/hostile.js';
import { startApp, startXvfb, until } from './support/app.js';
import { BURST, RATE, ReactionPace, SHOWN_MS, reactionOf } from '../../ui/js/reactions.js';

/** @typedef {import('playwright-core').Page} Page */

describe('the rules of reactions (reactions.js)', () => {
  it('only our emoji are reactions', () => {
    for (const e of ['👍', '👏', '😂', '😮', '❤️', '🎉']) assert.equal(reactionOf({ t: 'react', e }), e);
    for (const e of ['❤', '<b>hi</b>', 'hello', '', 42, null, ['👍'], '👍👍']) assert.equal(reactionOf({ t: 'react', e }), null, JSON.stringify(e));
    assert.equal(reactionOf(null), null);
  });

  it('each person is held to a burst, then a steady pace, on their own', () => {
    const pace = new ReactionPace();
    const ann = {};
    const ben = {};
    let took = 0;
    for (let i = 0; i < 50; i++) if (pace.take(ann, 1000)) took += 1;
    assert.equal(took, BURST);
    assert.equal(pace.take(ben, 1000), true, "Ann's flood costs Ben nothing");
    assert.equal(pace.take(ann, 1000 + 1000 / RATE), true, 'one more after its interval');
    assert.equal(pace.take(ann, 1000 + 1000 / RATE), false);
  });
});

/**
 * The reactions floating over each tile: [peer, emoji]; in one evaluation,
 * as they may go between a query and a look.
 * @param {Page} page
 */
const floating = (page) => page.evaluate(() => [...document.querySelectorAll('.tile > .reaction')]
  .map((r) => [/** @type {HTMLElement} */ (r.parentElement).dataset.peer, r.textContent]));

describe('reactions in a call', () => {
  /** @type {Awaited<ReturnType<typeof startXvfb>>} */ let x;
  /** @type {Awaited<ReturnType<typeof startApp>>} */ let app;
  /** @type {Page} */ let ann;
  /** @type {Page} */ let ben;
  /** @type {Page} */ let mal;
  before(async () => { x = await startXvfb(); });
  // Registered before the fixture's: the app quits while its server is up.
  after(async () => {
    await app?.stop();
    await x?.stop();
  });
  const env = useServerAndBrowser();

  it('Ann, Ben, Mal and the app are in a call', async () => {
    ann = await openClient(env.browser, env.server, 'ann');
    ben = await openClient(env.browser, env.server, 'ben');
    mal = await openClient(env.browser, env.server, 'mal');
    await mal.addInitScript(keepChannels);
    for (const [page, name] of /** @type {const} */ ([[ann, 'Ann'], [ben, 'Ben'], [mal, 'Mal']])) await joinCall(page, env.server, { name, room: 'reactions' });
    process.env.LANCALL_TEST_SOURCE = '1';
    app = await startApp(['join', `${env.server.url}#room=reactions`, '--name', 'App'], x.display);
    await until(() => app.states().some((s) => s.phase === 'in-call' && s.peers === 3), 'the app in the call with all three', 60_000);
    for (const page of [ann, ben]) await waitForRemoteVideo(page, 3, { timeout: 60_000 });
    await waitFor(mal, () => /** @type {any} */ (window).__channels.filter((c) => c.label === 'lancall' && c.readyState === 'open').length === 3,
      { what: "Mal's three data channels open", timeout: 60_000 });
  });

  it('Ann picks 👍: it floats over her tile on every screen, then goes', async () => {
    await ann.click('button[data-action="react"]');
    assert.equal(await ann.getAttribute('button[data-action="react"]', 'aria-expanded'), 'true');
    await ann.getByRole('button', { name: 'Thumbs up' }).click();
    assert.deepEqual(await floating(ann), [['local', '👍']], 'Ann sees her own over her tile');
    const annId = await ben.evaluate(() => window.lancall.peers().find((p) => p.name === 'Ann')?.id);
    await waitFor(ben, (id) => [...document.querySelectorAll('.tile > .reaction')].some((r) => /** @type {HTMLElement} */ (r.parentElement).dataset.peer === id && r.textContent === '👍'),
      { what: "👍 over Ann's tile at Ben", arg: annId });
    const atApp = await until(() => app.states().at(-1)?.reactions?.find((/** @type {any} */ r) => r.emoji === '👍'), "👍 at the app", 15_000);
    assert.equal(atApp.peer, app.states().at(-1).ids[app.states().at(-1).names.indexOf('Ann')], "over Ann's tile in the app");
    await ann.keyboard.press('Escape');
    assert.equal(await ann.isHidden('#reactions'), true, 'Escape closes the row');
    await waitFor(ben, () => document.querySelectorAll('.tile > .reaction').length === 0, { what: 'the reaction gone', timeout: SHOWN_MS + 2000 });
  });

  it('Mal sends 50 at once and some that are not reactions: the others show at most a burst, and nothing else', async () => {
    const malId = await ben.evaluate(() => window.lancall.peers().find((p) => p.name === 'Mal')?.id);
    // Every reaction that appears, counted as it comes (a tile shows only
    // a few at once, so what floats at one moment can't tell).
    for (const page of [ann, ben]) {
      await page.evaluate(() => {
        const w = /** @type {any} */ (window);
        w.__reactions = [];
        new MutationObserver((records) => {
          for (const r of records) {
            for (const n of r.addedNodes) {
              if (n instanceof HTMLElement && n.classList.contains('reaction')) w.__reactions.push([n.parentElement?.dataset.peer, n.textContent]);
            }
          }
        }).observe(document.getElementById('grid') ?? document.body, { subtree: true, childList: true });
      });
    }
    await sendAll(mal, [
      JSON.stringify({ t: 'react', e: '<img src=x onerror="window.__pwned=1">' }),
      JSON.stringify({ t: 'react', e: 'HELLO EVERYONE' }),
      JSON.stringify({ t: 'react' }),
    ]);
    await sendAll(mal, { repeat: 50, make: JSON.stringify({ t: 'react', e: '🎉' }) });
    await waitFor(ben, (id) => /** @type {any} */ (window).__reactions.some((/** @type {string[]} */ r) => r[0] === id),
      { what: "Mal's reactions at Ben", arg: malId });
    await new Promise((r) => setTimeout(r, 1000));
    // The 50 come in over a moment, not at one instant: a burst, and what
    // the pace lets through while they come (a loaded machine stretches it).
    const most = BURST + 2 * RATE;
    for (const page of [ann, ben]) {
      const seen = /** @type {string[][]} */ (await page.evaluate(() => /** @type {any} */ (window).__reactions));
      assert.ok(seen.length <= most && seen.length > 0, `${seen.length} shown: ${JSON.stringify(seen)}`);
      assert.ok(seen.every(([peer, e]) => peer === malId && e === '🎉'), JSON.stringify(seen));
      assert.equal(await page.evaluate(() => /** @type {any} */ (window).__pwned), undefined);
    }
    const atApp = app.states().at(-1)?.reactions ?? [];
    assert.ok(atApp.length <= most && atApp.every((/** @type {any} */ r) => r.emoji === '🎉'), `the app shows ${JSON.stringify(atApp)}`);
    assert.equal(await ben.evaluate(() => window.lancall.phase()), 'in-call');
    for (const page of [ann, ben, mal]) await page.close();
  });
});
