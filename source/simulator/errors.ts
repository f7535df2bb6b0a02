/** A failed simulated call: what goes to stderr and the exit status. */
export class SimError extends Error {
  constructor(
    message: string,
    readonly exitCode = 255,
  ) {
    super(message);
  }
}

/** `400 Parameter verification failed.` with one `param: message` line per failing parameter. */
export class ParamError extends SimError {
  constructor(readonly errors: Record<string, string>) {
    super('400 Parameter verification failed.', 255);
  }
}

/** A plain 400 error printed before the usage line (`400 not enough arguments`, ...). */
export class UsageError extends SimError {
  constructor(
    message: string,
    readonly prefix = '',
  ) {
    super(message, 255);
  }
}

export function configMissing(node: string, kind: 'qemu' | 'lxc', vmid: number): SimError {
  const dir = kind === 'qemu' ? 'qemu-server' : 'lxc';
  return new SimError(`Configuration file 'nodes/${node}/${dir}/${vmid}.conf' does not exist`, 2);
}
