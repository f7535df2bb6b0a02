// The guided host setup in the TUI, as a state machine on the fake engine: steps ticked, the
// questions of the ticked steps only, the typed consent a disk holding data needs, the plan on
// the Confirm step, save, and apply opening the pipeline.
import { describe, expect, it } from 'vitest';
import { FakeEngine } from '../../source/engine/fake-engine.js';
import {
  handleKeys,
  initialState,
  type Effect,
  type KeyContext,
  type UiState,
} from '../../source/ui/model/app-state.js';
import {
  focusedField,
  problemsOf,
  visibleFields,
  wizardFacts,
  wizardHashed,
  wizardPlanned,
  wizardSaved,
  type WizardState,
} from '../../source/ui/model/wizard.js';
import { keyContext } from './key-context.js';

const context = keyContext;
const wctx = (ctx: KeyContext) => ({ checkDraft: ctx.checkDraft!, pageSize: 10 });
const w = (s: UiState): WizardState => s.wizard!;
const chars = (text: string) => [...text].map((c) => (c === ' ' ? 'space' : c));
const press = (s: UiState, keys: string[], ctx: KeyContext) => handleKeys(s, keys, ctx);
const problems = (s: UiState, id: string) => {
  const field = visibleFields(w(s)).find((f) => f.id === id);
  return field ? problemsOf(w(s), field).map((p) => p.message) : [];
};

/** The setup view, `a`, and the facts delivered. */
async function open(): Promise<{ state: UiState; ctx: KeyContext; engine: FakeEngine }> {
  const engine = new FakeEngine();
  const ctx = context(engine);
  const inView: UiState = { ...initialState, view: 'setup' };
  const step = handleKeys(inView, ['a'], ctx);
  expect(step.state.view).toBe('wizard');
  expect(step.effects).toEqual([{ kind: 'wizard-facts' }]);
  const wizard = wizardFacts(step.state.wizard!, { facts: await engine.setupFacts() }, wctx(ctx));
  return { state: { ...step.state, wizard }, ctx, engine };
}

describe('the host setup wizard (state machine)', () => {
  it('starts with the steps the preflight suggests ticked; the steps not ticked ask nothing', async () => {
    const { state, ctx } = await open();
    expect(w(state).values.steps).toEqual(['repositories', 'base_packages', 'admin_user']);
    expect(focusedField(w(state))?.id).toBe('steps');
    // Enter walks on: the Host step (time zone, driver) has nothing ticked and is passed over.
    const s = press(state, ['enter'], ctx).state;
    expect(w(s).step).toBe(2);
    expect(visibleFields(w(s)).map((f) => f.id)).toEqual([
      'user.username',
      'user.password_hash',
      'user.ssh',
      'user.sudo',
    ]);
    // Back from there lands on Steps again, over the empty Host step.
    expect(w(press(s, ['pageup'], ctx).state).step).toBe(0);
  });

  it('refuses to leave no step ticked, and checks a user name as it is typed', async () => {
    const { state, ctx } = await open();
    // Untick the three (cursor on each, Space).
    let s = press(state, ['space', 'right', 'space', 'right', 'right', 'space'], ctx).state;
    expect(w(s).values.steps).toEqual([]);
    expect(problems(s, 'steps')).toEqual(['tick at least one step (Space), or Esc to leave']);
    s = press(s, ['space', 'enter'], ctx).state;
    expect(w(s).step).toBe(2);
    s = press(s, ['ctrl+u', ...chars('Root!')], ctx).state;
    s = press(s, ['tab'], ctx).state;
    expect(problems(s, 'user.username')).toEqual([
      'a Linux user name: lower case letters, digits, _ and -',
    ]);
  });

  it('hashes the password at once and keeps only the hash', async () => {
    const { state, ctx, engine } = await open();
    let s = press(state, ['enter', 'tab', ...chars('s3cret-pw')], ctx).state;
    expect(w(s).password).toBe('s3cret-pw');
    const left = press(s, ['tab'], ctx);
    const hash = left.effects.find((e) => e.kind === 'wizard-hash');
    expect(hash).toEqual({ kind: 'wizard-hash', password: 's3cret-pw' });
    expect(w(left.state).password).toBe('');
    const hashed = await engine.hashPassword('s3cret-pw');
    s = {
      ...left.state,
      wizard: wizardHashed(w(left.state), { hash: hashed }, wctx(ctx)),
    };
    expect(w(s).values['user.password_hash']).toBe(hashed);
    expect(JSON.stringify(w(s))).not.toContain('s3cret-pw');
  });

  it('will not save a pool over a disk that holds data until its by-id name is typed', async () => {
    const { state, ctx } = await open();
    // Tick ZFS (the fifth step), then walk to the ZFS step.
    let s = press(state, ['right', 'right', 'right', 'right', 'space', 'pagedown'], ctx).state;
    s = press(s, ['pagedown'], ctx).state;
    expect(w(s).step).toBe(3);
    expect(problems(s, 'zfs.disks')).toEqual(['tick the disks for the pool (Space)']);
    // Both disks: the second holds a file system.
    s = press(s, ['space', 'right', 'space'], ctx).state;
    expect(w(s).values['zfs.disks']).toEqual(['nvme-FAKE_1', 'nvme-FAKE_2']);
    expect(problems(s, 'zfs.wipe')).toEqual([
      'type nvme-FAKE_2 to erase it (it holds ext4 "old-data"), or untick it',
    ]);
    // Save from the Confirm step goes back to the problem.
    let step = press(s, ['pagedown', 'pagedown'], ctx);
    expect(w(step.state).step).toBe(5);
    step = press(step.state, ['enter'], ctx);
    expect(step.effects.some((e) => e.kind === 'wizard-save')).toBe(false);
    expect(w(step.state).step).toBe(3);
    expect(w(step.state).notice).toBe('Fix the errors first (shown in red)');
    // Typing the name is the consent.
    s = press(step.state, ['tab', 'tab', 'tab', ...chars('nvme-FAKE_2')], ctx).state;
    expect(problems(s, 'zfs.wipe')).toEqual([]);
    step = press(s, ['pagedown', 'pagedown'], ctx);
    const plan = step.effects.find((e) => e.kind === 'wizard-plan');
    expect(plan?.kind === 'wizard-plan' && plan.draft).toMatchObject({
      kind: 'setup',
      consent: ['nvme-FAKE_2'],
      choices: {
        steps: ['repositories', 'base_packages', 'admin_user', 'zfs'],
        zfs: {
          pool: 'tank',
          layout: 'mirror',
          disks: ['/dev/disk/by-id/nvme-FAKE_1', '/dev/disk/by-id/nvme-FAKE_2'],
        },
      },
    });
  });

  it('shows the plan, saves the choices, and y applies them in the pipeline view', async () => {
    const { state, ctx, engine } = await open();
    let step = press(state, ['pagedown', 'pagedown'], ctx);
    expect(w(step.state).step).toBe(5);
    const plan = step.effects.find((e) => e.kind === 'wizard-plan') as Extract<
      Effect,
      { kind: 'wizard-plan' }
    >;
    if (plan.draft.kind !== 'setup') throw new Error('not a setup draft');
    const planned = await engine.planSetup(plan.draft);
    let s: UiState = { ...step.state, wizard: wizardPlanned(w(step.state), { plan: planned }) };
    expect(w(s).plan).toHaveLength(3);

    step = press(s, ['enter'], ctx);
    const save = step.effects.find((e) => e.kind === 'wizard-save') as Extract<
      Effect,
      { kind: 'wizard-save' }
    >;
    expect(save.draft).toMatchObject({
      kind: 'setup',
      choices: {
        steps: ['repositories', 'base_packages', 'admin_user'],
        user: {
          username: 'phoenix-admin',
          sudo: true,
          sshKey: 'ssh-ed25519 AAAAC3NzaFake admin@ws',
        },
      },
      consent: [],
    });
    if (save.draft.kind !== 'setup') throw new Error('not a setup draft');
    const saved = await engine.saveSetup(save.draft);
    s = { ...step.state, wizard: wizardSaved(w(step.state), saved) };
    expect(w(s).phase).toBe('saved');

    step = press(s, ['y'], ctx);
    expect(step.state.view).toBe('setup');
    expect(step.state.wizard).toBeUndefined();
    expect(step.effects).toEqual([{ kind: 'apply-setup', draft: save.draft }]);
    const run = engine.applySetup(save.draft);
    expect(run.state().guests).toEqual([expect.objectContaining({ id: 0, name: 'host setup' })]);
    expect(run.state().guests[0]!.steps.map((x) => x.id)).toEqual([
      'repositories',
      'base_packages',
      'admin_user',
    ]);
    run.abort();
  });

  it('Esc before any change leaves at once; after one it asks, and y writes nothing', async () => {
    const { state, ctx } = await open();
    expect(press(state, ['escape'], ctx).state.view).toBe('setup');
    const changed = press(state, ['space'], ctx).state;
    const asking = press(changed, ['escape'], ctx);
    expect(w(asking.state).phase).toBe('leaving');
    const left = press(asking.state, ['y'], ctx);
    expect(left.state.view).toBe('setup');
    expect(left.effects).toEqual([]);
  });

  it('is not offered with --readonly', async () => {
    const engine = new FakeEngine();
    const step = handleKeys({ ...initialState, view: 'setup' }, ['a'], context(engine, true));
    expect(step.state.view).toBe('setup');
    expect(step.effects).toEqual([]);
  });
});
