// The world the UI state machine reads (KeyContext), from a fake engine, for the machine's tests.
import type { FakeEngine } from '../../source/engine/fake-engine.js';
import type { KeyContext } from '../../source/ui/model/app-state.js';

export function keyContext(engine: FakeEngine, readonly = false): KeyContext {
  return {
    readonly,
    machines: engine.snapshot().machines,
    activeRunIds: [],
    runs: [],
    runGuests: () => [],
    check: (verb, ids) => engine.check(verb, ids),
    pageSize: 10,
    checkDraft: (draft) => engine.checkDraft(draft),
  };
}
