/**
 * Cloud image → template. The planner puts these steps in front of the VM pipeline of a template
 * VM that has no clone source (`is_template` with `template_image`/`image_url`):
 *
 *   download the image onto an `import` storage (Proxmox downloads it itself and verifies the
 *   checksum; a file already there is the cache) → bake the guest agent into it with
 *   virt-customize when the host has it → `qm create` with the disk imported from the image, a
 *   cloud-init drive, a serial console, the boot order and the agent
 *
 * and the VM pipeline goes on with cloud-init settings, the disk size and `qm template`.
 * The template never boots: there is no cloud-init run to wait for (exit 2 after kernel
 * upgrades) and nothing to clean up before `qm template` (the original's pain points 2 and 3);
 * every clone runs cloud-init on its own first boot.
 */
import { basename } from 'node:path';
import type { VmSpec } from '../config/types.js';
import type { Host } from '../host/index.js';
import { HostError } from '../host/index.js';
import { customizeImage, findVirtCustomize, virtCustomizeArgs } from '../host/image-tools.js';
import type { GuestConfig } from '../inventory/types.js';
import { vmSettings } from '../reconcile/desired.js';
import { StepError } from '../runner/step-error.js';
import { convergeStep } from './steps.js';
import { taskUpid, waitForTask } from './tasks.js';
import type { GuestView, PipelineStep, Problem } from './types.js';

/** Packages baked into the image: Phoenix drives VMs through the guest agent. */
const AGENT_PACKAGES = ['qemu-guest-agent'];

/** The algorithms Proxmox's download-url verifies, and their digest lengths in hex. */
const CHECKSUM_LENGTHS = { md5: 32, sha1: 40, sha224: 56, sha256: 64, sha384: 96, sha512: 128 };

export interface ImageChecksum {
  algorithm: keyof typeof CHECKSUM_LENGTHS;
  hex: string;
}

/** The image a template is made from, and where it is cached on the host. */
export interface TemplateImage {
  url: string;
  node: string;
  /** A storage of `node` with the `import` content type. */
  storage: string;
  /** File name on the storage: the URL's, with the checksum in it (a new image is a new file). */
  filename: string;
  volid: string;
  checksum?: ImageChecksum;
  /** The file is on the storage already (when the plan was made). */
  cached: boolean;
  /** virt-customize of this host, when the image is reachable here (a storage of this node). */
  virtCustomize?: string;
}

/** `sha256:<hex>` (any algorithm Proxmox verifies), or a bare sha256/sha512 hex digest. */
export function parseChecksum(text: string): ImageChecksum | undefined {
  const match = /^(?:(\w+):)?([0-9a-f]+)$/i.exec(text.trim());
  if (!match) return undefined;
  const hex = match[2]!.toLowerCase();
  const named = match[1]?.toLowerCase();
  const algorithm =
    named ?? (hex.length === 64 ? 'sha256' : hex.length === 128 ? 'sha512' : undefined);
  const lengths: Record<string, number> = CHECKSUM_LENGTHS;
  if (!algorithm || lengths[algorithm] !== hex.length) return undefined;
  return { algorithm: algorithm as ImageChecksum['algorithm'], hex };
}

/**
 * The file name the image gets on the import storage. Proxmox accepts only .ova, .qcow2, .raw
 * and .vmdk there; cloud images published as `.img` are qcow2 files.
 */
export function cacheFileName(url: string, checksum?: ImageChecksum): string | undefined {
  let name: string;
  try {
    name = basename(new URL(url).pathname);
  } catch {
    return undefined;
  }
  const match = /^(.+?)\.(img|qcow2|raw|vmdk)$/i.exec(name);
  if (!match) return undefined;
  const extension = match[2]!.toLowerCase() === 'img' ? 'qcow2' : match[2]!.toLowerCase();
  const stem = match[1]!.replace(/[^a-zA-Z0-9\-.+=_]/g, '_');
  return `${stem}${checksum ? `-${checksum.hex.slice(0, 12)}` : ''}.${extension}`;
}

interface StorageEntry {
  storage: string;
  content?: string;
  active?: number;
  enabled?: number;
}

/**
 * Everything the plan must know about a template's image: which URL, which storage, whether it
 * is cached. Returns undefined (with an error in `problems`) when the template cannot be built.
 */
export async function planTemplateImage(
  spec: VmSpec,
  node: string,
  localNode: string,
  host: Host,
  problems: Problem[],
): Promise<TemplateImage | undefined> {
  const where = spec.origin.file;
  if (!spec.image_url) {
    problems.push({
      severity: 'error',
      message: `template ${spec.vm_name} has no image to be made from`,
      hint: `set image_url (or template_image plus ubuntu_release in the host config) in ${where}`,
    });
    return undefined;
  }
  let checksum: ImageChecksum | undefined;
  if (spec.image_checksum !== undefined) {
    checksum = parseChecksum(spec.image_checksum);
    if (!checksum) {
      problems.push({
        severity: 'error',
        message: `image_checksum "${spec.image_checksum}" is not a checksum Proxmox can verify`,
        hint: `write it as sha256:<64 hex digits> (from the image's SHA256SUMS) in ${where}`,
      });
      return undefined;
    }
  }
  const filename = cacheFileName(spec.image_url, checksum);
  if (!filename) {
    problems.push({
      severity: 'error',
      message: `image_url ${spec.image_url} does not name a disk image (.img, .qcow2, .raw or .vmdk)`,
      hint: 'point image_url at the cloud image file itself, e.g. …/noble-server-cloudimg-amd64.img',
    });
    return undefined;
  }
  const { stdout } = await host.run([
    'pvesh',
    'get',
    `/nodes/${node}/storage`,
    '--content',
    'import',
    '--output-format',
    'json',
  ]);
  const storages = (JSON.parse(stdout) as StorageEntry[]).filter(
    (entry) => entry.active !== 0 && entry.enabled !== 0,
  );
  const storage = (storages.find((entry) => entry.storage === 'local') ?? storages[0])?.storage;
  if (!storage) {
    problems.push({
      severity: 'error',
      message: `node ${node} has no storage for disk images to import (content type "import")`,
      hint: 'enable it on a directory storage: pvesm set local --content iso,vztmpl,backup,import',
    });
    return undefined;
  }
  const volid = `${storage}:import/${filename}`;
  const volumes = await host.storageContent(storage, { node, content: 'import' });
  const virtCustomize = node === localNode ? findVirtCustomize() : undefined;
  if (!virtCustomize) {
    problems.push({
      severity: 'warning',
      message:
        node === localNode
          ? 'virt-customize is not installed: the image keeps whatever guest agent it ships with'
          : `the image is on node ${node}: Phoenix cannot add the guest agent to it from here`,
      hint:
        node === localNode
          ? 'apt install libguestfs-tools, so Phoenix bakes qemu-guest-agent into the template (clones then answer the agent on first boot)'
          : 'run phoenix template provision on that node to have the agent baked in',
    });
  }
  return {
    url: spec.image_url,
    node,
    storage,
    filename,
    volid,
    ...(checksum ? { checksum } : {}),
    cached: volumes.some((volume) => volume.volid === volid),
    ...(virtCustomize ? { virtCustomize } : {}),
  };
}

/** `pvesh create /nodes/N/storage/S/download-url …`: Proxmox downloads and verifies the image. */
export function downloadCommand(image: TemplateImage): string[] {
  const argv = [
    'pvesh',
    'create',
    `/nodes/${image.node}/storage/${image.storage}/download-url`,
    '--url',
    image.url,
    '--filename',
    image.filename,
    '--content',
    'import',
  ];
  if (image.checksum)
    argv.push('--checksum', image.checksum.hex, '--checksum-algorithm', image.checksum.algorithm);
  return argv;
}

/** The `qm create` of a template: hardware from the config, the disk imported from the image. */
export function createCommand(spec: VmSpec, id: number, image: TemplateImage): string[] {
  const storage = spec.boot_disk_storage;
  const options: [string, string][] = vmSettings(spec)
    .filter((setting) => setting.key !== 'ipconfig0' && !CLOUD_INIT_KEYS.has(setting.key))
    .filter((setting) => !setting.immutable)
    .map((setting) => [setting.key, setting.value(undefined)]);
  const has = (key: string) => options.some(([name]) => name === key);
  if (!has('net0')) options.push(['net0', `${spec.network_model},bridge=${spec.network_bridge}`]);
  if (!has('ostype')) options.push(['ostype', spec.os_type]);
  options.push(
    ['scsihw', 'virtio-scsi-pci'],
    ['scsi0', `${storage}:0,import-from=${image.volid}`],
    ['ide2', `${storage}:cloudinit`],
    ['vga', 'serial0'],
    ['boot', 'order=scsi0'],
  );
  return ['qm', 'create', String(id), ...options.flatMap(([key, value]) => [`--${key}`, value])];
}

const CLOUD_INIT_KEYS = new Set([
  'ipconfig0',
  'nameserver',
  'searchdomain',
  'ciuser',
  'sshkeys',
  'cipassword',
]);

/**
 * What the template looks like right after its `qm create`, for the plan: the steps after it
 * (cloud-init settings, disk size, `qm template`) preview against this.
 */
export function predictCreatedView(spec: VmSpec, id: number, image: TemplateImage): GuestView {
  const argv = createCommand(spec, id, image);
  const values: Record<string, string> = {};
  for (let index = 3; index + 1 < argv.length; index += 2)
    values[argv[index]!.slice(2)] = argv[index + 1]!;
  const storage = spec.boot_disk_storage;
  // Proxmox stores the allocated volumes, not the allocation syntax.
  values.scsi0 = `${storage}:vm-${id}-disk-0`;
  values.ide2 = `${storage}:vm-${id}-cloudinit,media=cdrom`;
  delete values.description;
  const config: GuestConfig = {
    id,
    type: 'qemu',
    values,
    ...(spec.declared.includes('description') && spec.description
      ? { description: spec.description }
      : {}),
    tags: spec.tags,
    lxc: [],
  };
  return { exists: false, config, status: 'stopped', snapshots: [], predicted: true };
}

/** The image steps, which put the template VM on the host; the VM pipeline follows them. */
export function templateImageSteps(
  spec: VmSpec,
  id: number,
  image: TemplateImage,
  host: Host,
): PipelineStep[] {
  const download = downloadCommand(image);
  const onStorage = async (signal: AbortSignal) =>
    (
      await host.storageContent(image.storage, { node: image.node, content: 'import' }, { signal })
    ).some((volume) => volume.volid === image.volid);

  const steps: PipelineStep[] = [
    {
      key: 'image',
      title: `Download the cloud image (${image.filename})`,
      // Two templates of one image download it once; the second finds it cached.
      locks: [`image:${image.volid}`],
      timeoutMs: 60 * 60_000,
      note: image.cached
        ? `cached as ${image.volid}`
        : image.checksum
          ? `Proxmox verifies its ${image.checksum.algorithm} checksum; kept as ${image.volid}`
          : `no image_checksum in the config: not verified; kept as ${image.volid}`,
      preview: (view) => (view.exists || image.cached ? [] : [download]),
      async run(context) {
        if ((await context.view()).exists) return 'unchanged';
        if (await onStorage(context.signal)) {
          context.log(`using the cached image ${image.volid}`);
          return 'unchanged';
        }
        let output: string;
        try {
          output = await context.exec(download, { timeoutMs: 60 * 60_000 });
          // On another node the download is a task that runs on after the call: wait for it.
          const upid = context.remote ? taskUpid(output) : undefined;
          if (upid) {
            await waitForTask(context, image.node, upid, {
              what: `the download of ${image.filename}`,
              timeoutMs: 60 * 60_000,
            });
            output = '';
          }
        } catch (error) {
          const message = (error as Error).message;
          if (/checksum mismatch/.test(message)) {
            throw new StepError({
              message: `the image's checksum does not match image_checksum: ${message}`,
              command: download,
              kind: 'failed',
              hint: `Proxmox kept nothing. Either the image at ${image.url} changed (take the new checksum from its SHA256SUMS) or image_checksum in ${spec.origin.file} is wrong.`,
            });
          }
          throw error;
        }
        for (const line of output.split('\n')) if (line.trim()) context.log(line);
        if (!(await onStorage(context.signal))) {
          throw new StepError({
            message: `the download finished but ${image.volid} is not on storage ${image.storage}`,
            command: download,
          });
        }
        return 'changed';
      },
    },
  ];

  if (image.virtCustomize) {
    const shownPath = `<path of ${image.volid}>`;
    steps.push({
      key: 'image-agent',
      title: 'Bake the guest agent into the image',
      timeoutMs: 30 * 60_000,
      note: 'virt-customize, on the cached image',
      preview: (view) =>
        view.exists ? [] : [['virt-customize', ...virtCustomizeArgs(shownPath, AGENT_PACKAGES)]],
      async run(context) {
        if ((await context.view()).exists) return 'unchanged';
        const path = (await context.exec(['pvesm', 'path', image.volid])).trim();
        context.command(['virt-customize', ...virtCustomizeArgs(path, AGENT_PACKAGES)]);
        try {
          const output = await customizeImage(path, AGENT_PACKAGES, { signal: context.signal });
          for (const line of output.split('\n')) if (line.trim()) context.log(line);
        } catch (error) {
          if (!(error instanceof HostError)) throw error;
          throw new StepError({
            message: error.message,
            command: error.argv,
            output: [error.stdout, error.stderr].filter(Boolean).join('\n'),
            hint: 'virt-customize needs network access from its appliance for apt; `LIBGUESTFS_DEBUG=1 virt-customize …` shows why it failed.',
          });
        }
        return 'changed';
      },
    });
  }

  steps.push(
    convergeStep({
      key: 'create',
      title: 'Create the VM from the image (disk, cloud-init drive, serial console, agent)',
      timeoutMs: 30 * 60_000,
      commands: (view) => (view.exists ? [] : [createCommand(spec, id, image)]),
    }),
  );
  return steps;
}
