// Reactions: a few emoji a person sends to the call, shown floating over
// their tile for a moment. Only the emoji of REACTIONS exist, so a peer
// can put no text of its own on anyone's screen, and each person is held
// to a pace (BURST at once, RATE a second after), theirs counted on
// every side: what is over it is dropped without a word, as a person
// clapping can't be told apart from one flooding. Shared by the call
// (call.js) and the view (view/reactions.js); no DOM here.
import { Bucket } from './flood.js';

/** The reactions, with the i18n key of each one's name (for screen readers). */
export const REACTIONS = /** @type {const} */ ([
  ['👍', 'react.thumbsUp'],
  ['👏', 'react.clap'],
  ['😂', 'react.laugh'],
  ['😮', 'react.wow'],
  ['❤️', 'react.heart'],
  ['🎉', 'react.party'],
]);

/** @type {Set<string>} */
const KNOWN = new Set(REACTIONS.map(([emoji]) => emoji));

/** Reactions a second one person may send, and at once. */
export const RATE = 2;
export const BURST = 4;

/** How long a reaction floats over a tile. */
export const SHOWN_MS = 3000;

/**
 * The reaction a message carries, or null: anything but one of ours.
 * @param {unknown} message
 * @returns {string | null}
 */
export function reactionOf(message) {
  const e = /** @type {{ e?: unknown } | null} */ (message)?.e;
  return typeof e === 'string' && KNOWN.has(e) ? e : null;
}

/**
 * One pace per person, kept by their peer entry (ourselves under an object
 * of our own), so it goes with them.
 */
export class ReactionPace {
  /** @type {WeakMap<object, Bucket>} */
  #buckets = new WeakMap();

  /**
   * May `who` react now? Spends one of theirs.
   * @param {object} who @param {number} [now] ms
   */
  take(who, now) {
    let b = this.#buckets.get(who);
    if (!b) this.#buckets.set(who, b = new Bucket(RATE, BURST));
    return b.take(now);
  }
}
