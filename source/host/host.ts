import { existsSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { Inventory } from '../inventory/inventory.js';
import { parseConfigJson, parseConfigText } from '../inventory/parse-config.js';
import {
  parseBridges,
  parseClusterNodes,
  parseClusterResources,
  parseNextId,
  parseNodeAddresses,
  parseSnapshotsJson,
  parseSnapshotTree,
  parseVersion,
} from '../inventory/parse-resources.js';
import {
  parsePveamAvailable,
  parsePveamList,
  parsePvesmStatus,
  parseStorageContent,
} from '../inventory/parse-storage.js';
import type {
  AvailableTemplate,
  BridgeInfo,
  GuestConfig,
  GuestRef,
  Snapshot,
  StorageContent,
  StorageInfo,
  StorageVolume,
  StoredTemplate,
  VersionInfo,
} from '../inventory/types.js';
import {
  CLUSTER_STATUS_ARGV,
  configArgv,
  destroyArgv,
  INVENTORY_ARGV,
  listSnapshotsArgv,
  NODES_ARGV,
  powerArgv,
  rollbackArgv,
  snapshotArgv,
  unlockArgv,
  type DestroyOptions,
  type PowerAction,
  type RollbackOptions,
  type ShutdownOptions,
  type SnapshotOptions,
} from './commands.js';
import { HostError } from './errors.js';
import {
  chownArgv,
  directoryStatArgv,
  ensureHostDirectory,
  hostDirectoryState,
  makeDirectoryArgv,
  MISSING_PATH,
  parseDirectoryStat,
  type DirectoryChange,
  type DirectoryState,
} from './host-files.js';
import { nodeShellArgv, type RemoteNode } from './node-shell.js';
import { resolveLocalNode } from './node.js';
import {
  DEFAULT_TIMEOUTS,
  runHostCommand,
  type HostCommandObserver,
  type HostResult,
  type RunOptions,
  type Timeouts,
} from './run.js';

export interface HostOptions {
  /** Environment of the host tools and of node detection (PATH, PHOENIX_NODE). Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Per-kind timeouts in milliseconds. */
  timeouts?: Partial<Timeouts>;
  /** Sees every command (argv redacted), for logs and the run store. */
  observe?: HostCommandObserver;
  /** Cancels every command of this host. */
  signal?: AbortSignal;
  /** This machine's host name (tests); default os.hostname(). */
  hostname?: () => string;
}

/** Options a single call may override. */
export type CallOptions = Pick<RunOptions, 'signal' | 'timeoutMs' | 'input' | 'kind' | 'onLine'>;

/** Gets each command line as it is about to run (redacted), for a run's log. */
export type Announce = (argv: readonly string[]) => void;

/** The only way Phoenix touches a Proxmox host. */
export interface Host {
  /** The node this machine is (PHOENIX_NODE, else the host name, else the only node). */
  localNode(): Promise<string>;
  /** Every guest of the cluster: one `pvesh get /cluster/resources` call. */
  inventory(options?: CallOptions): Promise<Inventory>;
  /** Names of the cluster's nodes (one pvesh call). */
  nodes(options?: CallOptions): Promise<string[]>;
  /** A guest's config (`qm|pct config`, or the config API for another node). */
  guestConfig(ref: GuestRef, options?: CallOptions): Promise<GuestConfig>;
  /** `pvesm status`, optionally only storages that allow a content type. */
  storages(filter?: { content?: StorageContent }, options?: CallOptions): Promise<StorageInfo[]>;
  /** Volumes on a storage as the API lists them (with `parent` for linked clones). */
  storageContent(
    storage: string,
    filter?: { node?: string; content?: StorageContent; vmid?: number },
    options?: CallOptions,
  ): Promise<StorageVolume[]>;
  /** Bridges of a node (default: the local node). */
  bridges(node?: string, options?: CallOptions): Promise<BridgeInfo[]>;
  /** Container templates on a storage (`pveam list <storage>`). */
  osTemplates(storage: string, options?: CallOptions): Promise<StoredTemplate[]>;
  /** Templates Proxmox can download (`pveam available`). */
  availableTemplates(section?: string, options?: CallOptions): Promise<AvailableTemplate[]>;
  version(options?: CallOptions): Promise<VersionInfo>;
  /** The next free guest id (`/cluster/nextid`). */
  nextId(options?: CallOptions): Promise<number>;

  start(ref: GuestRef, options?: CallOptions): Promise<HostResult>;
  stop(ref: GuestRef, options?: CallOptions): Promise<HostResult>;
  shutdown(ref: GuestRef, shutdown?: ShutdownOptions, options?: CallOptions): Promise<HostResult>;
  reboot(ref: GuestRef, options?: CallOptions): Promise<HostResult>;
  destroy(ref: GuestRef, destroy?: DestroyOptions, options?: CallOptions): Promise<HostResult>;
  snapshot(
    ref: GuestRef,
    name: string,
    snapshot?: SnapshotOptions,
    options?: CallOptions,
  ): Promise<HostResult>;
  rollback(
    ref: GuestRef,
    name: string,
    rollback?: RollbackOptions,
    options?: CallOptions,
  ): Promise<HostResult>;
  listSnapshots(ref: GuestRef, options?: CallOptions): Promise<Snapshot[]>;
  unlock(ref: GuestRef, options?: CallOptions): Promise<HostResult>;
  /** The command line an action would run (for plans and messages), cluster-aware. */
  powerCommand(action: PowerAction, ref: GuestRef, shutdown?: ShutdownOptions): Promise<string[]>;

  /** Adds an observer of every later command (argv redacted); returns its removal. */
  subscribe(observer: HostCommandObserver): () => void;
  /** Runs any Proxmox tool command (argv[0] is qm, pct, pvesh, pvesm or pveam). */
  run(argv: readonly string[], options?: CallOptions): Promise<HostResult>;
  /**
   * Runs a Proxmox tool command on a node of the cluster: here as `run` does, on another node
   * over root SSH (for what has no API, like `pct exec`). Its result and errors carry the ssh
   * command line; ssh's own failures are `node-unreachable`.
   */
  runOnNode(node: string, argv: readonly string[], options?: CallOptions): Promise<HostResult>;
  /** The command line runOnNode runs (for the run log), cluster-aware. */
  nodeCommand(node: string, argv: readonly string[]): Promise<string[]>;

  /**
   * A directory on a node of the cluster (a bind mount's source): missing, or its owner. Here
   * from the file system (PHOENIX_HOST_ROOT); on another node with `stat` over root SSH.
   */
  directoryState(
    node: string,
    path: string,
    options?: CallOptions & { announce?: Announce },
  ): Promise<DirectoryState>;
  /**
   * Creates a directory on a node (parents too, mode 0755) and gives it the owner, each only
   * when needed: here directly; on another node with `stat`, then `mkdir` and `chown` as needed,
   * over root SSH. Says what it changed.
   */
  ensureDirectory(
    node: string,
    path: string,
    owner?: { uid: number; gid: number },
    options?: CallOptions & { announce?: Announce },
  ): Promise<DirectoryChange>;
}

export function createHost(hostOptions: HostOptions = {}): Host {
  const env = hostOptions.env ?? process.env;
  let lastInventory: Inventory | undefined;
  let localNodePromise: Promise<string> | undefined;
  const observers = new Set<HostCommandObserver>();
  if (hostOptions.observe) observers.add(hostOptions.observe);
  const observe: HostCommandObserver = (event) => {
    for (const observer of observers) observer(event);
  };

  /** Runs a command here, or on another node of the cluster over root SSH. */
  const runOn = (
    onNode: RemoteNode | undefined,
    argv: readonly string[],
    options: CallOptions = {},
  ): Promise<HostResult> =>
    runHostCommand(argv, {
      env,
      ...(hostOptions.timeouts ? { timeouts: hostOptions.timeouts } : {}),
      observe,
      ...options,
      ...(options.signal || hostOptions.signal
        ? { signal: options.signal ?? hostOptions.signal }
        : {}),
      ...(onNode ? { onNode } : {}),
    });
  const run = (argv: readonly string[], options: CallOptions = {}): Promise<HostResult> =>
    runOn(undefined, argv, options);

  const nodes = async (options?: CallOptions): Promise<string[]> =>
    parseClusterNodes((await run(NODES_ARGV, options)).stdout);

  const localNode = (): Promise<string> => {
    localNodePromise ??= resolveLocalNode({
      env,
      hostname: hostOptions.hostname ?? osHostname,
      knownNodes: () => lastInventory?.nodes ?? [],
      listNodes: () => nodes(),
    });
    // A failed detection (host unreachable) may be retried later.
    localNodePromise.catch(() => (localNodePromise = undefined));
    return localNodePromise;
  };

  let addressesPromise: Promise<Map<string, string | undefined>> | undefined;
  /** How to reach another node: the address corosync has for it (read once per host). */
  const remoteNode = async (node: string, options?: CallOptions): Promise<RemoteNode> => {
    addressesPromise ??= run(CLUSTER_STATUS_ARGV, options).then((result) =>
      parseNodeAddresses(result.stdout),
    );
    addressesPromise.catch(() => (addressesPromise = undefined));
    const addresses = await addressesPromise;
    const unknown = (kind: 'not-found' | 'node-unreachable', message: string) =>
      new HostError({
        kind,
        message,
        argv: CLUSTER_STATUS_ARGV,
        stdout: '',
        stderr: '',
        exitCode: undefined,
        node,
      });
    if (!addresses.has(node)) {
      throw unknown(
        'not-found',
        `node '${node}' is not a member of this cluster (${[...addresses.keys()].join(', ')})`,
      );
    }
    const address = addresses.get(node);
    if (!address)
      throw unknown('node-unreachable', `unable to get IP for node '${node}' - node offline?`);
    const knownHosts = join(env.PHOENIX_PVE_DIR ?? '/etc/pve', 'nodes', node, 'ssh_known_hosts');
    return {
      name: node,
      address,
      ...(existsSync(knownHosts) ? { knownHostsFile: knownHosts } : {}),
    };
  };

  const host: Host = {
    localNode,
    nodes,

    async inventory(options) {
      const result = await run(INVENTORY_ARGV, options);
      lastInventory = new Inventory(parseClusterResources(result.stdout));
      return lastInventory;
    },

    async guestConfig(ref, options) {
      const argv = configArgv(ref, await localNode());
      const { stdout } = await run(argv, options);
      if (argv[0] === 'pvesh') {
        return parseConfigJson(ref.id, ref.type, JSON.parse(stdout) as unknown);
      }
      return parseConfigText(ref.id, ref.type, stdout);
    },

    async storages(filter = {}, options) {
      const argv = ['pvesm', 'status'];
      if (filter.content) argv.push('--content', filter.content);
      return parsePvesmStatus((await run(argv, options)).stdout);
    },

    async storageContent(storage, filter = {}, options) {
      const node = filter.node ?? (await localNode());
      const argv = ['pvesh', 'get', `/nodes/${node}/storage/${storage}/content`];
      if (filter.content) argv.push('--content', filter.content);
      if (filter.vmid !== undefined) argv.push('--vmid', String(filter.vmid));
      argv.push('--output-format', 'json');
      return parseStorageContent((await run(argv, options)).stdout);
    },

    async bridges(node, options) {
      const target = node ?? (await localNode());
      const argv = [
        'pvesh',
        'get',
        `/nodes/${target}/network`,
        '--type',
        'any_bridge',
        '--output-format',
        'json',
      ];
      return parseBridges((await run(argv, options)).stdout);
    },

    async osTemplates(storage, options) {
      return parsePveamList((await run(['pveam', 'list', storage], options)).stdout);
    },

    async availableTemplates(section, options) {
      const argv = ['pveam', 'available'];
      if (section) argv.push('--section', section);
      return parsePveamAvailable((await run(argv, options)).stdout);
    },

    async version(options) {
      return parseVersion(
        (await run(['pvesh', 'get', '/version', '--output-format', 'json'], options)).stdout,
      );
    },

    async nextId(options) {
      return parseNextId(
        (await run(['pvesh', 'get', '/cluster/nextid', '--output-format', 'json'], options)).stdout,
      );
    },

    async start(ref, options) {
      return run(powerArgv('start', ref, await localNode()), options);
    },
    async stop(ref, options) {
      return run(powerArgv('stop', ref, await localNode()), options);
    },
    async shutdown(ref, shutdown, options = {}) {
      // Proxmox waits up to --timeout seconds for the guest; give it that plus a margin.
      const waitMs =
        shutdown?.timeoutSeconds !== undefined ? (shutdown.timeoutSeconds + 60) * 1000 : 0;
      const limit = Math.max(hostOptions.timeouts?.lifecycle ?? DEFAULT_TIMEOUTS.lifecycle, waitMs);
      return run(powerArgv('shutdown', ref, await localNode(), shutdown), {
        timeoutMs: limit,
        ...options,
      });
    },
    async reboot(ref, options) {
      return run(powerArgv('reboot', ref, await localNode()), options);
    },
    async destroy(ref, destroy, options) {
      return run(destroyArgv(ref, await localNode(), destroy), options);
    },
    async snapshot(ref, name, snapshot, options) {
      return run(snapshotArgv(ref, name, await localNode(), snapshot), options);
    },
    async rollback(ref, name, rollback, options) {
      return run(rollbackArgv(ref, name, await localNode(), rollback), options);
    },
    async listSnapshots(ref, options) {
      const argv = listSnapshotsArgv(ref, await localNode());
      const { stdout } = await run(argv, options);
      return argv[0] === 'pvesh' ? parseSnapshotsJson(stdout) : parseSnapshotTree(stdout);
    },
    async unlock(ref, options) {
      return run(unlockArgv(ref, await localNode()), options);
    },
    async powerCommand(action, ref, shutdown) {
      return powerArgv(action, ref, await localNode(), shutdown);
    },

    subscribe(observer) {
      observers.add(observer);
      return () => observers.delete(observer);
    },

    run,

    async runOnNode(node, argv, options = {}) {
      if (node === (await localNode())) return run(argv, options);
      return runOn(await remoteNode(node, options), argv, options);
    },

    async nodeCommand(node, argv) {
      if (node === (await localNode())) return [...argv];
      return nodeShellArgv(await remoteNode(node), argv);
    },

    async directoryState(node, path, options = {}) {
      if (node === (await localNode())) return hostDirectoryState(path, env);
      const { announce, ...call } = options;
      return remoteDirectoryState(await remoteNode(node, call), path, call, announce);
    },

    async ensureDirectory(node, path, owner, options = {}) {
      if (node === (await localNode())) return ensureHostDirectory(path, owner, env);
      const { announce, ...call } = options;
      const remote = await remoteNode(node, call);
      const onNode = (argv: string[]) => {
        announce?.(nodeShellArgv(remote, argv));
        return runOn(remote, argv, { kind: 'read', ...call });
      };
      const before = await remoteDirectoryState(remote, path, call, announce);
      if (!before.exists) await onNode(makeDirectoryArgv(path));
      // A new directory belongs to root.
      const current = before.exists ? before : { uid: 0, gid: 0 };
      const chown = owner !== undefined && (current.uid !== owner.uid || current.gid !== owner.gid);
      if (chown) await onNode(chownArgv(path, owner));
      return { path, created: !before.exists, ...(owner ? { owner } : {}), chowned: chown };
    },
  };

  /** `stat` of a directory on another node: missing (stat says so, exit 1), or its owner. */
  async function remoteDirectoryState(
    remote: RemoteNode,
    path: string,
    call: CallOptions,
    announce: Announce | undefined,
  ): Promise<DirectoryState> {
    const argv = directoryStatArgv(path);
    announce?.(nodeShellArgv(remote, argv));
    try {
      return parseDirectoryStat((await runOn(remote, argv, { kind: 'read', ...call })).stdout);
    } catch (error) {
      if (error instanceof HostError && error.exitCode === 1 && MISSING_PATH.test(error.stderr))
        return { exists: false };
      throw error;
    }
  }
  return host;
}
