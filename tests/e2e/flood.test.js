// What keeps a peer from drowning honest pages (ui/js/flood.js, used by the
// chat, the call's app messages and each data channel): the token bucket's
// pace, and the names peers give themselves made fit to show. Plain Node:
// the module has no DOM.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Bucket, MAX_NAME, cleanName } from '../../ui/js/flood.js';
import { Chat } from '../../ui/js/call/chat.js';

describe('a peer\'s pace (Bucket)', () => {
  it('lets a burst through at once, then the rate, and refills while idle', () => {
    const b = new Bucket(5, 20);
    let passed = 0;
    for (let i = 0; i < 100; i++) passed += Number(b.take(1000));
    assert.equal(passed, 20, 'the burst, all at one instant');
    // One second later: five more, not more.
    passed = 0;
    for (let i = 0; i < 100; i++) passed += Number(b.take(2000));
    assert.equal(passed, 5);
    // Idle for a long time: full again, never more than the burst.
    passed = 0;
    for (let i = 0; i < 100; i++) passed += Number(b.take(60_000));
    assert.equal(passed, 20);
  });

  it('lets a steady sender under the rate through entirely', () => {
    const b = new Bucket(5, 20);
    for (let t = 0; t < 60_000; t += 250) assert.ok(b.take(t), `a message every 250 ms at ${t} ms`);
  });
});

describe('a name a peer gives itself (cleanName)', () => {
  it('removes control, bidi and invisible characters and collapses spaces', () => {
    assert.equal(cleanName('\u202eAnn\u202c'), 'Ann');
    assert.equal(cleanName('A\u0000n\u0007n\u200b\u2066'), 'Ann');
    assert.equal(cleanName('  Ann \n\t Lee  '), 'Ann Lee');
    assert.equal(cleanName('\u061cX\ufeff'), 'X');
  });

  it('keeps names people have, in any script', () => {
    for (const name of ['Ann', 'Bảo', '陈静', 'محمد', 'Zoë O\'Brien', '👩🏽‍💻 Dev']) {
      // (The emoji's joiner is U+200D, an invisible one: removed, leaving its parts.)
      assert.equal(cleanName(name), name.replace(/\u200d/g, ''), name);
    }
  });

  it('cuts to MAX_NAME characters, never inside a surrogate pair', () => {
    const cut = cleanName('😀'.repeat(100));
    assert.equal(Array.from(cut).length, MAX_NAME);
    assert.ok(cut.isWellFormed(), 'no lone surrogate');
    assert.equal(Array.from(cleanName('x'.repeat(10_000))).length, MAX_NAME);
  });

  it('is empty for a name of nothing but invisible characters', () => {
    assert.equal(cleanName('\u202e\u200b \u0000'), '');
  });
});

describe('the chat against a flood (Chat)', () => {
  const from = { id: 'p1', name: 'Mal' };

  it('shows a burst, then says flood; repeats and malformed messages are dropped', () => {
    const chat = new Chat();
    const results = Array.from({ length: 100 }, (_, i) => chat.receive(from, { t: 'chat', id: `m${i}`, text: `hi ${i}` }));
    const shown = results.filter((r) => r && r !== 'flood');
    assert.ok(shown.length >= 20 && shown.length < 25, `about a burst shown: ${shown.length}`);
    assert.ok(results.slice(30).every((r) => r === 'flood'), 'the rest: flood');
    assert.equal(chat.receive({ id: 'p2', name: 'Ann' }, { t: 'chat', id: 'm0', text: 'again' }), null, 'a repeat id');
    assert.equal(chat.receive({ id: 'p2', name: 'Ann' }, { t: 'chat', id: 'x'.repeat(65), text: 'long id' }), null);
    assert.equal(chat.receive({ id: 'p2', name: 'Ann' }, { t: 'chat', id: 'n1', text: 5 }), null);
  });

  it('cuts a long message and says it did', () => {
    const chat = new Chat();
    const m = chat.receive(from, { t: 'chat', id: 'big', text: 'A'.repeat(1 << 20) });
    assert.ok(m && m !== 'flood');
    assert.equal(m.text.length, 4000);
    assert.equal(m.cut, true);
  });
});
