// The raised hands, in the order they went up, over the top centre of the
// stage: a numbered chip per person, with Lower on our own and, for a
// host, on everyone's. A host hears a soft two-note chime and sees a
// notice when a hand goes up, so it is noticed while they talk or look
// elsewhere.
import { byId, h, icon } from './dom.js';

/**
 * @typedef {import('../i18n.js').I18n} I18n
 * @typedef {import('../call/hands.js').RaisedHand} RaisedHand
 */

export class HandsView {
  /** @type {AudioContext | null} */
  #audio = null;
  /** Chimes played: the tests read it, people hear it. */
  chimes = 0;

  /** When each peer's raised hand was last said in a notice. @type {Map<string, number>} */
  #told = new Map();

  /**
   * Follows `call`: its peers, our own hand, and a host's lowering.
   * @param {object} o
   * @param {I18n} o.i18n
   * @param {import('../call.js').Call} o.call
   * @param {(text: string) => void} o.toast
   */
  constructor({ i18n, call, toast }) {
    this.i18n = i18n;
    this.call = call;
    this.root = byId('hands');
    i18n.on('change', () => this.render());
    for (const event of /** @type {const} */ (['peer', 'local', 'left', 'phase'])) call.on(event, () => this.render());
    call.host.on('change', () => this.render());
    call.on('hand', ({ id, name }) => {
      if (!call.host.isHost) return;
      // A hand that bobs up and down is said once in a while, not each time.
      const now = Date.now();
      if ((this.#told.get(id) ?? 0) > now - 10_000) return;
      this.#told.set(id, now);
      this.#chime();
      toast(i18n.t('toast.handRaised', { name: name || i18n.t('tile.someone') }));
    });
    call.on('handLowered', ({ name }) => toast(i18n.t('toast.handLowered', { name: name || i18n.t('tile.someone') })));
  }

  render() {
    const t = this.i18n.t.bind(this.i18n);
    const hands = this.call.phase === 'in-call' ? this.call.hands : [];
    this.root.hidden = hands.length === 0;
    const host = this.call.host.isHost;
    this.root.replaceChildren(
      h('span', { class: 'hands-title' }, icon('hand'), t('hands.title')),
      h('ol', {}, ...hands.map((hand) => {
        const name = hand.me ? t('hands.you') : hand.name || t('tile.someone');
        return h('li', { class: 'hand-chip', dataset: { peer: hand.me ? 'local' : hand.id } },
          h('span', { class: 'hand-name', text: name }),
          hand.me || host
            ? h('button', { type: 'button', class: 'btn ghost', text: t('hands.lower'), 'aria-label': t('hands.lowerOf', { name }),
              onclick: () => this.call.lowerHand(hand.id) })
            : null);
      })));
  }

  #chime() {
    this.chimes += 1;
    try {
      this.#audio ??= new AudioContext();
      const ctx = this.#audio;
      // Two soft sine notes, a fifth apart, each fading out in 0.3 s.
      for (const [i, freq] of [660, 990].entries()) {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        const at = ctx.currentTime + i * 0.14;
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, at);
        gain.gain.exponentialRampToValueAtTime(0.08, at + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.3);
        osc.connect(gain).connect(ctx.destination);
        osc.start(at);
        osc.stop(at + 0.32);
      }
    } catch {
      // No sound here (no audio output, or autoplay refused): the list shows it.
    }
  }
}
