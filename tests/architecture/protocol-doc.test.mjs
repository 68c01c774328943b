// docs/protocol.md is one file with two halves: the English reference, then,
// after the anchor <a id="zh-cn"></a>, the same text in Simplified Chinese.
// These tests keep the halves in step: every message the English half
// documents is documented in the Chinese half too, every table row keyed by
// an identifier (error codes, close codes, data channel messages…) is there,
// the headings match one for one, and the code blocks — the JSON examples,
// the SAS formulas and the test vectors — are the same, byte for byte.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './graph.mjs';

const ANCHOR = '<a id="zh-cn"></a>';
const doc = readFileSync(join(ROOT, 'docs', 'protocol.md'), 'utf8');
const [en, zh] = doc.split(ANCHOR);

/** The doc without its fenced code blocks (a `#` or `|` inside one is no heading or table). */
const prose = (text) => text.replace(/^ *```[^\n]*\n[\s\S]*?^ *```$/gm, '');

/** The fenced code blocks, fences and indentation included, in order. */
const codeBlocks = (text) => text.match(/^ *```[^\n]*\n[\s\S]*?^ *```$/gm) ?? [];

/** The headings, as [level, text]. */
const headings = (text) => [...prose(text).matchAll(/^(#{1,6}) +(.*)$/gm)].map((m) => [m[1].length, m[2].trim()]);

/** The contents of the `code spans` in a piece of Markdown. */
const spans = (text) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

/**
 * The signaling messages a half documents. The doc gives each client-to-server
 * and server-to-client message (or a group of them, like `offer_sdp`,
 * `answer_sdp`, …) a level-3 heading that starts with its name(s) in
 * backticks, optionally followed by " — " and who gets it:
 * "### `welcome` — to the joiner", "### `"ping"`". So the rule is: the code
 * spans of a level-3 heading before any " — ". Headings without a code span
 * ("### Test vectors") name no message. The Chinese half must use the same
 * spans in its own level-3 headings, so deleting a message's section there
 * (or its heading) fails.
 */
const signalMessages = (text) =>
  headings(text)
    .filter(([level]) => level === 3)
    .flatMap(([, t]) => spans(t.split(' — ')[0]));

/**
 * The data channel messages a half documents: table rows whose first cell is
 * `{"t":"<name>"}` (the two tables of "Between peers" and of the SAS section).
 */
const channelMessages = (text) =>
  tableKeys(text)
    .map((k) => k.match(/^\{"t":"([^"]+)"\}$/)?.[1])
    .filter(Boolean);

/**
 * The keys of the table rows that are identifiers, not prose: a first cell
 * made only of code spans (`bad_json`, `room_id`, `{"t":"chat"}`) or a number
 * (a close code). A first cell in words ("room size", "服务类型") is
 * translated and not compared.
 */
function tableKeys(text) {
  const keys = [];
  for (const line of prose(text).split('\n')) {
    const cell = line.match(/^\|([^|]*)\|/)?.[1].trim();
    if (!cell || /^-+$/.test(cell)) continue;
    if (/^\d+$/.test(cell)) keys.push(cell);
    else if (spans(cell).length && /^[\s,、]*$/.test(cell.replace(/`[^`]+`/g, ''))) keys.push(...spans(cell));
  }
  return keys;
}

const missing = (want, have) => [...new Set(want)].filter((x) => !have.includes(x));

describe('docs/protocol.md in English and Simplified Chinese', () => {
  it('has one zh-CN anchor, linked from the top, with the Chinese half after it', () => {
    assert.equal(doc.split(ANCHOR).length, 2, `exactly one ${ANCHOR}`);
    assert.match(doc.split('\n')[0], /\[简体中文\]\(#zh-cn\)/);
    assert.match(doc.split('\n')[0], /\[English\]\(#en\)/);
    assert.match(en, /<a id="en"><\/a>/);
    assert.match(zh.trimStart(), /^# .*\(zh-CN\)/);
  });

  it('finds the messages it compares (the rule still matches the English half)', () => {
    const sig = signalMessages(en);
    for (const m of ['join', 'offer_sdp', 'exit', '"ping"', 'admit', 'lock', 'welcome', 'exit_room', 'knock', 'locked', 'error']) {
      assert.ok(sig.includes(m), `${m} is among ${sig.join(', ')}`);
    }
    assert.deepEqual(missing(['hello', 'state', 'chat', 'rekey', 'sas-commit', 'sas-reveal'], channelMessages(en)), []);
    // Every event the English JSON examples show has a heading of its own,
    // so the heading rule misses none. `found`/`lost` are `lancall discover`'s
    // output lines, not protocol messages.
    const shown = [...en.matchAll(/"event":\s*"([^"]+)"/g)].map((m) => m[1]).filter((e) => !['found', 'lost', '<name>'].includes(e));
    assert.deepEqual(missing(shown, sig), []);
  });

  it('documents every signaling message of the English half in the Chinese half', () => {
    // Missing ones first, for a readable failure; then the whole sequence,
    // since `join` has two sections (client to server, server to client).
    assert.deepEqual(missing(signalMessages(en), signalMessages(zh)), []);
    assert.deepEqual(signalMessages(zh), signalMessages(en));
  });

  it('documents every data channel message of the English half in the Chinese half', () => {
    assert.deepEqual(channelMessages(zh), channelMessages(en));
  });

  it('keeps every table row keyed by an identifier: error codes, close codes, ids, records', () => {
    assert.deepEqual(tableKeys(zh), tableKeys(en));
  });

  it('has a Chinese heading for each English one, at the same level', () => {
    assert.deepEqual(
      headings(zh).map(([level]) => level),
      headings(en).map(([level]) => level),
    );
  });

  it('has the same code blocks in both halves, byte for byte', () => {
    const blocks = codeBlocks(en);
    assert.ok(blocks.length >= 20, `${blocks.length} code blocks found`);
    assert.deepEqual(codeBlocks(zh), blocks);
  });

  it('publishes the same SAS test vectors in both halves', () => {
    const vectors = (text, heading) => {
      const after = text.split(heading)[1];
      assert.ok(after, `the half has "${heading}"`);
      return codeBlocks(after)[0];
    };
    const block = vectors(en, '### Test vectors');
    assert.match(block, /^words +=/m);
    assert.equal(vectors(zh, '### 测试向量'), block);
    assert.match(zh, /`bucket harp cotton ruby`/);
  });
});
