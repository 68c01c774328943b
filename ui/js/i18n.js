// Words on screen, in English and Simplified Chinese. Strings live in
// ui/locales/*.json; elements name theirs with data-i18n (text) and
// data-i18n-attr="aria-label:key;placeholder:key" (attributes).
import { Emitter } from './emitter.js';

export const LANGUAGES = /** @type {const} */ (['en', 'zh-CN']);
/** @typedef {typeof LANGUAGES[number]} Language */
/** @typedef {Record<string, string>} Catalog */

/**
 * The language to start in: the saved choice, else the browser's first
 * language we have.
 * @param {readonly string[]} preferred  navigator.languages
 * @param {string | null} [saved]
 * @returns {Language}
 */
export function pickLanguage(preferred, saved) {
  if (saved && /** @type {readonly string[]} */ (LANGUAGES).includes(saved)) return /** @type {Language} */ (saved);
  for (const tag of preferred) {
    const t = tag.toLowerCase();
    if (t.startsWith('zh')) return 'zh-CN';
    if (t.startsWith('en')) return 'en';
  }
  return 'en';
}

/** @extends {Emitter<{ change: Language }>} */
export class I18n extends Emitter {
  /** @type {Language} */
  lang = 'en';
  /** @type {Catalog} */
  #strings = {};
  /** @type {Catalog} */
  #fallback = {};

  /** @param {(lang: Language) => Promise<Catalog>} load */
  constructor(load) {
    super();
    this.load = load;
  }

  /** @param {Language} lang */
  async use(lang) {
    if (!Object.keys(this.#fallback).length) this.#fallback = await this.load('en');
    this.#strings = lang === 'en' ? this.#fallback : await this.load(lang);
    this.lang = lang;
    this.emit('change', lang);
  }

  /**
   * The string for `key`, with {name} placeholders filled from `params`.
   * @param {string} key
   * @param {Record<string, string | number>} [params]
   */
  t(key, params) {
    const s = this.#strings[key] ?? this.#fallback[key] ?? key;
    return params ? s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m)) : s;
  }

  /**
   * Fill every data-i18n / data-i18n-attr element under `root`.
   * @param {ParentNode} root
   */
  apply(root) {
    for (const el of root.querySelectorAll('[data-i18n]')) {
      el.textContent = this.t(/** @type {string} */ (el.getAttribute('data-i18n')));
    }
    for (const el of root.querySelectorAll('[data-i18n-attr]')) {
      for (const pair of (el.getAttribute('data-i18n-attr') ?? '').split(';')) {
        const [attr, key] = pair.split(':').map((s) => s.trim());
        if (attr && key) el.setAttribute(attr, this.t(key));
      }
    }
  }
}

/**
 * Load a catalog from ui/locales.
 * @param {Language} lang
 * @returns {Promise<Catalog>}
 */
export async function fetchCatalog(lang) {
  const res = await fetch(new URL(`../locales/${lang}.json`, import.meta.url));
  if (!res.ok) throw new Error(`locale ${lang}: HTTP ${res.status}`);
  return res.json();
}
