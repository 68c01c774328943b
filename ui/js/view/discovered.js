// Hosts found on this network (mDNS, heard by the app's Rust side: see
// src-tauri/src/discovery.rs): a live list, one button per host; a click
// hands the host to `onPick`, which joins it. Whoever mounts it feeds it
// hosts (`set`, or `found`/`lost` as they come); it never asks for them.
import { h, icon } from './dom.js';

/**
 * A host as `lancall discover` and the app's discovery report it.
 * @typedef {{ id: string, name: string, url: string, addresses?: string[], port: number,
 *   version?: number | null, tls: boolean, room?: string | null }} FoundHost
 * @typedef {import('../i18n.js').I18n} I18n
 */

export class DiscoveredHosts {
  /** @type {Map<string, FoundHost>} */
  #hosts = new Map();
  #searching = true;

  /**
   * @param {object} o
   * @param {I18n} o.i18n
   * @param {(host: FoundHost) => void} o.onPick  join this host
   */
  constructor({ i18n, onPick }) {
    this.i18n = i18n;
    this.onPick = onPick;
    this.title = h('h3', { class: 'discovered-title' });
    this.status = h('p', { class: 'discovered-status hint', role: 'status' });
    this.list = h('ul', { class: 'discovered-list' });
    this.el = h('section', { class: 'discovered' }, this.title, this.list, this.status);
    i18n.on('change', () => this.render());
    this.render();
  }

  /**
   * Replace the whole list.
   * @param {FoundHost[]} hosts
   * @param {{ searching?: boolean }} [o]  still listening (else: done, and these are all)
   */
  set(hosts, o = {}) {
    this.#hosts = new Map(hosts.map((host) => [host.id, host]));
    if (o.searching !== undefined) this.#searching = o.searching;
    this.render();
  }

  /** A host appeared, or changed. @param {FoundHost} host */
  found(host) {
    this.#hosts.set(host.id, host);
    this.render();
  }

  /** A host stopped hosting. @param {string} id */
  lost(id) {
    if (this.#hosts.delete(id)) this.render();
  }

  /** Hosts shown now, by name. */
  get hosts() {
    return [...this.#hosts.values()].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  render() {
    const t = this.i18n.t.bind(this.i18n);
    this.title.textContent = t('discovered.title');
    const hosts = this.hosts;
    this.list.replaceChildren(...hosts.map((host) => h('li', {},
      h('button', {
        type: 'button',
        class: 'discovered-host',
        dataset: { host: host.id },
        'aria-label': t('discovered.join', { name: host.name }),
        onclick: () => this.onPick(host),
      },
      icon('monitor'),
      h('span', { class: 'discovered-name', text: host.name }),
      h('span', { class: 'discovered-addr', text: new URL(host.url).host }),
      host.room ? h('span', { class: 'discovered-room', text: t('discovered.room', { room: host.room }) }) : null,
      host.tls ? h('span', { class: 'discovered-tls', title: t('discovered.secure') }, icon('lock')) : null))));
    this.list.hidden = hosts.length === 0;
    this.status.hidden = hosts.length > 0;
    this.status.textContent = this.#searching ? t('discovered.searching') : t('discovered.none');
  }
}
