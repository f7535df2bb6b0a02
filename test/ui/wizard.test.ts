import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FakeEngine } from '../../source/engine/fake-engine.js';
import type { HostFacts } from '../../source/engine/types.js';
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
  type WizardState,
} from '../../source/ui/model/wizard.js';
import { helpLines } from '../../source/ui/keys/help.js';
import { bindings } from '../../source/ui/keys/bindings.js';
import { keyContext } from './key-context.js';

const etc = fileURLToPath(new URL('../../etc', import.meta.url));
const texts = () => ({
  vm: readFileSync(join(etc, 'phoenix_vm_configs.json'), 'utf8'),
  lxc: readFileSync(join(etc, 'phoenix_lxc_configs.json'), 'utf8'),
  hypervisor: readFileSync(join(etc, 'phoenix_hypervisor_config.json'), 'utf8'),
});

/** The example config's defaults, as the live engine reads them. */
const defaults: HostFacts['defaults'] = {
  vm: {
    os_type: 'l26',
    cpu_sockets: 1,
    cpu_cores: 2,
    memory_mb: 4096,
    boot_disk_size_gb: 32,
    boot_disk_storage: 'local-lvm',
    network_bridge: 'vmbr0',
    network_model: 'virtio',
    network_config: { gw: '10.0.0.1', nameserver: '10.0.0.1', searchdomain: 'lab.internal' },
    user_config: {
      username: 'phoenix',
      password_hash: '$6$x$y',
      ssh_public_key: 'ssh-ed25519 AAAA a@b',
    },
    features: ['base_setup'],
  },
  lxc: {
    memory_mb: 1024,
    swap_mb: 512,
    cores: 2,
    storage_pool: 'local-lvm',
    storage_size_gb: 8,
    unprivileged: true,
    network_config: { name: 'eth0', bridge: 'vmbr0', gw: '10.0.0.1', nameserver: '10.0.0.1' },
  },
};

function setup(): { ctx: KeyContext; engine: FakeEngine } {
  const engine = new FakeEngine({
    configTexts: texts(),
    facts: {
      defaults,
      templates: [{ id: 9000, name: 'ubuntu-24.04-cloud', type: 'qemu', where: 'host+config' }],
    },
  });
  return { ctx: keyContext(engine), engine };
}

/** Opens a wizard with `key` (c or C) and delivers the host facts. */
async function open(
  key: 'c' | 'C',
): Promise<{ state: UiState; ctx: KeyContext; engine: FakeEngine }> {
  const { ctx, engine } = setup();
  const step = handleKeys(initialState, [key], ctx);
  expect(step.effects).toEqual([{ kind: 'wizard-facts' }]);
  const facts = await engine.hostFacts();
  const wizard = wizardFacts(
    step.state.wizard!,
    { facts },
    { checkDraft: ctx.checkDraft!, pageSize: 10 },
  );
  return { state: { ...step.state, wizard }, ctx, engine };
}

const chars = (text: string) => [...text].map((c) => (c === ' ' ? 'space' : c));
const w = (s: UiState): WizardState => s.wizard!;
const problems = (s: UiState, id: string) => {
  const field = visibleFields(w(s)).find((f) => f.id === id)!;
  return problemsOf(w(s), field).map((p) => p.message);
};
function press(s: UiState, keys: string[], ctx: KeyContext): { state: UiState; effects: Effect[] } {
  return handleKeys(s, keys, ctx);
}

describe('the define-a-VM wizard (state machine)', () => {
  it('starts from vm_defaults with the next free ID suggested', async () => {
    const { state } = await open('c');
    expect(state.view).toBe('wizard');
    const v = w(state).values;
    expect(v.vm_id).toBe('104');
    expect(v.memory_mb).toBe('4096');
    expect(v.boot_disk_size_gb).toBe('32');
    expect(v['user_config.username']).toBe('phoenix');
    expect(v.features).toEqual(['base_setup']);
    expect(v.clone_from_vmid).toBe('9000');
    expect(focusedField(w(state))?.id).toBe('vm_id');
  });

  it('checks each field as it is typed, with the rules of phoenix validate', async () => {
    const { state, ctx } = await open('c');
    let s = press(state, ['tab', ...chars('web-02'), 'enter', 'enter', 'enter'], ctx).state;
    expect(w(s).step).toBe(1);
    s = press(s, ['enter', 'enter', 'tab', 'tab', ...chars('lots')], ctx).state;
    expect(w(s).step).toBe(2);
    expect(problems(s, 'memory_mb')).toEqual(['must be an integer (got "4096lots")']);
    s = press(s, ['backspace', 'backspace', 'backspace', 'backspace'], ctx).state;
    expect(problems(s, 'memory_mb')).toEqual([]);
  });

  it('refuses IDs used in the config or on the host, and names in use', async () => {
    const { state, ctx } = await open('c');
    let s = press(state, ['ctrl+u', ...chars('1000')], ctx).state;
    expect(problems(s, 'vm_id')[0]).toMatch(/ID 1000 is already used/);
    // 101 is on the (fake) host only.
    s = press(s, ['ctrl+u', ...chars('101')], ctx).state;
    expect(problems(s, 'vm_id')[0]).toMatch(/ID 101 is already used/);
    s = press(s, ['ctrl+u', ...chars('777'), 'tab', ...chars('rumpledev')], ctx).state;
    expect(problems(s, 'vm_id')).toEqual([]);
    expect(problems(s, 'vm_name')[0]).toMatch(/rumpledev/);
  });

  it('refuses a gateway outside the subnet, and will not save until it is fixed', async () => {
    const { state, ctx } = await open('c');
    let s = press(
      state,
      ['tab', ...chars('net-test'), 'pagedown', 'pagedown', 'pagedown'],
      ctx,
    ).state;
    expect(w(s).step).toBe(3);
    // IPv4 -> static, then the address; the inherited gateway 10.0.0.1 is outside 10.0.1.0/24.
    s = press(s, ['tab', 'tab', 'tab', 'right', 'tab', ...chars('10.0.1.5/24')], ctx).state;
    expect(problems(s, 'network_config.gw')[0]).toMatch(/outside the subnet 10\.0\.1\.0\/24/);
    let step = press(s, ['pagedown', 'pagedown', 'pagedown', 'enter'], ctx);
    expect(step.effects.some((e) => e.kind === 'wizard-save')).toBe(false);
    expect(w(step.state).step).toBe(3);
    expect(w(step.state).notice).toMatch(/Fix the errors/);
    s = press(
      step.state,
      ['tab', 'tab', 'tab', 'tab', 'tab', 'ctrl+u', ...chars('10.0.1.1')],
      ctx,
    ).state;
    expect(problems(s, 'network_config.gw')).toEqual([]);
    step = press(s, ['pagedown', 'pagedown', 'pagedown', 'enter'], ctx);
    const save = step.effects.find((e) => e.kind === 'wizard-save');
    expect(save).toMatchObject({
      draft: { kind: 'qemu', entry: { network_config: { ip: '10.0.1.5/24', gw: '10.0.1.1' } } },
    });
  });

  it('goes back a step keeping the answers', async () => {
    const { state, ctx } = await open('c');
    let s = press(state, ['tab', ...chars('keep-me'), 'pagedown', 'pagedown'], ctx).state;
    expect(w(s).step).toBe(2);
    s = press(s, ['pageup', 'ctrl+b'], ctx).state;
    expect(w(s).step).toBe(0);
    expect(w(s).values.vm_name).toBe('keep-me');
  });

  it('Esc asks when answers changed; yes leaves and writes nothing', async () => {
    const { state, ctx, engine } = await open('c');
    const before = JSON.stringify(engine.configTexts);
    let step = press(state, ['tab', ...chars('gone'), 'escape'], ctx);
    expect(w(step.state).phase).toBe('leaving');
    step = press(step.state, ['n'], ctx);
    expect(w(step.state).phase).toBe('editing');
    step = press(step.state, ['escape', 'y'], ctx);
    expect(step.state.view).toBe('machines');
    expect(step.state.wizard).toBeUndefined();
    expect(step.effects).toEqual([]);
    expect(JSON.stringify(engine.configTexts)).toBe(before);
  });

  it('Esc on an untouched wizard leaves at once', async () => {
    const { state, ctx } = await open('c');
    const step = press(state, ['escape'], ctx);
    expect(step.state.view).toBe('machines');
  });

  it('hands the password over for hashing and keeps only the hash', async () => {
    const { state, ctx, engine } = await open('c');
    let s = press(
      state,
      ['tab', ...chars('pw-test'), 'pagedown', 'pagedown', 'pagedown', 'pagedown'],
      ctx,
    ).state;
    expect(w(s).step).toBe(4);
    s = press(s, ['tab', 'tab', ...chars('hunter2 secret')], ctx).state;
    expect(focusedField(w(s))?.kind).toBe('password');
    const step = press(s, ['up'], ctx);
    expect(step.effects).toEqual([{ kind: 'wizard-hash', password: 'hunter2 secret' }]);
    expect(JSON.stringify(step.state)).not.toContain('hunter2');
    const hash = await engine.hashPassword('hunter2 secret');
    const hashed = wizardHashed(
      w(step.state),
      { hash },
      { checkDraft: ctx.checkDraft!, pageSize: 10 },
    );
    expect(hashed.values['user_config.password_hash']).toMatch(/^\$6\$/);
    expect(JSON.stringify(hashed)).not.toContain('hunter2');
  });

  it('saves through the engine and offers to apply; the rest of the file stays byte for byte', async () => {
    const { state, ctx, engine } = await open('c');
    const before = engine.configTexts.vm!;
    let step = press(
      state,
      [
        'tab',
        ...chars('made-here'),
        'tab',
        ...chars('from the wizard'),
        'pagedown',
        'pagedown',
        'pagedown',
        'pagedown',
        'pagedown',
        'pagedown',
      ],
      ctx,
    );
    expect(step.effects.map((e) => e.kind)).toEqual(['wizard-plan']);
    step = press(step.state, ['enter'], ctx);
    const save = step.effects.find((e) => e.kind === 'wizard-save');
    if (save?.kind !== 'wizard-save' || save.draft.kind === 'setup') throw new Error('no save');
    const saved = await engine.defineGuest(save.draft);
    expect(saved.id).toBe(104);
    const after = engine.configTexts.vm!;
    // Everything up to the end of the last VM is unchanged; the new entry is appended.
    const tail = before.lastIndexOf('}\n  ]');
    expect(after.slice(0, tail + 1)).toBe(before.slice(0, tail + 1));
    expect(after).toContain('"vm_name": "made-here"');
    expect(after.endsWith(before.slice(tail + 1))).toBe(true);
    expect(engine.configTexts.lxc).toBe(texts().lxc);
  });
});

describe('the define-a-container wizard (state machine)', () => {
  it('starts from lxc_defaults and builds an entry with what differs', async () => {
    const { state, ctx } = await open('C');
    expect(w(state).values.memory_mb).toBe('1024');
    expect(w(state).values.unprivileged).toBe(true);
    let s = press(state, ['tab', ...chars('box-1'), 'pagedown'], ctx).state;
    // Nesting and keyctl on.
    s = press(
      s,
      ['tab', 'tab', 'tab', 'space', 'tab', 'space', 'pagedown', 'pagedown', 'pagedown'],
      ctx,
    ).state;
    expect(w(s).step).toBe(4);
    expect(visibleFields(w(s))[1]!.empty).toBe('none detected');
    s = press(s, [...chars('/srv/a:/a:ro,bad')], ctx).state;
    expect(problems(s, 'mount_points')[0]).toMatch(/"bad" is not host-path:container-path/);
    s = press(s, ['backspace', 'backspace', 'backspace', 'backspace'], ctx).state;
    expect(problems(s, 'mount_points')).toEqual([]);
    const step = press(s, ['pagedown', 'pagedown', 'enter'], ctx);
    const save = step.effects.find((e) => e.kind === 'wizard-save');
    expect(save).toEqual({
      kind: 'wizard-save',
      draft: {
        kind: 'lxc',
        ctid: 104,
        entry: {
          name: 'box-1',
          template: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
          pct_options: ['nesting=1', 'keyctl=1'],
          network_config: { ip: 'dhcp' },
          mount_points: [{ host_path: '/srv/a', container_path: '/a', read_only: true }],
        },
      },
    });
  });
});

describe('GPU assignment', () => {
  it('offers the GPUs the host has and writes the picked indexes', async () => {
    const engine = new FakeEngine({
      configTexts: texts(),
      facts: {
        defaults,
        gpus: [
          { index: 0, name: 'NVIDIA GeForce RTX 4090' },
          { index: 1, name: 'NVIDIA RTX A4000' },
        ],
      },
    });
    const ctx: KeyContext = {
      readonly: false,
      machines: engine.snapshot().machines,
      activeRunIds: [],
      runs: [],
      runGuests: () => [],
      check: (verb, ids) => engine.check(verb, ids),
      pageSize: 10,
      checkDraft: (draft) => engine.checkDraft(draft),
    };
    const opened = handleKeys(initialState, ['C'], ctx);
    let s: UiState = {
      ...opened.state,
      wizard: wizardFacts(
        opened.state.wizard!,
        { facts: await engine.hostFacts() },
        { checkDraft: ctx.checkDraft!, pageSize: 10 },
      ),
    };
    s = handleKeys(
      s,
      ['tab', ...chars('gpu-box'), 'pagedown', 'pagedown', 'pagedown', 'pagedown', 'tab'],
      ctx,
    ).state;
    expect(focusedField(w(s))?.id).toBe('gpu_assignment');
    s = handleKeys(s, ['right', 'space'], ctx).state;
    expect(w(s).values.gpu_assignment).toEqual(['1']);
    expect(w(s).problems).toEqual([]);
    const step = handleKeys(s, ['pagedown', 'pagedown', 'enter'], ctx);
    expect(step.effects.find((e) => e.kind === 'wizard-save')).toMatchObject({
      draft: { entry: { gpu_assignment: '1' } },
    });
  });
});

describe('wizard keys', () => {
  it('are in the binding table, so ? help lists them', () => {
    const text = helpLines(false, true)
      .map((l) => l.text)
      .join('\n');
    expect(text).toContain('Wizard');
    for (const b of bindings.filter((b) => b.scopes.includes('wizard')))
      expect(text).toContain(b.help);
    expect(text).toMatch(/c\s+define a new VM/);
    expect(
      helpLines(true, true)
        .map((l) => l.text)
        .join('\n'),
    ).not.toContain('define a new VM');
  });
});
