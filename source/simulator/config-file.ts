// Proxmox guest config files (reference §9): description comments, sorted `key: value` lines,
// raw lxc.* lines, then [PENDING]/[pve:pending], [special:cloudinit] and [snapshot] sections.

export interface ConfigSection {
  /** Keys and values; the description is kept under `description`. */
  props: Record<string, string>;
  /** Raw `lxc.*` lines in file order (containers only). */
  lxc: [string, string][];
}

export interface GuestConfig {
  main: ConfigSection;
  pending?: ConfigSection;
  cloudinit?: ConfigSection;
  snapshots: Record<string, ConfigSection>;
}

/** Description encoding used by Proxmox for config comments and `qm config` output. */
export function encodeDescription(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (byte < 0x20 || byte > 0x7e || ch === '%' || ch === ':') {
      out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
    } else out += ch;
  }
  return out;
}

export function decodeDescription(text: string): string {
  try {
    return decodeURIComponent(text.replace(/%(?![0-9A-Fa-f]{2})/g, '%25'));
  } catch {
    return text;
  }
}

const emptySection = (): ConfigSection => ({ props: {}, lxc: [] });

export function parseConfig(text: string): GuestConfig {
  const config: GuestConfig = { main: emptySection(), snapshots: {} };
  let section = config.main;
  let descr: string[] = [];
  const flushDescr = () => {
    if (descr.length && section.props.description === undefined) {
      section.props.description = descr.join('\n');
    }
    descr = [];
  };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const header = /^\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      flushDescr();
      const name = header[1]!;
      section = emptySection();
      if (name === 'PENDING' || name === 'pve:pending') config.pending = section;
      else if (name === 'special:cloudinit') config.cloudinit = section;
      else config.snapshots[name] = section;
      continue;
    }
    if (line.startsWith('#')) {
      descr.push(decodeDescription(line.slice(1)));
      continue;
    }
    const lxc = /^(lxc\.[^:=\s]+)\s*[:=]\s*(.*)$/.exec(line);
    if (lxc) {
      section.lxc.push([lxc[1]!, lxc[2]!]);
      continue;
    }
    const kv = /^([a-z][a-z0-9_-]*)\s*:\s*(.*)$/i.exec(line);
    if (kv) section.props[kv[1]!] = kv[2]!;
  }
  flushDescr();
  return config;
}

function writeSection(section: ConfigSection, header?: string): string {
  let out = header ? `[${header}]\n` : '';
  const { description, ...rest } = section.props;
  if (description !== undefined && description !== '') {
    for (const line of description.split('\n')) out += `#${encodeDescription(line)}\n`;
  }
  for (const key of Object.keys(rest).sort()) out += `${key}: ${rest[key]}\n`;
  for (const [key, value] of section.lxc) out += `${key}: ${value}\n`;
  return out;
}

export function writeConfig(config: GuestConfig, kind: 'qemu' | 'lxc'): string {
  const parts = [writeSection(config.main)];
  const hasPending =
    config.pending &&
    (Object.keys(config.pending.props).length > 0 || config.pending.lxc.length > 0);
  if (hasPending)
    parts.push(writeSection(config.pending!, kind === 'qemu' ? 'PENDING' : 'pve:pending'));
  if (config.cloudinit) {
    parts.push(writeSection(config.cloudinit, 'special:cloudinit'));
  }
  for (const name of Object.keys(config.snapshots).sort()) {
    parts.push(writeSection(config.snapshots[name]!, name));
  }
  return parts.join('\n');
}

/** The config as qm/pct config shows it: pending values applied, pending deletions removed. */
export function effectiveProps(config: GuestConfig, current: boolean): Record<string, string> {
  const props = { ...config.main.props };
  if (!current && config.pending) {
    const { delete: deletions, ...changes } = config.pending.props;
    Object.assign(props, changes);
    for (const key of (deletions ?? '').split(',').filter(Boolean))
      delete props[key.replace(/^!/, '')];
  }
  return props;
}
