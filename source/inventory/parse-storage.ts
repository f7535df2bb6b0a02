import type { AvailableTemplate, StorageInfo, StorageVolume, StoredTemplate } from './types.js';

/**
 * Parses `pvesm status`: a header `Name Type Status Total (KiB) Used (KiB) Available (KiB) %`
 * then one row per storage, sizes in KiB, the percentage as `11.58%` or `N/A` when disabled.
 */
export function parsePvesmStatus(text: string): StorageInfo[] {
  const storages: StorageInfo[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 6 || fields[0] === 'Name') continue;
    const [id, type, status, total, used, available, percent] = fields;
    if (![total, used, available].every((value) => /^\d+$/.test(value ?? ''))) continue;
    const storage: StorageInfo = {
      id: id!,
      type: type!,
      status: status!,
      totalBytes: Number(total) * 1024,
      usedBytes: Number(used) * 1024,
      availableBytes: Number(available) * 1024,
    };
    const pct = /^(\d+(?:\.\d+)?)%$/.exec(percent ?? '');
    if (pct) storage.usedPercent = Number(pct[1]);
    storages.push(storage);
  }
  return storages;
}

/**
 * Parses `pveam list <storage>`: header `NAME SIZE`, rows `<volid> <MiB>MB`
 * (`local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst 126.14MB`).
 */
export function parsePveamList(text: string): StoredTemplate[] {
  const templates: StoredTemplate[] = [];
  for (const line of text.split('\n')) {
    const match = /^(\S+:\S+)\s+(\d+(?:\.\d+)?)MB\s*$/.exec(line.trim());
    if (!match) continue;
    const volid = match[1]!;
    templates.push({
      volid,
      file: volid.replace(/^[^:]+:(?:vztmpl\/)?/, ''),
      sizeBytes: Math.round(Number(match[2]) * 1024 * 1024),
    });
  }
  return templates;
}

/**
 * Parses `pveam available`: `<section> <template> [<arch>]` per line. The arch column was added
 * in 2026-08; older releases print two columns.
 */
export function parsePveamAvailable(text: string): AvailableTemplate[] {
  const templates: AvailableTemplate[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 2 || fields[0] === '') continue;
    const template: AvailableTemplate = { section: fields[0]!, template: fields[1]! };
    if (fields[2]) template.arch = fields[2];
    templates.push(template);
  }
  return templates;
}

/** Parses `pvesh get /nodes/{node}/storage/{storage}/content --output-format json`. */
export function parseStorageContent(text: string): StorageVolume[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `unexpected output from the storage content API: not JSON (${(error as Error).message})`,
    );
  }
  if (!Array.isArray(value))
    throw new Error('unexpected output from the storage content API: not a JSON array');
  return value
    .filter(
      (entry): entry is Record<string, unknown> => entry !== null && typeof entry === 'object',
    )
    .map((entry) => {
      const volume: StorageVolume = {
        volid: String(entry.volid ?? ''),
        content: String(entry.content ?? ''),
        format: String(entry.format ?? ''),
        sizeBytes: Number(entry.size ?? 0) || 0,
      };
      if (entry.vmid !== undefined && entry.vmid !== null && entry.vmid !== '')
        volume.vmid = Number(entry.vmid);
      if (typeof entry.parent === 'string' && entry.parent !== '') volume.parent = entry.parent;
      return volume;
    })
    .filter((volume) => volume.volid !== '');
}
