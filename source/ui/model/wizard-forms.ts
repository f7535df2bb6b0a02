// What the define-a-VM and define-a-container wizards ask, step by step, and how the answers
// become a config entry. Answers are strings (as typed), lists (multi-selects) or booleans; an
// entry keeps only what differs from vm_defaults / lxc_defaults, so it reads like a hand-written
// one and still follows later changes of the defaults.
import type {
  DraftProblem,
  GuestDraft,
  GuestType,
  HostFacts,
  SetupDraft,
  SetupFacts,
  StorageFact,
} from '../../engine/types.js';

export type Value = string | readonly string[] | boolean;
export type Values = Readonly<Record<string, Value>>;

export type FieldKind = 'text' | 'number' | 'select' | 'multi' | 'toggle' | 'password';

export interface Option {
  value: string;
  label: string;
}

/** What a wizard reads before it starts: the host's resources, or the host setup's facts. */
export type WizardFacts = HostFacts | SetupFacts;
/** What a wizard makes: a guest for the config, or the host setup's choices. */
export type WizardDraft = GuestDraft | SetupDraft;
export type WizardKind = GuestType | 'setup';

export interface FieldDef<F extends WizardFacts = HostFacts> {
  /** The answer's key; dotted canonical keys ("network_config.gw") receive that key's problems. */
  id: string;
  label: string;
  kind: FieldKind;
  /** One line under the form while the field has the focus. */
  help: string;
  options?: (facts: F, values: Values) => Option[];
  /** Says more about the option under the cursor (in place of `help`). */
  optionHelp?: (facts: F, value: string) => string | undefined;
  /** Shown only when this holds. */
  when?: (values: Values) => boolean;
  /** Shown when a select/multi has no options. */
  empty?: string;
}

export interface StepDef<F extends WizardFacts = HostFacts> {
  title: string;
  fields: readonly FieldDef<F>[];
}

export interface FormDef<F extends WizardFacts = HostFacts, D extends WizardDraft = GuestDraft> {
  kind: WizardKind;
  /** "New <noun>" in the wizard's title. */
  title: string;
  noun: string;
  /** The last step (Confirm) is implicit. */
  steps: readonly StepDef<F>[];
  initial(facts: F): Record<string, Value>;
  build(values: Values, facts: F): D;
  /** Checks only the wizard can make (the host's IDs and names, answers the config cannot hold). */
  local(values: Values, facts: F): DraftProblem[];
  summary(values: Values, facts: F): string[];
  /** The field holding the guest's ID, for drafts the engine checks (`phoenix validate`). */
  idField?: string;
  /** What saving writes, for the Confirm step. */
  writes(configDir: string): string;
}

// ---- helpers ---------------------------------------------------------------------------------

const str = (v: Value | undefined): string => (typeof v === 'string' ? v : '');
const list = (v: Value | undefined): readonly string[] => (Array.isArray(v) ? v : []);
const flag = (v: Value | undefined): boolean => v === true;
const text = (v: unknown): string =>
  v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** A typed number as the config gets it: an integer when it is one, else the text (so
 * validation names the problem with the user's own input). */
function numberOrText(value: string): number | string {
  return /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n >= 100 || i === 0 ? Math.round(n) : n.toFixed(1)} ${units[i]}`;
}

function storageOptions(storages: readonly StorageFact[], current: string): Option[] {
  const options = storages.map((s) => ({
    value: s.id,
    label: `${s.id} (${s.type}) ${formatBytes(s.availableBytes)} free of ${formatBytes(s.totalBytes)}${s.active ? '' : ', inactive'}`,
  }));
  if (current && !options.some((o) => o.value === current))
    options.unshift({ value: current, label: `${current} (default; not on the host)` });
  return options;
}

function bridgeOptions(facts: HostFacts, current: string): Option[] {
  const options = facts.bridges.map((b) => ({
    value: b.name,
    label: `${b.name}${b.cidr ? ` ${b.cidr}` : ''}${b.vlanAware ? ' (VLAN aware)' : ''}`,
  }));
  if (current && !options.some((o) => o.value === current))
    options.unshift({ value: current, label: `${current} (default; not on the host)` });
  return options;
}

function tagsOf(value: string): string[] {
  return value
    .split(/[,;\s]+/)
    .map((t) => t.trim())
    .filter(Boolean);
}

const sameSet = (a: readonly unknown[], b: readonly unknown[]) =>
  a.length === b.length && a.every((x) => b.includes(x));

function idProblems(values: Values, facts: HostFacts, field: string): DraftProblem[] {
  const raw = str(values[field]).trim();
  if (!/^\d+$/.test(raw))
    return [{ field, severity: 'error', message: 'an ID is a whole number, 100 or more' }];
  const id = Number(raw);
  if (id < 100 || id > 999_999_999)
    return [{ field, severity: 'error', message: 'Proxmox IDs run from 100 to 999999999' }];
  if (facts.usedIds.includes(id))
    return [
      {
        field,
        severity: 'error',
        message: `ID ${id} is already used (config or host); ${facts.nextId} is free`,
      },
    ];
  return [];
}

function nameProblems(values: Values, facts: HostFacts, field: string): DraftProblem[] {
  const name = str(values[field]).trim();
  if (!name)
    return [{ field, severity: 'error', message: 'a name is needed (it is the host name)' }];
  if (facts.usedNames.includes(name.toLowerCase()))
    return [{ field, severity: 'error', message: `a guest called "${name}" already exists` }];
  return [];
}

const NETWORK_HELP = 'dhcp, or a static address with its gateway inside the subnet';

function networkFields(prefix: 'vm' | 'lxc'): FieldDef[] {
  const isStatic = (v: Values) => v.ip_mode === 'static';
  const fields: FieldDef[] = [
    {
      id: prefix === 'vm' ? 'network_bridge' : 'network_config.bridge',
      label: 'Bridge',
      kind: 'select',
      help: "The host's bridges (← → or type to choose)",
      options: (facts, v) =>
        bridgeOptions(facts, str(v[prefix === 'vm' ? 'network_bridge' : 'network_config.bridge'])),
      empty: 'no bridge found on the host',
    },
  ];
  if (prefix === 'vm')
    fields.push({
      id: 'network_model',
      label: 'NIC model',
      kind: 'select',
      help: 'virtio is fastest; e1000 for guests without virtio drivers',
      options: () =>
        ['virtio', 'e1000', 'e1000e', 'rtl8139', 'vmxnet3'].map((m) => ({ value: m, label: m })),
    });
  fields.push(
    {
      id: 'network_config.vlan',
      label: 'VLAN tag',
      kind: 'number',
      help: 'Empty for none; 1-4094 tags the bridge port',
    },
    {
      id: 'ip_mode',
      label: 'IPv4',
      kind: 'select',
      help: NETWORK_HELP,
      options: () => [
        { value: 'dhcp', label: 'DHCP' },
        { value: 'static', label: 'static address' },
      ],
    },
    {
      id: 'network_config.ip',
      label: 'Address/prefix',
      kind: 'text',
      help: 'e.g. 10.0.0.50/24',
      when: isStatic,
    },
    {
      id: 'network_config.gw',
      label: 'Gateway',
      kind: 'text',
      help: 'Must be inside the address subnet',
      when: isStatic,
    },
    {
      id: 'network_config.nameserver',
      label: 'DNS servers',
      kind: 'text',
      help: 'Space separated; empty uses the defaults',
    },
  );
  return fields;
}

/** network_config of the entry: only what differs from the defaults' network_config. */
function networkEntry(values: Values, defaults: Record<string, unknown>, lxc: boolean) {
  const base = obj(defaults.network_config);
  const net: Record<string, unknown> = {};
  if (lxc && !base.name) net.name = 'eth0';
  if (lxc && str(values['network_config.bridge']) !== text(base.bridge))
    net.bridge = str(values['network_config.bridge']);
  const isStatic = values.ip_mode === 'static';
  const ip = isStatic ? str(values['network_config.ip']).trim() : 'dhcp';
  if (ip !== text(base.ip)) net.ip = ip;
  if (isStatic) {
    const gw = str(values['network_config.gw']).trim();
    if (gw !== text(base.gw)) net.gw = gw;
  }
  const ns = str(values['network_config.nameserver']).trim();
  if (ns && ns !== text(base.nameserver)) net.nameserver = ns;
  const vlan = str(values['network_config.vlan']).trim();
  if (vlan) net.vlan = numberOrText(vlan);
  return net;
}

function networkInitial(defaults: Record<string, unknown>, lxc: boolean): Record<string, Value> {
  const net = obj(defaults.network_config);
  const ip = text(net.ip);
  return {
    ...(lxc
      ? { 'network_config.bridge': text(net.bridge) || 'vmbr0' }
      : { network_bridge: text(defaults.network_bridge) || 'vmbr0' }),
    ...(lxc ? {} : { network_model: text(defaults.network_model) || 'virtio' }),
    'network_config.vlan': net.vlan === undefined ? '' : text(net.vlan),
    ip_mode: ip && ip !== 'dhcp' && ip !== 'manual' ? 'static' : 'dhcp',
    'network_config.ip': ip && ip !== 'dhcp' ? ip : '',
    'network_config.gw': text(net.gw),
    'network_config.nameserver': text(net.nameserver),
  };
}

function networkLocal(values: Values): DraftProblem[] {
  if (values.ip_mode === 'static' && !str(values['network_config.ip']).trim())
    return [
      {
        field: 'network_config.ip',
        severity: 'error',
        message: 'type the address with its prefix, e.g. 10.0.0.50/24',
      },
    ];
  return [];
}

function networkSummary(values: Values, bridgeKey: string): string {
  const ip = values.ip_mode === 'static' ? str(values['network_config.ip']) : 'dhcp';
  const gw = values.ip_mode === 'static' ? ` gw ${str(values['network_config.gw']) || '-'}` : '';
  const vlan = str(values['network_config.vlan'])
    ? ` vlan ${str(values['network_config.vlan'])}`
    : '';
  return `Network   ${str(values[bridgeKey])}${vlan}, ${ip}${gw}`;
}

function setNumber(
  entry: Record<string, unknown>,
  values: Values,
  defaults: Record<string, unknown>,
  key: string,
): void {
  const raw = str(values[key]).trim();
  if (raw === text(defaults[key])) return;
  entry[key] = numberOrText(raw);
}

function featureOptions(facts: HostFacts, kind: 'vm' | 'lxc'): Option[] {
  return facts.features[kind].map((f) => ({
    value: f.name,
    label: f.description ? `${f.name} - ${f.description}` : f.name,
  }));
}

const yes = (v: Value | undefined) => (flag(v) ? 'yes' : 'no');

// ---- the VM wizard ---------------------------------------------------------------------------

const SSH_DEFAULT = '@default';
const SSH_PASTE = '@paste';
const SSH_NONE = '@none';

export const vmForm: FormDef = {
  kind: 'qemu',
  title: 'New VM',
  noun: 'VM',
  idField: 'vm_id',
  writes: (configDir) => `Writes    ${configDir}/phoenix_vm_configs.json (this entry only)`,
  steps: [
    {
      title: 'General',
      fields: [
        {
          id: 'vm_id',
          label: 'VM ID',
          kind: 'number',
          help: 'The next free ID is suggested; IDs in the config or on the host are refused',
        },
        { id: 'vm_name', label: 'Name', kind: 'text', help: 'Host name: letters, digits and -' },
        { id: 'description', label: 'Description', kind: 'text', help: 'Optional, one line' },
        { id: 'tags', label: 'Tags', kind: 'text', help: 'Comma separated, e.g. web, prod' },
      ],
    },
    {
      title: 'Source',
      fields: [
        {
          id: 'source',
          label: 'Create from',
          kind: 'select',
          help: 'Clone a template, or build a template from a cloud image',
          options: () => [
            { value: 'clone', label: 'clone of a template' },
            { value: 'image', label: 'cloud image (builds a template)' },
          ],
        },
        {
          id: 'clone_from_vmid',
          label: 'Template',
          kind: 'select',
          help: 'Templates on the host and in the config',
          when: (v) => v.source === 'clone',
          options: (facts) =>
            facts.templates
              .filter((t) => t.type === 'qemu')
              .map((t) => ({ value: String(t.id), label: `${t.id} ${t.name} (${t.where})` })),
          empty: 'no VM template on the host or in the config: use a cloud image',
        },
        {
          id: 'template_image',
          label: 'Image file',
          kind: 'text',
          help: 'e.g. noble-server-cloudimg-amd64.img',
          when: (v) => v.source === 'image',
        },
        {
          id: 'image_url',
          label: 'Image URL',
          kind: 'text',
          help: 'Optional: derived from the host config when empty',
          when: (v) => v.source === 'image',
        },
      ],
    },
    {
      title: 'CPU, memory, disk',
      fields: [
        { id: 'cpu_sockets', label: 'Sockets', kind: 'number', help: 'CPU sockets' },
        { id: 'cpu_cores', label: 'Cores', kind: 'number', help: 'Cores per socket' },
        { id: 'memory_mb', label: 'Memory MiB', kind: 'number', help: 'e.g. 4096' },
        { id: 'boot_disk_size_gb', label: 'Disk GiB', kind: 'number', help: 'Boot disk size' },
        {
          id: 'boot_disk_storage',
          label: 'Disk storage',
          kind: 'select',
          help: 'Storages that hold VM disks, with their free space',
          options: (facts, v) => storageOptions(facts.imageStorages, str(v.boot_disk_storage)),
          empty: 'no storage for VM disks found on the host',
        },
      ],
    },
    { title: 'Network', fields: networkFields('vm') },
    {
      title: 'Cloud-init user',
      fields: [
        {
          id: 'user_config.username',
          label: 'User name',
          kind: 'text',
          help: 'The login cloud-init creates',
        },
        {
          id: 'ssh_key',
          label: 'SSH key',
          kind: 'select',
          help: "Keys found in ~/.ssh (*.pub, authorized_keys), the defaults', or paste one",
          options: (facts) => {
            const options: Option[] = [];
            const inherited = text(obj(facts.defaults.vm.user_config).ssh_public_key);
            if (inherited)
              options.push({
                value: SSH_DEFAULT,
                label: `from vm_defaults (${inherited.split(' ').slice(2).join(' ') || inherited.slice(0, 20)})`,
              });
            else options.push({ value: SSH_NONE, label: 'none' });
            for (const key of facts.sshKeys) options.push({ value: key.key, label: key.label });
            options.push({ value: SSH_PASTE, label: 'paste a key' });
            return options;
          },
        },
        {
          id: 'user_config.ssh_public_key',
          label: 'Pasted key',
          kind: 'text',
          help: 'ssh-ed25519 AAAA… comment',
          when: (v) => v.ssh_key === SSH_PASTE,
        },
        {
          id: 'user_config.password_hash',
          label: 'Password',
          kind: 'password',
          help: 'Hashed ($6$) as soon as you leave the field; empty keeps the default',
        },
      ],
    },
    {
      title: 'Features and options',
      fields: [
        {
          id: 'features',
          label: 'Features',
          kind: 'multi',
          help: 'Scripts from features/vm run in the guest (Space ticks)',
          options: (facts) => featureOptions(facts, 'vm'),
          empty: 'no VM features installed',
        },
        {
          id: 'snap_pre',
          label: 'Snapshot: before',
          kind: 'toggle',
          help: 'A "pre-features" snapshot to roll back to',
        },
        {
          id: 'snap_post',
          label: 'Snapshot: after',
          kind: 'toggle',
          help: 'A "post-features" snapshot',
        },
        {
          id: 'is_template',
          label: 'Make a template',
          kind: 'toggle',
          help: 'Convert to a template at the end (others clone it)',
          // A VM built from a cloud image is always a template.
          when: (v) => v.source !== 'image',
        },
        {
          id: 'start_at_boot',
          label: 'Start at boot',
          kind: 'toggle',
          help: 'onboot=1',
        },
      ],
    },
  ],

  initial(facts) {
    const d = facts.defaults.vm;
    const user = obj(d.user_config);
    const firstTemplate = facts.templates.find((t) => t.type === 'qemu');
    return {
      vm_id: String(facts.nextId),
      vm_name: '',
      description: '',
      tags: '',
      source: firstTemplate || d.clone_from_vmid !== undefined ? 'clone' : 'image',
      clone_from_vmid:
        d.clone_from_vmid !== undefined ? text(d.clone_from_vmid) : String(firstTemplate?.id ?? ''),
      template_image: text(d.template_image) || 'noble-server-cloudimg-amd64.img',
      image_url: '',
      cpu_sockets: text(d.cpu_sockets),
      cpu_cores: text(d.cpu_cores),
      memory_mb: text(d.memory_mb),
      boot_disk_size_gb: text(d.boot_disk_size_gb),
      boot_disk_storage: text(d.boot_disk_storage),
      ...networkInitial(d, false),
      'user_config.username': text(user.username),
      // A key from the host is one step away; picking none by default asks for no user name.
      ssh_key: user.ssh_public_key ? SSH_DEFAULT : SSH_NONE,
      'user_config.ssh_public_key': '',
      'user_config.password_hash': '',
      features: Array.isArray(d.features) ? d.features.map(text) : [],
      snap_pre: false,
      snap_post: false,
      is_template: false,
      start_at_boot: false,
    };
  },

  build(values, facts) {
    const d = facts.defaults.vm;
    const entry: Record<string, unknown> = {
      vm_id: numberOrText(str(values.vm_id)),
      vm_name: str(values.vm_name).trim(),
    };
    if (str(values.description).trim()) entry.description = str(values.description).trim();
    const tags = tagsOf(str(values.tags));
    if (tags.length > 0) entry.tags = tags;
    if (values.source === 'clone') {
      const from = str(values.clone_from_vmid);
      if (from && from !== text(d.clone_from_vmid)) entry.clone_from_vmid = numberOrText(from);
    } else {
      entry.template_image = str(values.template_image).trim();
      if (str(values.image_url).trim()) entry.image_url = str(values.image_url).trim();
      entry.is_template = true;
    }
    for (const key of ['cpu_sockets', 'cpu_cores', 'memory_mb', 'boot_disk_size_gb'])
      setNumber(entry, values, d, key);
    for (const key of ['boot_disk_storage', 'network_bridge', 'network_model'])
      if (str(values[key]) !== text(d[key])) entry[key] = str(values[key]);
    const network = networkEntry(values, d, false);
    if (Object.keys(network).length > 0) entry.network_config = network;
    const base = obj(d.user_config);
    const user: Record<string, unknown> = {};
    const username = str(values['user_config.username']).trim();
    if (username && username !== text(base.username)) user.username = username;
    const key =
      values.ssh_key === SSH_PASTE
        ? str(values['user_config.ssh_public_key']).trim()
        : values.ssh_key === SSH_DEFAULT || values.ssh_key === SSH_NONE
          ? ''
          : str(values.ssh_key);
    if (key && key !== text(base.ssh_public_key)) user.ssh_public_key = key;
    const hash = str(values['user_config.password_hash']);
    if (hash) user.password_hash = hash;
    // The schema wants a user_config to name its user, even when only the key or password changes.
    if (Object.keys(user).length > 0) entry.user_config = { username, ...user };
    const features = list(values.features);
    const inherited = Array.isArray(d.features) ? d.features.map(text) : [];
    if (!sameSet(features, inherited)) entry.features = [...features];
    if (flag(values.snap_pre) || flag(values.snap_post))
      entry.snapshots = {
        ...(flag(values.snap_pre) ? { 'pre-features': 'pre-features' } : {}),
        ...(flag(values.snap_post) ? { 'post-features': 'post-features' } : {}),
      };
    if (flag(values.is_template)) entry.is_template = true;
    if (flag(values.start_at_boot)) entry.start_at_boot = true;
    return { kind: 'qemu', entry: entry as GuestDraftVm };
  },

  local(values, facts) {
    const problems = [
      ...idProblems(values, facts, 'vm_id'),
      ...nameProblems(values, facts, 'vm_name'),
      ...networkLocal(values),
    ];
    if (values.source === 'clone' && !str(values.clone_from_vmid))
      problems.push({
        field: 'clone_from_vmid',
        severity: 'error',
        message: 'pick a template to clone (or build from a cloud image)',
      });
    if (values.ssh_key === SSH_PASTE && !str(values['user_config.ssh_public_key']).trim())
      problems.push({
        field: 'user_config.ssh_public_key',
        severity: 'error',
        message: 'paste the public key (one line: type, key, comment)',
      });
    return problems;
  },

  summary(values, facts) {
    const source =
      values.source === 'clone'
        ? `clone of ${str(values.clone_from_vmid)} ${facts.templates.find((t) => String(t.id) === str(values.clone_from_vmid))?.name ?? ''}`
        : `cloud image ${str(values.template_image)}`;
    return [
      `VM        ${str(values.vm_id)} ${str(values.vm_name)}${str(values.tags) ? `  [${tagsOf(str(values.tags)).join(', ')}]` : ''}`,
      `Source    ${source.trim()}`,
      `Hardware  ${str(values.cpu_sockets)}x${str(values.cpu_cores)} cores, ${str(values.memory_mb)} MiB, ${str(values.boot_disk_size_gb)} GiB on ${str(values.boot_disk_storage)}`,
      networkSummary(values, 'network_bridge'),
      `User      ${str(values['user_config.username']) || '-'}, password ${str(values['user_config.password_hash']) ? 'set (hashed)' : 'from defaults or none'}`,
      `Features  ${list(values.features).join(', ') || 'none'}`,
      `Options   template ${values.source === 'image' ? 'yes' : yes(values.is_template)}, start at boot ${yes(values.start_at_boot)}, snapshots ${[flag(values.snap_pre) ? 'pre' : '', flag(values.snap_post) ? 'post' : ''].filter(Boolean).join('+') || 'none'}`,
    ];
  },
};

type GuestDraftVm = Extract<GuestDraft, { kind: 'qemu' }>['entry'];
type GuestDraftCt = Extract<GuestDraft, { kind: 'lxc' }>['entry'];

// ---- the container wizard --------------------------------------------------------------------

/** "host:container[:ro]" pairs, comma separated. */
export function parseMounts(value: string): unknown[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [host_path = '', container_path = '', mode] = part.split(':');
      return {
        host_path,
        container_path,
        ...(mode === 'ro' ? { read_only: true } : {}),
      };
    });
}

export const lxcForm: FormDef = {
  kind: 'lxc',
  title: 'New container',
  noun: 'container',
  idField: 'ctid',
  writes: (configDir) => `Writes    ${configDir}/phoenix_lxc_configs.json (this entry only)`,
  steps: [
    {
      title: 'General',
      fields: [
        {
          id: 'ctid',
          label: 'CT ID',
          kind: 'number',
          help: 'The next free ID is suggested; IDs in the config or on the host are refused',
        },
        { id: 'name', label: 'Host name', kind: 'text', help: 'Letters, digits and -' },
        { id: 'description', label: 'Description', kind: 'text', help: 'Optional, one line' },
        { id: 'tags', label: 'Tags', kind: 'text', help: 'Comma separated, e.g. db, prod' },
      ],
    },
    {
      title: 'Template and type',
      fields: [
        {
          id: 'source',
          label: 'Create from',
          kind: 'select',
          help: 'An OS template, or a clone of a container template',
          options: () => [
            { value: 'os', label: 'OS template' },
            { value: 'clone', label: 'clone of a container template' },
          ],
        },
        {
          id: 'template',
          label: 'OS template',
          kind: 'select',
          help: 'Downloaded ones first; catalogue ones are downloaded at apply (type to search)',
          when: (v) => v.source === 'os',
          options: (facts) =>
            facts.osTemplates.map((t) => ({
              value: t.volid,
              label: `${t.file} (${t.downloaded ? 'downloaded' : 'catalogue'})`,
            })),
          empty: 'no OS template on the host and no catalogue',
        },
        {
          id: 'clone_from_ctid',
          label: 'Template',
          kind: 'select',
          help: 'Container templates on the host and in the config',
          when: (v) => v.source === 'clone',
          options: (facts) =>
            facts.templates
              .filter((t) => t.type === 'lxc')
              .map((t) => ({ value: String(t.id), label: `${t.id} ${t.name} (${t.where})` })),
          empty: 'no container template: use an OS template',
        },
        {
          id: 'unprivileged',
          label: 'Unprivileged',
          kind: 'toggle',
          help: 'Recommended: root in the container is not root on the host',
        },
        {
          id: 'nesting',
          label: 'Nesting',
          kind: 'toggle',
          help: 'Needed for Docker and systemd services in the container',
        },
        {
          id: 'keyctl',
          label: 'keyctl',
          kind: 'toggle',
          help: 'Needed for Docker in unprivileged containers',
        },
      ],
    },
    {
      title: 'Resources',
      fields: [
        { id: 'cores', label: 'Cores', kind: 'number', help: 'CPU cores' },
        { id: 'memory_mb', label: 'Memory MiB', kind: 'number', help: 'e.g. 1024' },
        { id: 'swap_mb', label: 'Swap MiB', kind: 'number', help: 'e.g. 512' },
        { id: 'storage_size_gb', label: 'Root disk GiB', kind: 'number', help: 'rootfs size' },
        {
          id: 'storage_pool',
          label: 'Root storage',
          kind: 'select',
          help: 'Storages that hold container root disks, with their free space',
          options: (facts, v) => storageOptions(facts.rootdirStorages, str(v.storage_pool)),
          empty: 'no storage for container disks found on the host',
        },
      ],
    },
    { title: 'Network', fields: networkFields('lxc') },
    {
      title: 'Mounts and GPU',
      fields: [
        {
          id: 'mount_points',
          label: 'Mount points',
          kind: 'text',
          help: 'host:container[:ro], comma separated, e.g. /tank/media:/media:ro',
        },
        {
          id: 'gpu_assignment',
          label: 'GPUs',
          kind: 'multi',
          help: 'GPUs detected on the host, passed through to the container',
          options: (facts) =>
            facts.gpus.map((g) => ({ value: String(g.index), label: `${g.index} ${g.name}` })),
          empty: 'none detected',
        },
      ],
    },
    {
      title: 'Features and options',
      fields: [
        {
          id: 'features',
          label: 'Features',
          kind: 'multi',
          help: 'Scripts from features/lxc run in the container (Space ticks)',
          options: (facts) => featureOptions(facts, 'lxc'),
          empty: 'no container features installed',
        },
        {
          id: 'enable_lifecycle_snapshots',
          label: 'Lifecycle snaps',
          kind: 'toggle',
          help: 'Snapshots around the feature scripts',
        },
        {
          id: 'is_template',
          label: 'Make a template',
          kind: 'toggle',
          help: 'Convert to a template at the end (others clone it)',
        },
        { id: 'start_at_boot', label: 'Start at boot', kind: 'toggle', help: 'onboot=1' },
      ],
    },
  ],

  initial(facts) {
    const d = facts.defaults.lxc;
    const options = Array.isArray(d.pct_options) ? d.pct_options.map(text) : [];
    const firstOs = facts.osTemplates[0]?.volid ?? '';
    return {
      ctid: String(facts.nextId),
      name: '',
      description: '',
      tags: '',
      source: d.clone_from_ctid !== undefined ? 'clone' : 'os',
      template: text(d.template) || firstOs,
      clone_from_ctid:
        d.clone_from_ctid !== undefined
          ? text(d.clone_from_ctid)
          : String(facts.templates.find((t) => t.type === 'lxc')?.id ?? ''),
      unprivileged: d.unprivileged !== false,
      nesting: options.includes('nesting=1'),
      keyctl: options.includes('keyctl=1'),
      cores: text(d.cores),
      memory_mb: text(d.memory_mb),
      swap_mb: text(d.swap_mb),
      storage_size_gb: text(d.storage_size_gb),
      storage_pool: text(d.storage_pool),
      ...networkInitial(d, true),
      mount_points: '',
      gpu_assignment: [],
      features: Array.isArray(d.features) ? d.features.map(text) : [],
      enable_lifecycle_snapshots: d.enable_lifecycle_snapshots === true,
      is_template: false,
      start_at_boot: false,
    };
  },

  build(values, facts) {
    const d = facts.defaults.lxc;
    const entry: Record<string, unknown> = { name: str(values.name).trim() };
    if (str(values.description).trim()) entry.description = str(values.description).trim();
    const tags = tagsOf(str(values.tags));
    if (tags.length > 0) entry.tags = tags;
    if (values.source === 'clone') {
      const from = str(values.clone_from_ctid);
      if (from && from !== text(d.clone_from_ctid)) entry.clone_from_ctid = numberOrText(from);
    } else if (str(values.template) && str(values.template) !== text(d.template)) {
      entry.template = str(values.template);
    }
    if (flag(values.unprivileged) !== (d.unprivileged !== false))
      entry.unprivileged = flag(values.unprivileged);
    const inheritedOptions = Array.isArray(d.pct_options) ? d.pct_options.map(text) : [];
    const options = inheritedOptions.filter((o) => o !== 'nesting=1' && o !== 'keyctl=1');
    if (flag(values.nesting)) options.push('nesting=1');
    if (flag(values.keyctl)) options.push('keyctl=1');
    if (!sameSet(options, inheritedOptions)) entry.pct_options = options;
    for (const key of ['cores', 'memory_mb', 'swap_mb', 'storage_size_gb'])
      setNumber(entry, values, d, key);
    if (str(values.storage_pool) !== text(d.storage_pool))
      entry.storage_pool = str(values.storage_pool);
    const network = networkEntry(values, d, true);
    if (Object.keys(network).length > 0) entry.network_config = network;
    const mounts = parseMounts(str(values.mount_points));
    if (mounts.length > 0) entry.mount_points = mounts;
    const gpus = list(values.gpu_assignment);
    if (gpus.length > 0)
      entry.gpu_assignment = [...gpus].sort((a, b) => Number(a) - Number(b)).join(',');
    const features = list(values.features);
    const inherited = Array.isArray(d.features) ? d.features.map(text) : [];
    if (!sameSet(features, inherited)) entry.features = [...features];
    if (flag(values.enable_lifecycle_snapshots) !== (d.enable_lifecycle_snapshots === true))
      entry.enable_lifecycle_snapshots = flag(values.enable_lifecycle_snapshots);
    if (flag(values.is_template)) entry.is_template = true;
    if (flag(values.start_at_boot)) entry.start_at_boot = true;
    const ctid = numberOrText(str(values.ctid));
    return {
      kind: 'lxc',
      ctid: typeof ctid === 'number' ? ctid : Number.NaN,
      entry: entry as GuestDraftCt,
    };
  },

  local(values, facts) {
    const problems = [
      ...idProblems(values, facts, 'ctid'),
      ...nameProblems(values, facts, 'name'),
      ...networkLocal(values),
    ];
    if (values.source === 'os' && !str(values.template))
      problems.push({ field: 'template', severity: 'error', message: 'pick an OS template' });
    if (values.source === 'clone' && !str(values.clone_from_ctid))
      problems.push({
        field: 'clone_from_ctid',
        severity: 'error',
        message: 'pick a container template to clone',
      });
    for (const part of str(values.mount_points).split(',')) {
      const p = part.trim();
      if (p && !/^\/[^:]*:\/[^:]*(:ro)?$/.test(p))
        problems.push({
          field: 'mount_points',
          severity: 'error',
          message: `"${p}" is not host-path:container-path[:ro] (both absolute)`,
        });
    }
    return problems;
  },

  summary(values) {
    const source =
      values.source === 'clone' ? `clone of ${str(values.clone_from_ctid)}` : str(values.template);
    const pct = [flag(values.nesting) ? 'nesting' : '', flag(values.keyctl) ? 'keyctl' : '']
      .filter(Boolean)
      .join('+');
    return [
      `Container ${str(values.ctid)} ${str(values.name)}${str(values.tags) ? `  [${tagsOf(str(values.tags)).join(', ')}]` : ''}`,
      `Source    ${source}`,
      `Type      ${flag(values.unprivileged) ? 'unprivileged' : 'privileged'}${pct ? `, ${pct}` : ''}`,
      `Resources ${str(values.cores)} cores, ${str(values.memory_mb)} MiB + ${str(values.swap_mb)} MiB swap, ${str(values.storage_size_gb)} GiB on ${str(values.storage_pool)}`,
      networkSummary(values, 'network_config.bridge'),
      `Mounts    ${str(values.mount_points) || 'none'}; GPUs ${list(values.gpu_assignment).join(',') || 'none'}`,
      `Features  ${list(values.features).join(', ') || 'none'}`,
      `Options   template ${yes(values.is_template)}, start at boot ${yes(values.start_at_boot)}, lifecycle snapshots ${yes(values.enable_lifecycle_snapshots)}`,
    ];
  },
};

export function formFor(kind: GuestType): FormDef {
  return kind === 'qemu' ? vmForm : lxcForm;
}
