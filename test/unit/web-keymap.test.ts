/** The page's keymap table (web/src/keymap.ts): matching, dispatch order, fields, and the sheet built from it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEY_SPECS, keyMatches, Keymap, type KeyEventLike } from '../../web/src/keymap.js';

const ev = (key: string, mods: Partial<KeyEventLike> = {}): KeyEventLike => ({ key, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods });

test('keyMatches: letters either case without modifiers, Mod and Shift exact, symbols as typed, digit ranges', () => {
  assert.ok(keyMatches('H', ev('h')));
  assert.ok(!keyMatches('H', ev('H', { shiftKey: true })), 'Shift+H is not H');
  assert.ok(keyMatches('H', ev('H')), 'Caps Lock H is H');
  assert.ok(!keyMatches('H', ev('h', { ctrlKey: true })));
  assert.ok(keyMatches('Mod+Z', ev('z', { ctrlKey: true })));
  assert.ok(keyMatches('Mod+Z', ev('z', { metaKey: true })));
  assert.ok(!keyMatches('Mod+Z', ev('Z', { ctrlKey: true, shiftKey: true })));
  assert.ok(keyMatches('Mod+Shift+Z', ev('Z', { ctrlKey: true, shiftKey: true })));
  assert.ok(keyMatches('?', ev('?', { shiftKey: true })));
  assert.ok(keyMatches('+', ev('+', { shiftKey: true })));
  assert.ok(!keyMatches('+', ev('+', { ctrlKey: true })));
  assert.ok(keyMatches('1-9', ev('7')) && !keyMatches('1-9', ev('0')) && !keyMatches('1-9', ev('a')));
  assert.ok(keyMatches('Enter', ev('Enter')) && !keyMatches('Enter', ev('Enter', { shiftKey: true })));
  assert.ok(!keyMatches('E', ev('e', { altKey: true })));
});

test('dispatch: first matching bound handler wins, false passes on, fields only reach inFields keys', () => {
  const km = new Keymap(KEY_SPECS);
  const calls: string[] = [];
  let candidates = false;
  km.bind('candidate', (e) => { if (!candidates) return false; calls.push(`candidate ${e.key}`); });
  km.bind('class', (e) => { calls.push(`class ${e.key}`); });
  km.bind('accept', () => { calls.push('accept'); });
  km.bind('mode-hover', () => { calls.push('hover'); });
  assert.equal(km.dispatch(ev('2'), false), true);
  candidates = true;
  km.dispatch(ev('2'), false);
  km.dispatch(ev('5'), false);
  assert.equal(km.dispatch(ev('h'), true), false, 'a mode key typed in a field stays in the field');
  km.dispatch(ev('Enter'), true);
  assert.equal(km.dispatch(ev('x'), false), false);
  assert.deepEqual(calls, ['class 2', 'candidate 2', 'class 5', 'accept']);
  assert.throws(() => km.bind('no-such-key', () => undefined), /no key binding/);
  assert.throws(() => km.bind('zoom-wheel', () => undefined), /no key binding/);
});

test('sheet lists the gestures and exactly the bound keys, in table order', () => {
  const km = new Keymap(KEY_SPECS);
  km.bind('help', () => undefined);
  km.bind('mode-box', () => undefined);
  const rows = km.sheet();
  const pointers = KEY_SPECS.filter((s) => s.pointer).length;
  assert.equal(rows.length, pointers + 2);
  const keyed = rows.filter((r) => !KEY_SPECS.find((s) => s.description === r.description)!.pointer).map((r) => r.keys.join(' '));
  assert.deepEqual(keyed, ['B', '?']);
  const ids = KEY_SPECS.map((s) => s.id);
  assert.equal(new Set(ids).size, ids.length, 'ids are unique');
});
