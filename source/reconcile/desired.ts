import type { LxcSpec, NetworkConfig, VmSpec } from '../config/types.js';
import {
  parseLxcNet,
  parsePropertyString,
  parseQemuNet,
  QEMU_NIC_MODELS,
} from '../inventory/parse-config.js';
import type { GuestConfig } from '../inventory/types.js';
import * as norm from './normalise.js';

/**
 * One Proxmox setting a guest's config asks for. Only fields the config declares (in the guest
 * or in its defaults block) become settings: Phoenix manages those and leaves the rest alone.
 */
export interface DesiredSetting {
  /** The config field it comes from, as the user wrote it (`cpu_cores`, `network_config.ip`). */
  field: string;
  /** The Proxmox option (`cores`, `net0`, `ipconfig0`). */
  key: string;
  /** The desired value, normalised, for display. */
  desired: string;
  /** The live value, normalised, for display; undefined when the option is unset. */
  live(config: GuestConfig): string | undefined;
  inSync(config: GuestConfig): boolean;
  /** The argument Phoenix passes as `--<key> <value>`; keeps what must survive (a NIC's MAC). */
  value(config: GuestConfig | undefined): string;
  /** Proxmox cannot change it after creation (an LXC's `unprivileged`). */
  immutable?: boolean;
  /** Never shown: compared only for presence (the cloud-init password hash). */
  secret?: boolean;
}

/** A setting whose desired and live values compare as normalised strings. */
function plain(
  field: string,
  key: string,
  desired: string,
  normalise: (raw: string | undefined) => string,
  extra: Partial<DesiredSetting> = {},
): DesiredSetting {
  const wanted = normalise(desired);
  return {
    field,
    key,
    desired: wanted,
    live: (config) =>
      config.values[key] === undefined ? undefined : normalise(config.values[key]),
    inSync: (config) => normalise(config.values[key]) === wanted,
    value: () => desired,
    ...extra,
  };
}

/** A NIC compared on the property keys the config sets, ignoring the rest (MACs, rates, …). */
function nicSetting(definition: {
  field: string;
  key: string;
  wanted: Record<string, string | undefined>;
  liveProps(config: GuestConfig): Record<string, string> | undefined;
  value(config: GuestConfig | undefined, keys: string[]): string;
}): DesiredSetting {
  const keys = Object.keys(definition.wanted).filter(
    (name) => definition.wanted[name] !== undefined,
  );
  const desired = norm.properties(definition.wanted, keys);
  const live = (config: GuestConfig) => {
    const props = definition.liveProps(config);
    return props && norm.properties(props, keys);
  };
  return {
    field: definition.field,
    key: definition.key,
    desired,
    live,
    inSync: (config) => live(config) === desired,
    value: (config) => definition.value(config, keys),
  };
}

const identity = (raw: string | undefined) => raw ?? '';
const declared = (spec: VmSpec | LxcSpec, field: string) => spec.declared.includes(field);

function description(spec: VmSpec | LxcSpec): DesiredSetting {
  return {
    field: 'description',
    key: 'description',
    desired: norm.text(spec.description),
    live: (config) => config.description,
    inSync: (config) => norm.text(config.description) === norm.text(spec.description),
    value: () => spec.description,
  };
}

function startup(spec: VmSpec | LxcSpec): string {
  const parts: string[] = [];
  if (spec.boot_order !== undefined) parts.push(`order=${spec.boot_order}`);
  if (spec.boot_delay !== undefined) parts.push(`up=${spec.boot_delay}`);
  return parts.join(',');
}

function commonSettings(spec: VmSpec | LxcSpec): DesiredSetting[] {
  const settings: DesiredSetting[] = [];
  if (declared(spec, 'description') && spec.description !== '') settings.push(description(spec));
  if (declared(spec, 'tags'))
    settings.push(plain('tags', 'tags', norm.tags(spec.tags), (raw) => norm.tags(raw)));
  if (declared(spec, 'start_at_boot'))
    settings.push(plain('start_at_boot', 'onboot', spec.start_at_boot ? '1' : '0', norm.flag));
  if (declared(spec, 'boot_order') || declared(spec, 'boot_delay')) {
    const wanted = startup(spec);
    if (wanted) settings.push(plain('boot_order', 'startup', wanted, norm.startup));
  }
  return settings;
}

// ---------------------------------------------------------------------------------------------
// VMs

/** `ip=10.0.0.5/24,gw=10.0.0.1` or `ip=dhcp`, as `--ipconfig0` takes it. */
export function ipconfig(network: NetworkConfig): string {
  if (network.ip === 'dhcp') return 'ip=dhcp';
  return network.gw ? `ip=${network.ip},gw=${network.gw}` : `ip=${network.ip}`;
}

function vmNet(spec: VmSpec): DesiredSetting {
  const wanted: Record<string, string | undefined> = {
    model: spec.network_model,
    bridge: spec.network_config?.bridge ?? spec.network_bridge,
    tag: spec.network_config?.vlan === undefined ? undefined : String(spec.network_config.vlan),
    firewall:
      spec.network_config?.firewall === undefined
        ? undefined
        : spec.network_config.firewall
          ? '1'
          : '0',
    mtu: spec.network_config?.mtu === undefined ? undefined : String(spec.network_config.mtu),
  };
  return nicSetting({
    field: 'network_model/network_bridge',
    key: 'net0',
    wanted,
    liveProps: (config) => {
      const raw = config.values.net0;
      if (raw === undefined) return undefined;
      const nic = parseQemuNet('net0', raw);
      return { ...nic.options, model: nic.model, firewall: nic.firewall ? '1' : '0' };
    },
    value: (config, keys) => {
      // Keep the NIC's MAC and every option Phoenix does not manage (rate, queues, …).
      const current = config?.values.net0 ? parseQemuNet('net0', config.values.net0) : undefined;
      const mac = current?.mac ?? spec.network_config?.hwaddr?.toUpperCase();
      const rest: Record<string, string> = { ...(current?.options ?? {}) };
      delete rest.model;
      delete rest.macaddr;
      for (const model of QEMU_NIC_MODELS) delete rest[model];
      for (const key of keys) if (key !== 'model') rest[key] = wanted[key]!;
      const head = mac ? `${spec.network_model}=${mac}` : spec.network_model;
      return [
        head,
        ...Object.keys(rest)
          .sort()
          .map((key) => `${key}=${rest[key]}`),
      ].join(',');
    },
  });
}

export function vmSettings(spec: VmSpec): DesiredSetting[] {
  const settings: DesiredSetting[] = [];
  settings.push(plain('vm_name', 'name', spec.vm_name, identity));
  if (declared(spec, 'cpu_sockets'))
    settings.push(
      plain('cpu_sockets', 'sockets', String(spec.cpu_sockets), (raw) => norm.integer(raw, 1)),
    );
  if (declared(spec, 'cpu_cores'))
    settings.push(
      plain('cpu_cores', 'cores', String(spec.cpu_cores), (raw) => norm.integer(raw, 1)),
    );
  if (declared(spec, 'memory_mb'))
    settings.push(
      plain('memory_mb', 'memory', String(spec.memory_mb), (raw) => norm.memoryMb(raw)),
    );
  if (declared(spec, 'os_type'))
    settings.push(plain('os_type', 'ostype', spec.os_type, (raw) => raw ?? 'other'));
  if (
    declared(spec, 'network_bridge') ||
    declared(spec, 'network_model') ||
    declared(spec, 'network_config')
  )
    settings.push(vmNet(spec));
  // Phoenix drives VMs through the guest agent and shows their console on the serial port.
  settings.push({
    ...plain('(phoenix)', 'agent', 'enabled=1', (raw) => `enabled=${norm.agentEnabled(raw)}`),
    field: 'guest agent',
  });
  settings.push({ ...plain('(phoenix)', 'serial0', 'socket', identity), field: 'serial console' });
  settings.push(...commonSettings(spec));
  const network = spec.network_config;
  if (network) {
    settings.push(
      plain('network_config.ip', 'ipconfig0', ipconfig(network), (raw) =>
        norm.properties(parsePropertyString(raw ?? ''), ['ip', 'gw', 'ip6', 'gw6']),
      ),
    );
    if (network.nameserver)
      settings.push(
        plain('network_config.nameserver', 'nameserver', network.nameserver, norm.nameservers),
      );
    if (network.searchdomain)
      settings.push(
        plain('network_config.searchdomain', 'searchdomain', network.searchdomain, identity),
      );
  }
  const user = spec.user_config;
  if (user?.username)
    settings.push(plain('user_config.username', 'ciuser', user.username, identity));
  if (user?.ssh_public_key) {
    const wanted = norm.sshKeys(user.ssh_public_key, false);
    settings.push({
      field: 'user_config.ssh_public_key',
      key: 'sshkeys',
      desired: wanted,
      live: (config) =>
        config.values.sshkeys === undefined ? undefined : norm.sshKeys(config.values.sshkeys, true),
      inSync: (config) => norm.sshKeys(config.values.sshkeys, true) === wanted,
      value: () => `${user.ssh_public_key!.trim()}\n`,
    });
  }
  if (user?.password_hash) {
    settings.push({
      field: 'user_config.password_hash',
      key: 'cipassword',
      desired: '(set)',
      secret: true,
      live: (config) => (config.values.cipassword === undefined ? undefined : '(set)'),
      // Proxmox shows the stored hash masked, so only its presence can be checked.
      inSync: (config) => config.values.cipassword !== undefined,
      value: () => user.password_hash!,
    });
  }
  return settings;
}

// ---------------------------------------------------------------------------------------------
// Containers

function lxcNet(
  key: 'net0' | 'net1',
  field: string,
  network: NetworkConfig,
  defaultName: string,
): DesiredSetting {
  const wanted: Record<string, string | undefined> = {
    name: network.name ?? defaultName,
    bridge: network.bridge ?? 'vmbr0',
    ip: network.ip,
    gw: network.ip === 'dhcp' || network.ip === 'manual' ? undefined : network.gw,
    tag: network.vlan === undefined ? undefined : String(network.vlan),
    firewall: network.firewall === undefined ? undefined : network.firewall ? '1' : '0',
    hwaddr: network.hwaddr?.toUpperCase(),
    mtu: network.mtu === undefined ? undefined : String(network.mtu),
  };
  return nicSetting({
    field,
    key,
    wanted,
    liveProps: (config) => {
      const raw = config.values[key];
      if (raw === undefined) return undefined;
      const nic = parseLxcNet(key, raw);
      return {
        ...nic.options,
        firewall: nic.firewall ? '1' : '0',
        ...(nic.mac ? { hwaddr: nic.mac } : {}),
      };
    },
    value: (config, keys) => {
      const current = config?.values[key] ? parseLxcNet(key, config.values[key]) : undefined;
      const merged: Record<string, string> = { ...(current?.options ?? {}) };
      delete merged.type;
      if (wanted.gw === undefined) delete merged.gw;
      for (const name of keys) merged[name] = wanted[name]!;
      if (!merged.hwaddr && current?.mac) merged.hwaddr = current.mac;
      const rest = Object.keys(merged)
        .filter((name) => name !== 'name')
        .sort()
        .map((name) => `${name}=${merged[name]}`);
      return [`name=${merged.name}`, ...rest].join(',');
    },
  });
}

export function lxcSettings(spec: LxcSpec): DesiredSetting[] {
  const settings: DesiredSetting[] = [];
  settings.push(plain('name', 'hostname', spec.name, identity));
  if (declared(spec, 'memory_mb'))
    settings.push(
      plain('memory_mb', 'memory', String(spec.memory_mb), (raw) => norm.memoryMb(raw)),
    );
  if (declared(spec, 'swap_mb'))
    settings.push(plain('swap_mb', 'swap', String(spec.swap_mb), (raw) => norm.integer(raw, 512)));
  if (declared(spec, 'cores'))
    settings.push(
      plain('cores', 'cores', String(spec.cores), (raw) =>
        raw === undefined ? 'all host cores' : String(Number(raw)),
      ),
    );
  settings.push(lxcNet('net0', 'network_config', spec.network_config, 'eth0'));
  if (spec.secondary_network_config)
    settings.push(
      lxcNet('net1', 'secondary_network_config', spec.secondary_network_config, 'eth1'),
    );
  const nameserver = spec.network_config.nameserver;
  if (nameserver)
    settings.push(plain('network_config.nameserver', 'nameserver', nameserver, norm.nameservers));
  if (spec.network_config.searchdomain)
    settings.push(
      plain(
        'network_config.searchdomain',
        'searchdomain',
        spec.network_config.searchdomain,
        identity,
      ),
    );
  if (declared(spec, 'unprivileged'))
    settings.push(
      plain('unprivileged', 'unprivileged', spec.unprivileged ? '1' : '0', norm.flag, {
        immutable: true,
      }),
    );
  if (spec.pct_options.length > 0)
    settings.push(
      plain('pct_options', 'features', norm.featureList(spec.pct_options), (raw) =>
        norm.featureList(raw),
      ),
    );
  settings.push(...commonSettings(spec));
  return settings;
}
