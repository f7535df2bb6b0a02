import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { LINUX_USER_NAME } from '../config/formats.js';
import { templatesDir } from '../util/paths.js';
import { UserError } from '../util/user-error.js';
import type { CloudInitFile, CloudInitInput, CloudInitNetwork } from './types.js';

/**
 * Cloud-init documents are built as data from the base documents in templates/ and written with
 * the YAML 1.1 schema that cloud-init's PyYAML reads: "yes", "on", "10:30" or "0755" come out
 * quoted, multi-line scripts as block literals, and no value is ever pasted into text.
 */
type YamlMap = Record<string, unknown>;

const USER_DATA_HEADER = '#cloud-config\n';
const SUDO_ALL = 'ALL=(ALL) NOPASSWD:ALL';

export function renderUserData(input: CloudInitInput, templates = templatesDir()): string {
  checkInput(input);
  const doc = loadTemplate(templates, 'user-data.yaml');
  const { user } = input;

  doc.hostname = input.hostname;
  if (input.fqdn) {
    doc.fqdn = input.fqdn;
    doc.prefer_fqdn_over_hostname = false;
  }
  const entry: YamlMap = {
    name: user.name,
    shell: user.shell ?? '/bin/bash',
    lock_passwd: user.passwordHash === undefined,
  };
  if (user.sudo ?? true) entry.sudo = SUDO_ALL;
  if (user.groups?.length) entry.groups = user.groups.join(', ');
  if (user.passwordHash !== undefined) entry.passwd = user.passwordHash;
  if (user.sshAuthorizedKeys.length) entry.ssh_authorized_keys = [...user.sshAuthorizedKeys];
  doc.users = [entry];
  doc.ssh_pwauth = Boolean(user.sshPasswordAuth && user.passwordHash !== undefined);
  if (input.packageUpgrade !== undefined) doc.package_upgrade = input.packageUpgrade;

  const packages = asArray<string>(doc.packages);
  for (const name of input.packages ?? []) if (!packages.includes(name)) packages.push(name);
  doc.packages = packages;

  if (input.files?.length) doc.write_files = input.files.map(writeFile);
  doc.runcmd = [...asArray<unknown>(doc.runcmd), ...(input.runcmd ?? []).map((cmd) => [...cmd])];

  return USER_DATA_HEADER + stringify(doc);
}

export function renderNetworkConfig(input: CloudInitInput, templates = templatesDir()): string {
  checkNetwork(input.network);
  const doc = loadTemplate(templates, 'network-config.yaml');
  const network = (doc.network ?? {}) as YamlMap;
  const nic = input.network;
  const id = nic.name ?? 'eth0';
  const ethernet: YamlMap = {};
  if (nic.macAddress) {
    ethernet.match = { macaddress: nic.macAddress.toLowerCase() };
    ethernet['set-name'] = id;
  }
  if (nic.mode === 'dhcp') {
    ethernet.dhcp4 = true;
    if (nic.nameservers?.length || nic.search?.length) {
      ethernet['dhcp4-overrides'] = { 'use-dns': false };
      ethernet.nameservers = nameservers(nic.nameservers ?? [], nic.search ?? []);
    }
  } else {
    ethernet.dhcp4 = false;
    ethernet.addresses = [nic.address];
    // "0.0.0.0/0" rather than "default": netplan takes both, cloud-init before 23.x (Debian 12's
    // 22.4, which converts v2 for ifupdown) rejects "default".
    if (nic.gateway) ethernet.routes = [{ to: '0.0.0.0/0', via: nic.gateway }];
    if (nic.nameservers.length || nic.search.length) {
      ethernet.nameservers = nameservers(nic.nameservers, nic.search);
    }
  }
  network.ethernets = { [id]: ethernet };
  doc.network = network;
  return stringify(doc);
}

/** NoCloud meta-data: instance-id (default: the hostname) and local-hostname. */
export function renderMetaData(input: CloudInitInput, templates = templatesDir()): string {
  checkHostname(input.hostname);
  const doc = loadTemplate(templates, 'meta-data.yaml');
  doc['instance-id'] = input.instanceId ?? input.hostname;
  doc['local-hostname'] = input.hostname;
  return stringify(doc);
}

function nameservers(addresses: string[], search: string[]): YamlMap {
  const out: YamlMap = {};
  if (addresses.length) out.addresses = [...addresses];
  if (search.length) out.search = [...search];
  return out;
}

function writeFile(file: CloudInitFile): YamlMap {
  return {
    path: file.path,
    content: file.content,
    owner: file.owner ?? 'root:root',
    permissions: file.permissions ?? '0644',
  };
}

function loadTemplate(dir: string, name: string): YamlMap {
  const value: unknown = YAML.parse(readFileSync(join(dir, name), 'utf8'), { version: '1.1' });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`template ${name} is not a YAML mapping`);
  }
  return value as YamlMap;
}

function stringify(doc: YamlMap): string {
  return YAML.stringify(doc, { version: '1.1', lineWidth: 0, minContentWidth: 0 });
}

function asArray<T>(value: unknown): T[] {
  return Array.isArray(value) ? [...(value as T[])] : [];
}

// --- input checks: a wrong value gets a clear error instead of a VM that does not boot right ---

const HOSTNAME = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const FQDN = /^(?=.{1,253}$)((?!-)[A-Za-z0-9-]{1,63}(?<!-)\.)+(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const MAC = /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/;
const MODE = /^0?[0-7]{3,4}$/;

function invalid(what: string, hint: string): never {
  throw new UserError(`cloud-init: ${what}`, { hint });
}

function checkHostname(hostname: string): void {
  if (!HOSTNAME.test(hostname)) {
    invalid(
      `hostname "${hostname}" is not a valid host name`,
      'use letters, digits and "-", at most 63 characters',
    );
  }
}

function checkInput(input: CloudInitInput): void {
  checkHostname(input.hostname);
  if (input.fqdn !== undefined && !FQDN.test(input.fqdn)) {
    invalid(`fqdn "${input.fqdn}" is not a fully qualified domain name`, 'e.g. web01.lab.example');
  }
  if (!LINUX_USER_NAME.test(input.user.name)) {
    invalid(
      `user name "${input.user.name}" is not a valid Linux user name`,
      'lower-case letters, digits, "_" and "-"',
    );
  }
  const hash = input.user.passwordHash;
  if (hash !== undefined && !/^\$[0-9a-z]+\$/.test(hash)) {
    // Never echo the value: it may be a plain password typed into the wrong field.
    invalid(
      'user password_hash is not a crypt(3) hash',
      'generate one with `mkpasswd -m sha-512` or `openssl passwd -6`',
    );
  }
  for (const file of input.files ?? []) {
    if (!file.path.startsWith('/'))
      invalid(
        `write_files path "${file.path}" is not absolute`,
        'use a path like /var/lib/phoenix/...',
      );
    if (file.permissions !== undefined && !MODE.test(file.permissions)) {
      invalid(
        `write_files permissions "${file.permissions}" for ${file.path} is not an octal mode`,
        'e.g. "0755"',
      );
    }
  }
  checkNetwork(input.network);
}

function checkNetwork(network: CloudInitNetwork): void {
  if (network.name !== undefined && !/^[A-Za-z0-9_.-]{1,15}$/.test(network.name)) {
    invalid(
      `interface name "${network.name}" is not valid`,
      'at most 15 letters, digits, "_", "." or "-"',
    );
  }
  if (network.macAddress !== undefined && !MAC.test(network.macAddress)) {
    invalid(`MAC address "${network.macAddress}" is not valid`, 'e.g. BC:24:11:2A:3B:4C');
  }
  for (const server of network.nameservers ?? []) {
    if (!IPV4.test(server) && !/^[0-9A-Fa-f:]+$/.test(server))
      invalid(`nameserver "${server}" is not an IP address`, 'e.g. 10.0.0.13');
  }
  if (network.mode === 'static') {
    const [ip, prefix, extra] = network.address.split('/');
    if (
      !ip ||
      !IPV4.test(ip) ||
      prefix === undefined ||
      extra !== undefined ||
      !/^\d{1,2}$/.test(prefix) ||
      Number(prefix) > 32
    ) {
      invalid(`static address "${network.address}" is not IPv4 CIDR`, 'e.g. 10.0.0.101/24');
    }
    if (network.gateway !== undefined && !IPV4.test(network.gateway)) {
      invalid(`gateway "${network.gateway}" is not an IPv4 address`, 'e.g. 10.0.0.1');
    }
  }
}
