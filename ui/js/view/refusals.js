// The cards for a join that did not (or no longer) let us in: a passcode
// to give, a full room or host, the waiting room and what a host decided
// there (not let in, removed), a locked call. Each has a way out.
import { h } from './dom.js';

/**
 * @typedef {import('../i18n.js').I18n} I18n
 * @typedef {import('./gate.js').GateState} GateState
 * @typedef {import('./gate.js').GateAction} GateAction
 */

/** Codes after which only going back makes sense: a host decided. */
const HOST_DECIDED = new Set(['denied', 'removed', 'room_locked']);

/**
 * The card for a refused join (`code` from the host's error, or what a host did).
 * @param {I18n} i18n
 * @param {{ code: string, message: string, room: string }} refusal
 * @param {{ leave: () => void, retry: (passcode?: string) => void, back: GateAction }} act
 * @returns {GateState}
 */
export function refusedGate(i18n, { code, message, room }, act) {
  const t = i18n.t.bind(i18n);
  const toLobby = { label: t('gate.backToLobby'), kind: /** @type {const} */ ('primary'), run: act.leave, id: 'back-to-lobby' };
  if (code === 'passcode_required' || code === 'wrong_passcode' || code === 'too_many_attempts') {
    // The server says how long until it tests a passcode from here again.
    const wait = /\(in (\d+) s\)/.exec(message)?.[1] ?? '30';
    const input = h('input', { type: 'password', id: 'gate-passcode', autocomplete: 'off', 'aria-label': t('lobby.passcode') });
    const retry = () => act.retry(input.value);
    input.addEventListener('keydown', (e) => { if (e.key === 'Enter') retry(); });
    return {
      tone: 'warn', icon: 'lock', title: t(`rejected.${code}.title`), text: t(`rejected.${code}.text`, { room, wait }),
      extra: h('div', { class: 'field' }, h('label', { for: 'gate-passcode', text: t('lobby.passcode') }), input),
      actions: [{ label: t('lobby.join'), kind: 'primary', run: retry }, act.back],
    };
  }
  if (HOST_DECIDED.has(code)) {
    return {
      tone: code === 'removed' ? 'warn' : 'info', icon: code === 'room_locked' ? 'lock' : 'door',
      title: t(`rejected.${code}.title`), text: t(`rejected.${code}.text`, { room }), actions: [toLobby],
    };
  }
  const known = code === 'room_full' || code === 'server_full' || code === 'waiting_full';
  return {
    tone: 'error', icon: known ? 'users' : 'alert',
    title: known ? t(`rejected.${code}.title`) : t('rejected.other.title'),
    text: known ? t(`rejected.${code}.text`, { room }) : message,
    actions: [toLobby, { label: t('gate.retry'), kind: 'ghost', run: () => act.retry() }],
  };
}

/**
 * The knocker's card while a host decides.
 * @param {I18n} i18n
 * @param {{ room: string, hosts: number, leave: () => void }} o
 * @returns {GateState}
 */
export function waitingGate(i18n, { room, hosts, leave }) {
  const t = i18n.t.bind(i18n);
  return {
    tone: 'info', icon: 'door', title: t('knocker.title'),
    text: t(hosts > 0 ? 'knocker.text' : 'knocker.noHost', { room }),
    extra: h('div', { class: 'waiting-dots', 'aria-hidden': 'true' }, h('span'), h('span'), h('span')),
    actions: [{ label: t('knocker.leave'), kind: 'ghost', run: leave, id: 'waiting-leave' }],
  };
}
