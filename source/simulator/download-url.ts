// POST /nodes/{node}/storage/{storage}/download-url (pvesh create …/download-url): Proxmox
// downloads a file (ISO, container template, disk image for import) onto a storage itself.
// The simulated "internet" is $PVE_SIM_DIR/sim/web/<host>/<path>: files there are served
// verbatim (a JSON `{"size": N}` record becomes an image of N bytes, like every simulated
// volume); any other URL fails like wget on a 404. On another node than the one the call plays,
// the download is a task that runs on after the call answers with its UPID (tasks.ts).
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { Ctx } from './context.js';
import { ParamError, SimError } from './errors.js';
import { paths } from './env.js';
import { listNodes } from './cluster.js';
import { durations } from './latency.js';
import { newTask, saveTask } from './tasks.js';
import { getStorage, volumePath } from './storage.js';
import { onNode } from './node-root.js';

const subdirs: Record<string, string> = {
  iso: 'template/iso',
  vztmpl: 'template/cache',
  import: 'import',
};

/** Allowed file name endings per content type (PVE::Storage's ISO/VZTMPL/IMPORT regexes). */
const extensions: Record<string, { pattern: RegExp; message: string }> = {
  iso: { pattern: /\.(?:iso|img)$/i, message: 'wrong file extension' },
  vztmpl: { pattern: /\.tar\.(?:gz|xz|zst|bz2)$|\.tgz$/, message: 'wrong file extension' },
  import: {
    pattern: /^[a-zA-Z0-9\-.+=_]+\.(?:ova|qcow2|raw|vmdk)$/,
    message: 'invalid filename or wrong extension',
  },
};

function downloadUrl(ctx: Ctx, vars: Record<string, string>, params: Record<string, string>) {
  const node = vars.node!;
  if (!listNodes(ctx.env).includes(node)) {
    throw new SimError(
      `hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`,
    );
  }
  const storage = getStorage(ctx.env, vars.storage!);
  const content = params.content!;
  if (!storage.content.includes(content))
    throw new SimError(`storage '${storage.id}' does not support '${content}' content`);
  if (!storage.path) {
    throw new SimError(`can't upload to storage type '${storage.type}', not a file based storage!`);
  }
  // "Caution: This will be normalized!"
  const filename = params.filename!.replace(/[^a-zA-Z0-9\-.+=_]/g, '_');
  const rule = extensions[content]!;
  if (!rule.pattern.test(filename)) throw new ParamError({ filename: rule.message });

  const volname = content === 'import' ? `import/${filename}` : `${content}/${filename}`;
  // onto the node's own copy of a storage that is not shared
  const file = volumePath(onNode(ctx.env, node), storage, volname);
  const dest = `${storage.path}/${subdirs[content]}/${filename}`;
  const url = params.url!;
  const task = newTask(node, 'download', storage.id);
  const worker = { file, dest, url, storageId: storage.id, params };
  if (node === ctx.env.node) {
    // The CLI on the node itself runs the task in the foreground.
    const bytes = download(ctx, worker);
    if (bytes) saveAtomic(file, bytes);
    if (bytes) ctx.out(`download of '${url}' to '${dest}' finished\n`);
    return task.upid;
  }
  // Proxied to the node: the answer comes at once, the worker runs on there (tasks.ts).
  let log = '';
  let error: string | undefined;
  let bytes: Buffer | undefined;
  try {
    bytes = download({ ...ctx, out: (text) => (log += text), delay: () => undefined }, worker);
    if (bytes) log += `download of '${url}' to '${dest}' finished\n`;
  } catch (failure) {
    if (!(failure instanceof SimError)) throw failure;
    error = failure.message;
  }
  const [first = '', ...rest] = log.replace(/\n$/, '').split('\n');
  saveTask(ctx.env, {
    ...task,
    log: [first],
    pending: {
      endsAt: Date.now() + (bytes ? durations.download * ctx.env.latency : 0),
      exitstatus: error ?? 'OK',
      log: rest,
      writes: bytes ? [{ file, content: bytes.toString('base64'), encoding: 'base64' }] : [],
    },
  });
  return task.upid;
}

/**
 * The download worker: its log through ctx.out; the bytes to save (undefined: the file is there
 * already); a failure as a SimError.
 */
function download(
  ctx: Ctx,
  worker: {
    file: string;
    dest: string;
    url: string;
    storageId: string;
    params: Record<string, string>;
  },
): Buffer | undefined {
  const { file, dest, url, params } = worker;
  const algorithm = params['checksum-algorithm'];
  const expected = params.checksum?.toLowerCase();
  const hash = (bytes: Buffer) => createHash(algorithm!).update(bytes).digest('hex');

  if (existsSync(file)) {
    if (!algorithm) throw new SimError(`refusing to override existing file '${dest}'`);
    ctx.out('calculating checksum of existing file...');
    const got = hash(readFileSync(file));
    if (got === expected) {
      ctx.out('OK, got correct file already, no need to download\n');
      return undefined;
    }
    ctx.out('\n');
    throw new SimError(`checksum mismatch: got '${got}' != expect '${expected}', aborting`);
  }

  ctx.out(`downloading ${url} to ${dest}\n`);
  const tmp = `${dest}.tmp_dwnl.${process.pid}`;
  let served: Buffer | undefined;
  try {
    const parsed = new URL(url);
    const source = paths.sim(ctx.env.dir, 'web', parsed.hostname, parsed.pathname);
    if (existsSync(source)) served = readFileSync(source);
  } catch {
    served = undefined;
  }
  ctx.out(`--2026-01-01 10:00:00--  ${url}\n`);
  if (!served) {
    ctx.out('ERROR 404: Not Found.\n');
    throw new SimError(
      `download failed: command '/usr/bin/wget --progress=dot:giga -O ${tmp} ${url}' failed: exit code 8`,
    );
  }
  if (ctx.faults.storageFull?.includes(worker.storageId))
    throw new SimError('download failed: write error: No space left on device');
  ctx.delay('download');
  ctx.out(`Saving to: '${tmp}'\n`);
  ctx.out(`     0K ........ ........ ........ ........ 100% 52.1M=0.1s\n`);
  if (algorithm) {
    ctx.out('calculating checksum...');
    const got = hash(served);
    if (got !== expected) {
      ctx.out('\n');
      throw new SimError(`checksum mismatch: got '${got}' != expect '${expected}'`);
    }
    ctx.out('OK, checksum verified\n');
  }
  return served;
}

/** The downloaded bytes, verbatim: temp file, fsync, rename. */
function saveAtomic(file: string, bytes: Buffer): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** The pvesh route (registered in pvesh.ts). */
export const downloadUrlRoute = {
  method: 'POST',
  template: '/nodes/{node}/storage/{storage}/download-url',
  handler: downloadUrl,
};
