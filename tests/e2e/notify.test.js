// The rules of desktop notifications (ui/js/notify.js) and of their
// settings (ui/js/settings.js), on their own: a call and an app made of
// emitters and records, the focus a switch. What the real app sends over
// D-Bus is app-desktop.test.js's.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Emitter } from '../../ui/js/emitter.js';
import { Notifier, firstLine } from '../../ui/js/notify.js';
import { NOTIFY_ALL, notifyKindsOf } from '../../ui/js/settings.js';

/**
 * A notifier on a call of emitters, in the app; `focused` and `kinds` are
 * the test's to change.
 */
function setUp() {
  const host = Object.assign(new Emitter(), { isHost: true, waitingRoom: true });
  const call = Object.assign(new Emitter(), { host });
  /** @type {{ title: string, body: string }[]} */
  const notes = [];
  const app = { attention: 0, notify: async (/** @type {string} */ title, /** @type {string} */ body) => { notes.push({ title, body }); return true; },
    requestAttention: async () => { app.attention += 1; } };
  const i18n = { t: (/** @type {string} */ key, /** @type {Record<string, unknown>} */ vars = {}) => `${key} ${JSON.stringify(vars)}` };
  const state = { focused: false, kinds: { ...NOTIFY_ALL } };
  const notifier = new Notifier({
    call: /** @type {any} */ (call), i18n: /** @type {any} */ (i18n), app: /** @type {any} */ (app),
    kinds: () => state.kinds, room: () => 'standup', focused: () => state.focused,
  });
  return { call, host, app, notes, state, notifier };
}

/** @param {string} text @param {boolean} [self] */
const chatOf = (text, self = false) => ({ id: 'm1', from: 'p2', name: 'Bao', text, ts: 0, self });

describe('desktop notifications (notify.js)', () => {
  it('in the background: a knock, a join, a chat line and a hand, each with its words', () => {
    const { call, host, app, notes, notifier } = setUp();
    host.emit('knock', { id: 'p2', name: 'Bao' });
    notifier.joined('Bao');
    call.emit('chat', chatOf('  hello there\nsecond line  '));
    call.emit('hand', { id: 'p2', name: 'Bao' });
    assert.deepEqual(notes, [
      { title: 'knock.notifyTitle {"name":"Bao"}', body: 'knock.notifyBody {"room":"standup"}' },
      { title: 'notify.joinedTitle {"name":"Bao"}', body: 'notify.inRoom {"room":"standup"}' },
      { title: 'notify.chatTitle {"name":"Bao"}', body: 'hello there' },
      { title: 'notify.handTitle {"name":"Bao"}', body: 'notify.inRoom {"room":"standup"}' },
    ]);
    assert.equal(app.attention, 1, 'a knock also asks for attention');
    assert.equal(notifier.shown, 4);
  });

  it('never while the window has the focus', () => {
    const { call, host, app, notes, state, notifier } = setUp();
    state.focused = true;
    host.emit('knock', { id: 'p2', name: 'Bao' });
    notifier.joined('Bao');
    call.emit('chat', chatOf('hi'));
    call.emit('hand', { id: 'p2', name: 'Bao' });
    assert.deepEqual(notes, []);
    assert.equal(app.attention, 0);
    // The hand not said while looking is said once the person looks away.
    state.focused = false;
    call.emit('hand', { id: 'p2', name: 'Bao' });
    assert.equal(notes.length, 1);
  });

  it('a kind switched off is not notified; the others are', () => {
    const { call, notes, state, notifier } = setUp();
    state.kinds = { ...NOTIFY_ALL, chat: false };
    call.emit('chat', chatOf('hi'));
    notifier.joined('Bao');
    assert.deepEqual(notes.map((n) => n.title), ['notify.joinedTitle {"name":"Bao"}']);
  });

  it('not our own chat, not an empty line; a hand only to a host, and once in a while', () => {
    const { call, host, notes } = setUp();
    call.emit('chat', chatOf('mine', true));
    call.emit('chat', chatOf('\n\n'));
    host.isHost = false;
    call.emit('hand', { id: 'p2', name: 'Bao' });
    assert.deepEqual(notes, []);
    host.isHost = true;
    call.emit('hand', { id: 'p2', name: 'Bao' });
    call.emit('hand', { id: 'p2', name: 'Bao' });
    call.emit('hand', { id: 'p3', name: '' });
    assert.deepEqual(notes.map((n) => n.title), ['notify.handTitle {"name":"Bao"}', 'notify.handTitle {"name":"tile.someone {}"}']);
  });

  it('a chat line is its first line, plain, cut to a glance', () => {
    assert.equal(firstLine('one\r\ntwo'), 'one');
    assert.equal(firstLine('<b>x</b>'), '<b>x</b>', 'text as typed: a notification shows no markup');
    const long = firstLine('a'.repeat(500));
    assert.equal(long.length, 200);
    assert.ok(long.endsWith('…'));
  });
});

describe('notification settings (settings.js)', () => {
  it('each kind is on unless the stored settings say false', () => {
    assert.deepEqual(notifyKindsOf(undefined), NOTIFY_ALL);
    assert.deepEqual(notifyKindsOf('junk'), NOTIFY_ALL);
    assert.deepEqual(notifyKindsOf({ chat: false, hand: 0 }), { ...NOTIFY_ALL, chat: false });
  });
});
