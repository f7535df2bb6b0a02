/** The host adapter's public surface: the only way Phoenix touches a Proxmox host. */
export {
  createHost,
  type Announce,
  type CallOptions,
  type Host,
  type HostOptions,
} from './host.js';
export type { DirectoryChange, DirectoryState } from './host-files.js';
export { HostError, classifyFailure, type HostErrorDetails, type HostErrorKind } from './errors.js';
export { hintFor } from './hints.js';
export {
  DEFAULT_TIMEOUTS,
  HOST_TOOLS,
  NODE_FILE_TOOLS,
  guessCallKind,
  runHostCommand,
  type CallKind,
  type HostCommandEvent,
  type HostCommandObserver,
  type HostResult,
  type HostTool,
  type RunOptions,
  type Timeouts,
} from './run.js';
export { REDACTED, formatArgv, redactArgv, redactText } from './redact.js';
export * from './commands.js';
export { resolveLocalNode } from './node.js';
