/**
 * Commands that have no API (`pct exec`) run on the guest's node over root SSH, the way Proxmox's
 * own migration reaches other nodes (PVE::SSHInfo): `ssh -e none -o BatchMode=yes
 * -o HostKeyAlias=NODE root@IP -- COMMAND`, with the IP corosync resolved for the node and the
 * host key looked up under the node's name (pvecm keeps the cluster's keys that way; since
 * PVE 8.1 in /etc/pve/nodes/NODE/ssh_known_hosts when that file exists).
 */

/** Where a command runs when not here: a node of the cluster and how to reach it. */
export interface RemoteNode {
  name: string;
  address: string;
  /** The node's own known_hosts file (/etc/pve/nodes/NODE/ssh_known_hosts), when it has one. */
  knownHostsFile?: string;
}

/** Seconds ssh waits for the connection, so an unreachable node fails fast, not at the timeout. */
const CONNECT_TIMEOUT_SECONDS = 15;

/** The ssh command that runs `argv` on `node` (the remote shell gets it as one quoted line). */
export function nodeShellArgv(node: RemoteNode, argv: readonly string[]): string[] {
  return [
    'ssh',
    '-e',
    'none',
    '-o',
    'BatchMode=yes',
    '-o',
    `HostKeyAlias=${node.name}`,
    ...(node.knownHostsFile
      ? ['-o', `UserKnownHostsFile=${node.knownHostsFile}`, '-o', 'GlobalKnownHostsFile=none']
      : []),
    '-o',
    `ConnectTimeout=${CONNECT_TIMEOUT_SECONDS}`,
    `root@${node.address}`,
    '--',
    remoteCommandLine(argv),
  ];
}

/**
 * ssh hands the remote side one string, which root's login shell parses: every word is quoted
 * for a POSIX shell unless it only holds characters no shell treats specially.
 */
export function remoteCommandLine(argv: readonly string[]): string {
  return argv
    .map((word) => (/^[\w@%+:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}

/**
 * ssh's own failures (it exits 255 and says why), as opposed to the remote command's: a Proxmox
 * tool that dies also exits 255, with its own message.
 */
const sshFailures = [
  /^ssh: /m,
  /Permission denied \([\w,-]+\)/,
  /Host key verification failed/,
  /REMOTE HOST IDENTIFICATION HAS CHANGED/,
  /^kex_exchange_identification: /m,
  /^Connection (?:closed|reset) by /m,
  /^Bad configuration option/m,
];

/** ssh's message when ssh itself failed (exit 255), else undefined. */
export function sshFailure(exitCode: number | undefined, stderr: string): string | undefined {
  if (exitCode !== 255) return undefined;
  const lines = stderr.split('\n').map((line) => line.trim());
  return lines.find((line) => sshFailures.some((pattern) => pattern.test(line)));
}
