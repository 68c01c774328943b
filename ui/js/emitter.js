// A tiny typed event emitter, so modules without a DOM (signaling, peers,
// the call) can report to whoever wires them up.

/**
 * @template {Record<string, any>} Events  event name -> payload
 */
export class Emitter {
  /** @type {Map<keyof Events, Set<(detail: any) => void>>} */
  #listeners = new Map();

  /**
   * Listen to `type`; returns a function that stops listening.
   * @template {keyof Events} K
   * @param {K} type
   * @param {(detail: Events[K]) => void} fn
   * @returns {() => void}
   */
  on(type, fn) {
    let set = this.#listeners.get(type);
    if (!set) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    set.add(fn);
    return () => { set?.delete(fn); };
  }

  /**
   * @template {keyof Events} K
   * @param {K} type
   * @param {Events[K]} detail
   */
  emit(type, detail) {
    for (const fn of [...(this.#listeners.get(type) ?? [])]) {
      try {
        fn(detail);
      } catch (e) {
        console.error(`lancall: a "${String(type)}" listener failed`, e);
      }
    }
  }
}
