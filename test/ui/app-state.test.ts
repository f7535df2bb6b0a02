import { describe, expect, it } from 'vitest';
import { FakeEngine } from '../../source/engine/fake-engine.js';
import { handleKeys, initialState, type KeyContext } from '../../source/ui/model/app-state.js';
import { keyContext } from './key-context.js';

const ctx = (engine = new FakeEngine(), readonly = false): KeyContext =>
  keyContext(engine, readonly);

describe('UI state machine', () => {
  it('types a filter, keeps it with Enter, then marks two rows with two spaces in one chunk', () => {
    const keys = ['/', ...'state:missing', 'enter', 'space', 'space'];
    const { state } = handleKeys(initialState, keys, ctx());
    expect(state.filter).toBe('state:missing');
    expect(state.filterEditing).toBe(false);
    expect(state.marked).toEqual([110, 204]);
  });

  it('applies to the marked guests', () => {
    const keys = ['/', ...'state:missing', 'enter', 'space', 'space', 'a'];
    const { effects } = handleKeys(initialState, keys, ctx());
    expect(effects).toEqual([{ kind: 'apply', ids: [110, 204] }]);
  });

  it('ignores mutating keys in read-only mode', () => {
    const { state, effects } = handleKeys(
      initialState,
      ['j', 's', 'D', 'a'],
      ctx(new FakeEngine(), true),
    );
    expect(effects).toEqual([]);
    expect(state.modal).toBeUndefined();
  });
});

describe('Ctrl+C', () => {
  it('closes any dialog and quits', () => {
    const { effects } = handleKeys(initialState, ['j', 'j', 'j', 'D', '1', 'ctrl+c'], ctx());
    expect(effects).toEqual([{ kind: 'quit' }]);
  });
});
