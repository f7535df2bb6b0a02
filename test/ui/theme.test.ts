import { describe, expect, it } from 'vitest';
import { colorWanted, localeIsUtf8 } from '../../source/ui/theme.js';
import { decodeKeys } from '../../source/ui/keys/decode.js';
import { RingBuffer } from '../../source/util/ring-buffer.js';
import { windowStart } from '../../source/ui/model/columns.js';

describe('terminal capabilities', () => {
  it.each([
    [{ LANG: 'en_US.UTF-8' }, true],
    [{ LANG: 'C.utf8' }, true],
    [{ LANG: 'C' }, false],
    [{}, false],
    [{ LANG: 'en_US.UTF-8', LC_ALL: 'C' }, false],
    [{ LANG: 'C', LC_CTYPE: 'de_DE.UTF-8' }, true],
  ])('locale %j is UTF-8: %s', (env, expected) => {
    expect(localeIsUtf8(env)).toBe(expected);
  });

  it('honours NO_COLOR and --no-color', () => {
    expect(colorWanted({})).toBe(true);
    expect(colorWanted({ NO_COLOR: '1' })).toBe(false);
    expect(colorWanted({ NO_COLOR: '' })).toBe(true);
    expect(colorWanted({}, false)).toBe(false);
  });
});

describe('input decoding', () => {
  it('splits a chunk into keys', () => {
    expect(decodeKeys('jj', {})).toEqual(['j', 'j']);
    expect(decodeKeys('a b\t', {})).toEqual(['a', 'space', 'b', 'tab']);
    expect(decodeKeys('', { downArrow: true })).toEqual(['down']);
    expect(decodeKeys('c', { ctrl: true })).toEqual(['ctrl+c']);
    expect(decodeKeys('', { escape: true, meta: true })).toEqual(['escape']);
    expect(decodeKeys('/', { meta: true })).toEqual(['escape', '/']);
  });
});

describe('helpers', () => {
  it('the ring buffer keeps the last items in order', () => {
    const ring = new RingBuffer<number>(3);
    for (let i = 1; i <= 5; i++) ring.push(i);
    expect(ring.last()).toEqual([3, 4, 5]);
    expect(ring.last(2)).toEqual([4, 5]);
  });

  it('the table window moves only as far as the selection needs', () => {
    expect(windowStart(0, 5, 10, 100)).toBe(0);
    expect(windowStart(0, 12, 10, 100)).toBe(3);
    expect(windowStart(3, 5, 10, 100)).toBe(3);
    expect(windowStart(3, 1, 10, 100)).toBe(1);
    expect(windowStart(95, 99, 10, 100)).toBe(90);
    expect(windowStart(50, 0, 10, 5)).toBe(0);
  });
});
