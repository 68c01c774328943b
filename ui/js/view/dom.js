// Small DOM helpers shared by the views.

/**
 * Create an element with properties/attributes and children.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, unknown>} [props]  `class`, `text`, `dataset`, on* handlers, attributes
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = String(v);
    else if (k === 'text') el.textContent = String(v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), /** @type {EventListener} */ (v));
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c != null && c !== false) el.append(c);
  return el;
}

/**
 * An icon from the sprite in index.html.
 * @param {string} name  without the "i-" prefix
 */
export function icon(name) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'icon');
  svg.setAttribute('aria-hidden', 'true');
  const use = document.createElementNS(ns, 'use');
  use.setAttribute('href', `#i-${name}`);
  svg.append(use);
  return svg;
}

/**
 * Point an existing sprite icon at another symbol.
 * @param {Element | null} svg
 * @param {string} name
 */
export function setIcon(svg, name) {
  svg?.querySelector('use')?.setAttribute('href', `#i-${name}`);
}

/**
 * The element with this id; a missing one is a bug in index.html.
 * @template {HTMLElement} [T=HTMLElement]
 * @param {string} id
 * @returns {T}
 */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html lacks #${id}`);
  return /** @type {T} */ (el);
}

/**
 * Ask with a modal <dialog> whose buttons close it with a value: show it
 * (a question still open there ends as "cancel") and resolve to the value
 * of the button that closed it, '' for Escape.
 * @param {HTMLDialogElement} dialog
 * @returns {Promise<string>}
 */
export function askModal(dialog) {
  if (dialog.open) dialog.close('cancel');
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue), { once: true });
  });
}

/**
 * Copy text, falling back to a hidden textarea where the Clipboard API is
 * not allowed (plain http on a LAN address is not a secure context).
 * @param {string} text
 */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = h('textarea', { style: 'position:fixed;opacity:0', readonly: true });
    ta.value = text;
    document.body.append(ta);
    ta.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch { ok = false; }
    ta.remove();
    return ok;
  }
}

/** Initials for an avatar: first letters of up to two words, or the first character. */
export function initials(/** @type {string} */ name) {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (!words.length) return '?';
  const chars = words.length > 1 ? [words[0], words[1]].map((w) => Array.from(w)[0]) : Array.from(words[0]).slice(0, /^[\x00-\x7f]/.test(words[0]) ? 2 : 1);
  return chars.join('').toUpperCase();
}

/** A calm color per name, for avatars. */
export function hueOf(/** @type {string} */ name) {
  let x = 0;
  for (const ch of name) x = (x * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return `hsl(${x % 360} 60% 72%)`;
}
