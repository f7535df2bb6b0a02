// Turns one ink input event into the keys it holds. Several keys can arrive in one chunk
// ("jj" when typed fast or sent by a script): each character becomes its own key.
import type { KeyName } from './bindings.js';

/** The subset of ink's Key the funnel reads (keeps this module free of React/ink). */
export interface InkKey {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  return?: boolean;
  escape?: boolean;
  tab?: boolean;
  shift?: boolean;
  ctrl?: boolean;
  meta?: boolean;
  backspace?: boolean;
  delete?: boolean;
}

export function decodeKeys(input: string, key: InkKey): KeyName[] {
  if (key.upArrow) return ['up'];
  if (key.downArrow) return ['down'];
  if (key.leftArrow) return ['left'];
  if (key.rightArrow) return ['right'];
  if (key.pageUp) return ['pageup'];
  if (key.pageDown) return ['pagedown'];
  if (key.home) return ['home'];
  if (key.end) return ['end'];
  if (key.return) return ['enter'];
  if (key.escape) return ['escape'];
  if (key.tab) return [key.shift ? 'shift+tab' : 'tab'];
  if (key.backspace || key.delete) return ['backspace'];
  if (key.ctrl && input) return [`ctrl+${input.toLowerCase()}`];
  const keys: KeyName[] = [];
  // Esc followed at once by a key reaches us as one "meta" chunk (ESC /): no Alt bindings
  // exist, so it is the two keys the user pressed.
  if (key.meta) {
    if (!input) return [];
    keys.push('escape');
  }
  for (const ch of input) {
    if (ch === ' ') keys.push('space');
    else if (ch === '\r' || ch === '\n') keys.push('enter');
    else if (ch === '\x7f' || ch === '\b') keys.push('backspace');
    else if (ch === '\t') keys.push('tab');
    else if (ch >= ' ') keys.push(ch);
  }
  return keys;
}

/** The character a key types into a text field, if any. */
export function typedChar(key: KeyName): string | undefined {
  if (key === 'space') return ' ';
  return [...key].length === 1 ? key : undefined;
}
