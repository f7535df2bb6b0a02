import {
  HYPERVISOR_VM_DEFAULT_KEYS,
  LXC_KEY_ALIASES,
  NETWORK_KEY_ALIASES,
  VM_KEY_ALIASES,
  VM_SECTION_ALIASES,
} from './aliases.js';
import { renameKey, type Locator, type SourceFile } from './source.js';
import type { DocRef, Reporter } from './reporter.js';

/** The three files as canonical documents (seed 001 spelling), unknown keys kept, defaults not merged. */
export interface CanonicalDocs {
  vm: DocRef;
  lxc: DocRef;
  hypervisor: DocRef;
  /** Whether each file exists on disk (a canonical doc may still be non-empty: seed 000 VMs move to `vm`). */
  present: { vm: boolean; lxc: boolean; hypervisor: boolean };
}

export interface RawSources {
  vm?: SourceFile;
  lxc?: SourceFile;
  hypervisor?: SourceFile;
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const MIGRATE = 'run `phoenix config migrate` to rewrite the files in canonical form';

/**
 * Turns the files as written into canonical documents: renames older spellings (with a warning that
 * names the canonical key), moves seed 000's VMs out of the host file, turns digit-string IDs into
 * numbers and reports plaintext passwords.
 */
export function normalise(
  sources: RawSources,
  files: { vm: string; lxc: string; hypervisor: string },
  locator: Locator,
  reporter: Reporter,
): CanonicalDocs {
  const docOf = (source: SourceFile | undefined, file: string): DocRef => {
    if (!source?.root) return { value: {}, file };
    const value = locator.materialise(source, source.root);
    if (isObject(value)) return { value, file };
    const doc: DocRef = { value: {}, file };
    locator.setSelf(doc.value, { source, valueNode: source.root });
    reporter.error(doc, [], `the file must hold a JSON object, not ${describeType(value)}`, {
      hint: 'wrap the content in { … }; see the configuration reference in README.md',
    });
    return doc;
  };
  const docs: CanonicalDocs = {
    vm: docOf(sources.vm, files.vm),
    lxc: docOf(sources.lxc, files.lxc),
    hypervisor: docOf(sources.hypervisor, files.hypervisor),
    present: { vm: !!sources.vm, lxc: !!sources.lxc, hypervisor: !!sources.hypervisor },
  };

  normaliseVmFile(docs.vm, locator, reporter);
  moveSeed000Vms(docs, locator, reporter);
  const vms = docs.vm.value.virtual_machines;
  if (isObject(docs.vm.value.vm_defaults))
    normaliseVm(docs.vm, ['vm_defaults'], docs.vm.value.vm_defaults, locator, reporter);
  if (Array.isArray(vms)) {
    vms.forEach((vm, index) => {
      if (isObject(vm)) normaliseVm(docs.vm, ['virtual_machines', index], vm, locator, reporter);
    });
  }

  const lxcDefaults = docs.lxc.value.lxc_defaults;
  if (isObject(lxcDefaults))
    normaliseContainer(docs.lxc, ['lxc_defaults'], lxcDefaults, locator, reporter);
  const containers = docs.lxc.value.lxc_configs;
  if (isObject(containers)) {
    for (const [ctid, container] of Object.entries(containers)) {
      if (isObject(container))
        normaliseContainer(docs.lxc, ['lxc_configs', ctid], container, locator, reporter);
    }
  }

  normaliseHypervisor(docs.hypervisor, locator, reporter);
  return docs;
}

function normaliseVmFile(doc: DocRef, locator: Locator, reporter: Reporter): void {
  for (const [legacy, canonical] of Object.entries(VM_SECTION_ALIASES)) {
    renameLegacy(doc, [], doc.value, legacy, canonical, locator, reporter);
  }
}

/** Seed 000 keeps `vm_defaults` (template, cores, …) and `vms` in phoenix_hypervisor_config.json. */
function moveSeed000Vms(docs: CanonicalDocs, locator: Locator, reporter: Reporter): void {
  const host = docs.hypervisor.value;
  const vmDoc = docs.vm.value;
  if (host.vms !== undefined) {
    const location = locator.member(host, 'vms');
    reporter.warning(
      docs.hypervisor,
      ['vms'],
      `VMs belong in phoenix_vm_configs.json under "virtual_machines"; read from here for now`,
      { atKey: true, hint: MIGRATE },
    );
    if (Array.isArray(host.vms)) {
      if (Array.isArray(vmDoc.virtual_machines)) {
        const target = vmDoc.virtual_machines;
        for (const [index, vm] of host.vms.entries()) {
          const memberLocation = locator.member(host.vms, index);
          target.push(vm);
          if (memberLocation) locator.setMember(target, target.length - 1, memberLocation);
        }
      } else if (vmDoc.virtual_machines === undefined) {
        vmDoc.virtual_machines = host.vms;
        if (location) locator.setMember(vmDoc, 'virtual_machines', location);
      }
      delete host.vms;
      docs.hypervisor.modified = true;
      docs.vm.modified = true;
      locator.deleteMember(host, 'vms');
    } else {
      reporter.error(
        docs.hypervisor,
        ['vms'],
        `must be an array of VMs (got ${describeType(host.vms)})`,
        {
          hint: 'write "vms": [ { "name": "web", … } ] or, better, use virtual_machines in phoenix_vm_configs.json',
        },
      );
      reporter.suppress(host, 'vms');
    }
  }
  const hostDefaults = host.vm_defaults;
  if (!isObject(hostDefaults)) return;
  const moved = Object.keys(hostDefaults).filter((key) => !HYPERVISOR_VM_DEFAULT_KEYS.has(key));
  if (moved.length === 0) return;
  let target: Record<string, unknown>;
  if (isObject(vmDoc.vm_defaults)) target = vmDoc.vm_defaults;
  else {
    target = {};
    vmDoc.vm_defaults = target;
    const location = locator.member(host, 'vm_defaults');
    if (location) {
      locator.setMember(vmDoc, 'vm_defaults', location);
      locator.setSelf(target, location);
    }
  }
  for (const key of moved) {
    const canonical = VM_KEY_ALIASES[key] ?? key;
    const spellings = [
      canonical,
      ...Object.keys(VM_KEY_ALIASES).filter((old) => VM_KEY_ALIASES[old] === canonical),
    ];
    const clash = spellings.find((spelling) => spelling in target);
    if (clash) {
      reporter.warning(
        docs.hypervisor,
        ['vm_defaults', key],
        `"${clash}" is also set in phoenix_vm_configs.json vm_defaults, which wins; this one is ignored`,
        { atKey: true, hint: 'delete it here' },
      );
    } else {
      const renamed = canonical !== key ? `, spelled "${canonical}"` : '';
      reporter.warning(
        docs.hypervisor,
        ['vm_defaults', key],
        `VM defaults belong in phoenix_vm_configs.json under "vm_defaults"${renamed}; read from here for now`,
        { atKey: true, hint: MIGRATE },
      );
      target[canonical] = hostDefaults[key];
      const location = locator.member(hostDefaults, key);
      if (location) locator.setMember(target, canonical, location);
    }
    delete hostDefaults[key];
    docs.hypervisor.modified = true;
    docs.vm.modified = true;
    locator.deleteMember(hostDefaults, key);
  }
  if (Object.keys(hostDefaults).length === 0) {
    delete host.vm_defaults;
    locator.deleteMember(host, 'vm_defaults');
  }
}

function normaliseVm(
  doc: DocRef,
  path: (string | number)[],
  vm: Record<string, unknown>,
  locator: Locator,
  reporter: Reporter,
): void {
  for (const [legacy, canonical] of Object.entries(VM_KEY_ALIASES)) {
    renameLegacy(doc, path, vm, legacy, canonical, locator, reporter);
  }
  const features = vm.features;
  if (Array.isArray(features)) {
    // post_create_scripts named files (install_webserver.sh); features are names.
    features.forEach((entry, index) => {
      if (typeof entry === 'string')
        features[index] = entry.replace(/^feature_install_/, '').replace(/\.sh$/, '');
    });
  }
  idsToNumbers(doc, vm, ['vm_id', 'clone_from_vmid']);
  dependencyIdsToNumbers(doc, vm);
  if (isObject(vm.network_config))
    normaliseNetwork(doc, [...path, 'network_config'], vm.network_config, locator, reporter);
  if (isObject(vm.user_config))
    checkPlaintextPassword(doc, [...path, 'user_config'], vm.user_config, reporter);
}

function normaliseContainer(
  doc: DocRef,
  path: (string | number)[],
  container: Record<string, unknown>,
  locator: Locator,
  reporter: Reporter,
): void {
  for (const [legacy, canonical] of Object.entries(LXC_KEY_ALIASES)) {
    renameLegacy(doc, path, container, legacy, canonical, locator, reporter);
  }
  movePctFeatureString(doc, path, container, locator, reporter);
  idsToNumbers(doc, container, ['clone_from_ctid']);
  dependencyIdsToNumbers(doc, container);
  for (const key of ['network_config', 'secondary_network_config']) {
    const network = container[key];
    if (isObject(network)) normaliseNetwork(doc, [...path, key], network, locator, reporter);
  }
  // The original kept net0's MAC at the container level.
  if (container.mac_address !== undefined && isObject(container.network_config)) {
    const network = container.network_config;
    if (network.hwaddr === undefined) {
      reporter.warning(
        doc,
        [...path, 'mac_address'],
        '"mac_address" is the old spelling of network_config.hwaddr',
        {
          atKey: true,
          hint: MIGRATE,
        },
      );
      network.hwaddr = container.mac_address;
      const location = locator.member(container, 'mac_address');
      if (location) locator.setMember(network, 'hwaddr', location);
      delete container.mac_address;
      doc.modified = true;
      locator.deleteMember(container, 'mac_address');
    } else {
      // Both set: keep what the user wrote (migrate must not drop it); it is simply not used.
      reporter.warning(
        doc,
        [...path, 'mac_address'],
        '"mac_address" is ignored: network_config.hwaddr is set and wins',
        {
          atKey: true,
          hint: 'delete "mac_address"',
        },
      );
      reporter.suppress(container, 'mac_address');
    }
  }
}

/** The older repo (seed 004) used `features` for the Proxmox feature string "nesting=1,keyctl=1". */
function movePctFeatureString(
  doc: DocRef,
  path: (string | number)[],
  container: Record<string, unknown>,
  locator: Locator,
  reporter: Reporter,
): void {
  const value = container.features;
  if (typeof value !== 'string' || !/^\s*[a-z_]+=[^,]+(\s*,\s*[a-z_]+=[^,]+)*\s*$/.test(value))
    return;
  if (container.pct_options !== undefined) return;
  reporter.warning(
    doc,
    [...path, 'features'],
    `"features": "${value}" is the older spelling of the Proxmox container features; Phoenix reads it as "pct_options" (features now lists feature scripts)`,
    {
      atKey: true,
      hint: `write "pct_options": ${JSON.stringify(value.split(',').map((part) => part.trim()))}, or ${MIGRATE}`,
    },
  );
  const list = value.split(',').map((part) => part.trim());
  renameKey(locator, container, 'features', 'pct_options');
  container.pct_options = list;
  doc.modified = true;
}

function normaliseNetwork(
  doc: DocRef,
  path: (string | number)[],
  network: Record<string, unknown>,
  locator: Locator,
  reporter: Reporter,
): void {
  for (const [legacy, canonical] of Object.entries(NETWORK_KEY_ALIASES)) {
    renameLegacy(doc, path, network, legacy, canonical, locator, reporter);
  }
}

function normaliseHypervisor(doc: DocRef, locator: Locator, reporter: Reporter): void {
  const users = doc.value.users;
  if (isObject(users)) {
    // The original file has one user object; Phoenix takes a list.
    const list = [users];
    const location = locator.member(doc.value, 'users');
    doc.value.users = list;
    doc.modified = true;
    if (location) {
      locator.setSelf(list, location);
      locator.setMember(list, 0, location);
    }
  }
  if (Array.isArray(doc.value.users)) {
    doc.value.users.forEach((user, index) => {
      if (isObject(user)) checkPlaintextPassword(doc, ['users', index], user, reporter);
    });
  }
}

function checkPlaintextPassword(
  doc: DocRef,
  path: (string | number)[],
  user: Record<string, unknown>,
  reporter: Reporter,
): void {
  if (user.password === undefined) return;
  reporter.error(
    doc,
    [...path, 'password'],
    'a plaintext password is not accepted here; Phoenix takes password_hash',
    {
      atKey: true,
      hint: 'make a hash with `openssl passwd -6` (it prompts for the password), put it in "password_hash" and delete "password"',
    },
  );
  reporter.suppress(user, 'password');
}

function renameLegacy(
  doc: DocRef,
  path: (string | number)[],
  object: Record<string, unknown>,
  legacy: string,
  canonical: string,
  locator: Locator,
  reporter: Reporter,
): void {
  if (!(legacy in object)) return;
  if (canonical in object) {
    reporter.error(
      doc,
      [...path, legacy],
      `both "${legacy}" and its canonical spelling "${canonical}" are set`,
      {
        atKey: true,
        hint: `keep "${canonical}" and delete "${legacy}"`,
      },
    );
    reporter.suppress(object, legacy);
    return;
  }
  reporter.warning(doc, [...path, legacy], `"${legacy}" is the old spelling of "${canonical}"`, {
    atKey: true,
    hint: `rename it to "${canonical}", or ${MIGRATE}`,
  });
  renameKey(locator, object, legacy, canonical);
  doc.modified = true;
}

/** The original stored IDs as strings ("900"); Phoenix uses numbers. */
function idsToNumbers(doc: DocRef, object: Record<string, unknown>, keys: string[]): void {
  for (const key of keys) {
    const value = object[key];
    if (typeof value === 'string' && /^[1-9][0-9]*$/.test(value)) {
      object[key] = Number(value);
      doc.modified = true;
    }
  }
}

function dependencyIdsToNumbers(doc: DocRef, object: Record<string, unknown>): void {
  const list = object.dependencies;
  if (!Array.isArray(list)) return;
  list.forEach((value, index) => {
    if (typeof value === 'string' && /^[1-9][0-9]*$/.test(value)) {
      list[index] = Number(value);
      doc.modified = true;
    }
  });
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  return `a ${typeof value}`;
}
