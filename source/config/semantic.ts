import { featureAliases, listFeatures, resolveFeature } from '../features/catalog.js';
import { declaredAt, type GuestEntry } from './guests.js';
import { inSubnet, isIPv4, parseCidr, subnetText } from './net.js';
import { isObject, type CanonicalDocs } from './normalise.js';
import type { DocRef, Reporter } from './reporter.js';
import { didYouMean } from './suggest.js';
import { SSH_PUBLIC_KEY } from './formats.js';

/** crypt(3) hashes: $1$ md5, $5$/$6$ sha-crypt, $2a/b/y$ bcrypt, $y$ yescrypt, $gy$, $7$ scrypt. */
const CRYPT_HASH = /^\$(1|2[abxy]|5|6|7|y|gy|sha1|md5)\$[^\s]+$/;

export interface SemanticOptions {
  featuresRoot?: string;
}

/** Checks across keys, guests and files that a schema cannot express. */
export function checkSemantics(
  docs: CanonicalDocs,
  guests: GuestEntry[],
  reporter: Reporter,
  options: SemanticOptions,
): void {
  checkDefaultsBlocks(docs, reporter);
  checkIds(guests, reporter);
  checkNames(guests, reporter);
  for (const guest of guests) {
    checkGuestNetworks(guest, reporter);
    checkSource(guest, guests, reporter);
    checkFeatures(guest, reporter, options.featuresRoot);
    checkUser(guest, reporter);
    if (guest.kind === 'lxc') checkContainerTemplate(guest, reporter);
    checkSnapshotNames(guest, reporter);
  }
  checkDuplicateIps(guests, reporter);
  checkDependencies(guests, reporter);
  checkCycles(guests, reporter);
  checkHypervisor(docs.hypervisor, reporter);
}

function checkDefaultsBlocks(docs: CanonicalDocs, reporter: Reporter): void {
  const blocks: [DocRef, string, string[]][] = [
    [docs.vm, 'vm_defaults', ['vm_id', 'vm_name']],
    [docs.lxc, 'lxc_defaults', ['name']],
  ];
  for (const [doc, key, identity] of blocks) {
    const block = doc.value[key];
    if (!isObject(block)) continue;
    for (const name of identity) {
      if (name in block) {
        reporter.error(doc, [key, name], `"${name}" identifies one guest and cannot be a default`, {
          atKey: true,
          hint: `move it into the guest's own entry`,
        });
      }
    }
  }
}

function checkIds(guests: GuestEntry[], reporter: Reporter): void {
  const seen = new Map<number, GuestEntry>();
  for (const guest of guests) {
    if (guest.id === undefined) continue;
    const first = seen.get(guest.id);
    if (!first) {
      seen.set(guest.id, guest);
      continue;
    }
    const where = reporter.build('error', first.doc, first.path, '');
    const cross = first.kind !== guest.kind;
    const path = guest.kind === 'qemu' ? [...guest.path, 'vm_id'] : guest.path;
    reporter.error(
      guest.doc,
      path,
      `ID ${guest.id} is already used by ${first.label} at ${where.file}:${where.line}:${where.column}${cross ? ' — VMs and containers share one ID space in Proxmox' : ''}`,
      {
        atKey: guest.kind === 'lxc',
        hint: 'give each guest its own ID (IDs are unique across VMs and containers)',
      },
    );
  }
}

function checkNames(guests: GuestEntry[], reporter: Reporter): void {
  const seen = new Map<string, GuestEntry>();
  for (const guest of guests) {
    if (!guest.name) continue;
    const key = guest.name.toLowerCase();
    const first = seen.get(key);
    if (!first) {
      seen.set(key, guest);
      continue;
    }
    const where = reporter.build('error', first.doc, first.path, '');
    reporter.error(
      guest.doc,
      [...guest.path, guest.kind === 'qemu' ? 'vm_name' : 'name'],
      `name "${guest.name}" is already used by ${first.label} at ${where.file}:${where.line}:${where.column}`,
      { hint: 'guest names are host names and must be unique' },
    );
  }
}

function checkGuestNetworks(guest: GuestEntry, reporter: Reporter): void {
  for (const key of ['network_config', 'secondary_network_config']) {
    const network = guest.merged[key];
    if (!isObject(network)) continue;
    const at = (field: string) => declaredAt(guest, key, field);
    const ip = network.ip;
    const gw = network.gw;
    if (ip === undefined) {
      const own = key in guest.own;
      reporter.error(
        guest.doc,
        own ? [...guest.path, key] : guest.path,
        `${guest.label}: ${key} has no "ip"`,
        {
          hint: `add "ip": "dhcp" or a static address such as "10.0.0.101/24" to ${own ? 'it' : `the guest's ${key}`}`,
        },
      );
      continue;
    }
    if (typeof ip !== 'string') continue;
    const special = ip === 'dhcp' || (guest.kind === 'lxc' && ip === 'manual');
    let cidr = undefined;
    if (!special) {
      cidr = parseCidr(ip);
      if (!cidr) {
        const bare = isIPv4(ip);
        reporter.error(
          guest.doc,
          at('ip'),
          `"${ip}" is not an IPv4 address in CIDR form${guest.kind === 'lxc' ? ', dhcp or manual' : ' or dhcp'}`,
          {
            hint: bare
              ? `add the prefix length, e.g. "${ip}/24"`
              : 'write e.g. "10.0.0.101/24" or "dhcp"',
          },
        );
      } else if (
        cidr.prefix < 31 &&
        (cidr.value === cidr.network || cidr.value === cidr.broadcast)
      ) {
        reporter.error(
          guest.doc,
          at('ip'),
          `${cidr.address} is the ${cidr.value === cidr.network ? 'network' : 'broadcast'} address of ${subnetText(cidr)}, not a host address`,
          { hint: 'pick a host address inside the subnet, e.g. .10 to .254 in a /24' },
        );
      }
    }
    if (typeof gw === 'string') {
      if (!isIPv4(gw)) {
        reporter.error(guest.doc, at('gw'), `"${gw}" is not an IPv4 address`, {
          hint: 'write the gateway without a prefix, e.g. "10.0.0.1"',
        });
      } else if (cidr && !inSubnet(cidr, gw)) {
        reporter.error(
          guest.doc,
          at('gw'),
          `gateway ${gw} is outside the subnet ${subnetText(cidr)} of ip ${ip}`,
          {
            hint: `use a gateway inside ${subnetText(cidr)}, or fix the ip's prefix length`,
          },
        );
      } else if (cidr && gw === cidr.address) {
        reporter.error(guest.doc, at('gw'), `gateway ${gw} is the guest's own address`, {
          hint: 'the gateway is your router, e.g. .1',
        });
      }
    } else if (cidr && guest.kind === 'qemu' && key === 'network_config') {
      reporter.warning(
        guest.doc,
        at('ip'),
        `static ip ${ip} has no gateway (gw): the VM will have no default route`,
        {
          hint: `add "gw", e.g. "gw": "${subnetText(cidr).replace(/\.\d+\/\d+$/, '.1')}"`,
        },
      );
    }
    if (typeof network.nameserver === 'string') {
      for (const server of network.nameserver.split(/[\s,]+/).filter(Boolean)) {
        if (!isIPv4(server) && !server.includes(':')) {
          reporter.error(
            guest.doc,
            at('nameserver'),
            `nameserver "${server}" is not an IP address`,
            {
              hint: 'list resolver addresses separated by spaces, e.g. "10.0.0.1 1.1.1.1"',
            },
          );
        }
      }
    }
  }
}

function checkDuplicateIps(guests: GuestEntry[], reporter: Reporter): void {
  const seen = new Map<string, GuestEntry>();
  for (const guest of guests) {
    for (const key of ['network_config', 'secondary_network_config']) {
      const network = guest.merged[key];
      if (!isObject(network) || typeof network.ip !== 'string') continue;
      const cidr = parseCidr(network.ip);
      if (!cidr) continue;
      const first = seen.get(cidr.address);
      if (first && first !== guest) {
        reporter.error(
          guest.doc,
          declaredAt(guest, key, 'ip'),
          `ip ${cidr.address} is also used by ${first.label}`,
          {
            hint: 'each guest needs its own address',
          },
        );
      } else seen.set(cidr.address, guest);
    }
  }
}

function findGuest(guests: GuestEntry[], ref: unknown): GuestEntry | undefined {
  if (typeof ref === 'number') return guests.find((guest) => guest.id === ref);
  if (typeof ref === 'string')
    return guests.find((guest) => guest.name?.toLowerCase() === ref.toLowerCase());
  return undefined;
}

function checkSource(guest: GuestEntry, guests: GuestEntry[], reporter: Reporter): void {
  const cloneKey = guest.kind === 'qemu' ? 'clone_from_vmid' : 'clone_from_ctid';
  const source = guest.merged[cloneKey];
  if (typeof source === 'number') {
    const target = findGuest(guests, source);
    const at = declaredAt(guest, cloneKey);
    if (target === guest) {
      reporter.error(guest.doc, at, `${guest.label} cannot be cloned from itself`, {
        hint:
          guest.kind === 'qemu'
            ? 'templates built from an image use template_image, not clone_from_vmid'
            : 'use "template" for a container built from an OS template',
      });
    } else if (target && target.kind !== guest.kind) {
      reporter.error(
        guest.doc,
        at,
        `${source} is ${target.label}; ${cloneKey} must name a ${guest.kind === 'qemu' ? 'VM' : 'container'}`,
        {
          hint: `clone from a ${guest.kind === 'qemu' ? 'VM template' : 'container template'}`,
        },
      );
    } else if (!target) {
      reporter.warning(
        guest.doc,
        at,
        `clone source ${source} is not in the config; it must exist on the host (the plan checks)`,
        {
          hint: 'add the template to the config so Phoenix can build it, or make sure it exists on the host',
        },
      );
    }
    return;
  }
  const hasSource =
    guest.kind === 'qemu'
      ? typeof guest.merged.template_name === 'string' ||
        typeof guest.merged.template_image === 'string' ||
        typeof guest.merged.image_url === 'string'
      : typeof guest.merged.template === 'string';
  if (!hasSource) {
    reporter.warning(
      guest.doc,
      guest.path,
      guest.kind === 'qemu'
        ? `${guest.label} has nothing to be created from (no clone_from_vmid, template_name, template_image or image_url)`
        : `${guest.label} has nothing to be created from (no clone_from_ctid or template)`,
      {
        hint:
          guest.kind === 'qemu'
            ? 'set "clone_from_vmid" to your cloud-image template, or set it in vm_defaults'
            : 'set "template" (e.g. "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst") or "clone_from_ctid"',
      },
    );
  }
}

/** Proxmox refuses these snapshot names before it even starts the task. */
const RESERVED_SNAPSHOT_NAMES = new Set(['current', 'pending']);

function checkSnapshotNames(guest: GuestEntry, reporter: Reporter): void {
  const names: [(string | number)[], unknown][] = [
    [declaredAt(guest, 'template_snapshot_name'), guest.merged.template_snapshot_name],
  ];
  const snapshots = guest.merged.snapshots;
  if (isObject(snapshots)) {
    for (const [key, value] of Object.entries(snapshots))
      names.push([declaredAt(guest, 'snapshots', key), value]);
  }
  for (const [path, name] of names) {
    if (typeof name === 'string' && RESERVED_SNAPSHOT_NAMES.has(name)) {
      reporter.error(guest.doc, path, `snapshot name "${name}" is reserved by Proxmox`, {
        hint: 'pick another name, e.g. "golden" or "post-features"',
      });
    }
  }
}

function checkContainerTemplate(guest: GuestEntry, reporter: Reporter): void {
  const template = guest.merged.template;
  if (typeof template !== 'string') return;
  const ok =
    /^[a-zA-Z][a-zA-Z0-9._-]*:vztmpl\/[^/\s]+$/.test(template) ||
    /^\/\S+$/.test(template) ||
    /^[^/\s:]+\.tar\.(gz|xz|zst|bz2)$/.test(template);
  if (!ok) {
    reporter.error(
      guest.doc,
      declaredAt(guest, 'template'),
      `"${template}" is not an OS template reference`,
      {
        hint: 'write storage:vztmpl/<file> (e.g. "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst"), a file name or an absolute path; see pveam available',
      },
    );
  }
}

function checkFeatures(
  guest: GuestEntry,
  reporter: Reporter,
  featuresRoot: string | undefined,
): void {
  const features = guest.merged.features;
  if (!Array.isArray(features)) return;
  const kind = guest.kind === 'qemu' ? 'vm' : 'lxc';
  const base = declaredAt(guest, 'features');
  features.forEach((name, index) => {
    if (typeof name !== 'string') return;
    if (resolveFeature(kind, name, featuresRoot)) return;
    const known = [
      ...listFeatures(kind, featuresRoot).map((feature) => feature.name),
      ...Object.keys(featureAliases(featuresRoot)),
    ];
    const suggestion = didYouMean(name, known);
    reporter.error(
      guest.doc,
      [...base, index],
      `unknown ${kind === 'vm' ? 'VM' : 'container'} feature "${name}" (no features/${kind}/${name}.sh)`,
      {
        hint: suggestion
          ? `did you mean "${suggestion}"?`
          : known.length
            ? `available: ${[...new Set(known)].sort().join(', ')}`
            : `add features/${kind}/${name}.sh or remove it from the list`,
      },
    );
  });
}

function checkPasswordHash(
  doc: DocRef,
  path: (string | number)[],
  value: unknown,
  reporter: Reporter,
  allowNotSet: boolean,
): void {
  if (typeof value !== 'string') return;
  if (allowNotSet && value === 'NOT_SET') {
    reporter.warning(
      doc,
      path,
      'password_hash "NOT_SET" means no password (the original convention)',
      {
        hint: 'omit password_hash instead, or set a hash made with `openssl passwd -6`',
      },
    );
    return;
  }
  if (!CRYPT_HASH.test(value)) {
    reporter.error(
      doc,
      path,
      'password_hash is not a crypt(3) hash (expected $6$…, $5$…, $y$…, $2b$… or $1$…); the value is not shown',
      {
        hint: 'make one with `openssl passwd -6` (it prompts for the password) and paste its output',
      },
    );
  }
}

function checkSshKey(
  doc: DocRef,
  path: (string | number)[],
  value: unknown,
  reporter: Reporter,
): void {
  if (typeof value !== 'string' || value.trim() === '') return;
  if (value.includes('PRIVATE KEY')) {
    reporter.error(doc, path, 'ssh_public_key holds a PRIVATE key; the value is not shown', {
      hint: 'use the .pub file (e.g. ~/.ssh/id_ed25519.pub) and remove the private key from this file now',
    });
  } else if (!SSH_PUBLIC_KEY.test(value.trim())) {
    reporter.error(
      doc,
      path,
      'ssh_public_key is not an OpenSSH public key line (ssh-ed25519 AAAA… comment)',
      {
        hint: 'paste the content of your ~/.ssh/id_*.pub file',
      },
    );
  }
}

function checkUser(guest: GuestEntry, reporter: Reporter): void {
  if (guest.kind !== 'qemu') return;
  const user = guest.merged.user_config;
  if (!isObject(user)) return;
  checkPasswordHash(
    guest.doc,
    declaredAt(guest, 'user_config', 'password_hash'),
    user.password_hash,
    reporter,
    false,
  );
  checkSshKey(
    guest.doc,
    declaredAt(guest, 'user_config', 'ssh_public_key'),
    user.ssh_public_key,
    reporter,
  );
}

function checkDependencies(guests: GuestEntry[], reporter: Reporter): void {
  for (const guest of guests) {
    const deps = guest.merged.dependencies;
    if (!Array.isArray(deps)) continue;
    const base = declaredAt(guest, 'dependencies');
    deps.forEach((ref, index) => {
      if (typeof ref !== 'number' && typeof ref !== 'string') return;
      const target = findGuest(guests, ref);
      if (!target) {
        reporter.error(
          guest.doc,
          [...base, index],
          `dependency ${JSON.stringify(ref)} is not a guest in the config`,
          {
            hint: 'list IDs (or names) of VMs or containers defined in phoenix_vm_configs.json / phoenix_lxc_configs.json',
          },
        );
      } else if (target === guest) {
        reporter.error(guest.doc, [...base, index], `${guest.label} depends on itself`, {
          hint: 'remove it from its own dependencies',
        });
      } else if (target.id === undefined) {
        reporter.error(
          guest.doc,
          [...base, index],
          `dependency ${JSON.stringify(ref)} refers to ${target.label}, which has no ID yet`,
          {
            hint: 'give that VM a vm_id (or create it first: Phoenix writes the ID back)',
          },
        );
      }
    });
  }
}

/** Edges: dependencies and in-config clone sources (a clone's source is built first). */
function edges(
  guest: GuestEntry,
  guests: GuestEntry[],
): { target: GuestEntry; key: string; index?: number }[] {
  const out: { target: GuestEntry; key: string; index?: number }[] = [];
  const deps = guest.merged.dependencies;
  if (Array.isArray(deps)) {
    deps.forEach((ref, index) => {
      const target = findGuest(guests, ref);
      if (target && target !== guest) out.push({ target, key: 'dependencies', index });
    });
  }
  const cloneKey = guest.kind === 'qemu' ? 'clone_from_vmid' : 'clone_from_ctid';
  const source = findGuest(guests, guest.merged[cloneKey]);
  if (
    typeof guest.merged[cloneKey] === 'number' &&
    source &&
    source !== guest &&
    source.kind === guest.kind
  ) {
    out.push({ target: source, key: cloneKey });
  } else if (
    guest.kind === 'qemu' &&
    guest.merged[cloneKey] === undefined &&
    typeof guest.merged.template_name === 'string'
  ) {
    // A template named in the config is built before the VMs cloned from it.
    const template = findGuest(guests, guest.merged.template_name);
    if (template && template !== guest && template.kind === 'qemu') {
      out.push({ target: template, key: 'template_name' });
    }
  }
  return out;
}

function checkCycles(guests: GuestEntry[], reporter: Reporter): void {
  const state = new Map<GuestEntry, 'visiting' | 'done'>();
  const stack: GuestEntry[] = [];
  const reported = new Set<string>();
  const visit = (guest: GuestEntry): void => {
    state.set(guest, 'visiting');
    stack.push(guest);
    for (const edge of edges(guest, guests)) {
      const status = state.get(edge.target);
      if (status === 'visiting') {
        const cycle = stack.slice(stack.indexOf(edge.target));
        const id = cycle
          .map((g) => g.label)
          .sort()
          .join('|');
        if (!reported.has(id)) {
          reported.add(id);
          const names = [...cycle, edge.target].map((g) => String(g.id ?? g.name));
          const at =
            edge.index !== undefined
              ? [...declaredAt(guest, edge.key), edge.index]
              : declaredAt(guest, edge.key);
          reporter.error(guest.doc, at, `dependency cycle: ${names.join(' → ')}`, {
            hint: 'break the cycle: remove one of these dependencies (clone sources count as dependencies)',
          });
        }
      } else if (!status) visit(edge.target);
    }
    stack.pop();
    state.set(guest, 'done');
  };
  for (const guest of guests) if (!state.has(guest)) visit(guest);
}

function checkHypervisor(doc: DocRef, reporter: Reporter): void {
  const host = doc.value;
  if (Array.isArray(host.users)) {
    host.users.forEach((user, index) => {
      if (!isObject(user)) return;
      checkPasswordHash(doc, ['users', index, 'password_hash'], user.password_hash, reporter, true);
      checkSshKey(doc, ['users', index, 'ssh_public_key'], user.ssh_public_key, reporter);
    });
  }
  const network = host.network;
  if (!isObject(network)) return;
  const interfaces = network.interfaces;
  if (isObject(interfaces) && typeof interfaces.address === 'string') {
    const cidr = parseCidr(interfaces.address);
    if (!cidr) {
      reporter.error(
        doc,
        ['network', 'interfaces', 'address'],
        `"${interfaces.address}" is not an IPv4 address in CIDR form`,
        {
          hint: 'write the host address with its prefix, e.g. "10.0.0.2/24"',
        },
      );
    } else if (
      typeof interfaces.gateway === 'string' &&
      (!isIPv4(interfaces.gateway) || !inSubnet(cidr, interfaces.gateway))
    ) {
      reporter.error(
        doc,
        ['network', 'interfaces', 'gateway'],
        `gateway "${interfaces.gateway}" is not an address inside ${subnetText(cidr)}`,
        {
          hint: 'use your router address inside the host subnet, e.g. "10.0.0.1"',
        },
      );
    }
  }
  const internal = network.internal_bridge;
  if (isObject(internal) && typeof internal.subnet === 'string' && !parseCidr(internal.subnet)) {
    reporter.error(
      doc,
      ['network', 'internal_bridge', 'subnet'],
      `"${internal.subnet}" is not an IPv4 subnet in CIDR form`,
      {
        hint: 'e.g. "172.16.100.0/24"',
      },
    );
  }
}
