// Regenerates api.json from Proxmox's API schema (pve-docs apidata, see the CLI reference §8):
//   node source/simulator/schema/extract.mjs [/path/to/proxmox-api]
// Keeps only the parameter definitions of the endpoints behind qm, pct, pvesh, pvesm and pveam,
// without descriptions. Each endpoint's definition is stored as a JSON *string* so the
// simulator parses only the one endpoint a call needs (startup stays cheap).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = process.argv[2] ?? join(here, '../../../../shared/proxmox-api');
const tree = JSON.parse(readFileSync(join(source, 'apidata.json'), 'utf8'));

const wanted = [
  'GET /cluster/resources',
  'GET /cluster/nextid',
  'GET /nodes',
  'GET /version',
  'GET /nodes/{node}/network',
  'GET /nodes/{node}/qemu',
  'POST /nodes/{node}/qemu',
  'DELETE /nodes/{node}/qemu/{vmid}',
  'GET /nodes/{node}/qemu/{vmid}/config',
  'POST /nodes/{node}/qemu/{vmid}/config',
  'PUT /nodes/{node}/qemu/{vmid}/config',
  'GET /nodes/{node}/qemu/{vmid}/pending',
  'POST /nodes/{node}/qemu/{vmid}/clone',
  'PUT /nodes/{node}/qemu/{vmid}/resize',
  'POST /nodes/{node}/qemu/{vmid}/template',
  'GET /nodes/{node}/qemu/{vmid}/status/current',
  'POST /nodes/{node}/qemu/{vmid}/status/start',
  'POST /nodes/{node}/qemu/{vmid}/status/stop',
  'POST /nodes/{node}/qemu/{vmid}/status/shutdown',
  'POST /nodes/{node}/qemu/{vmid}/status/reboot',
  'POST /nodes/{node}/qemu/{vmid}/status/suspend',
  'POST /nodes/{node}/qemu/{vmid}/status/resume',
  'GET /nodes/{node}/qemu/{vmid}/snapshot',
  'POST /nodes/{node}/qemu/{vmid}/snapshot',
  'DELETE /nodes/{node}/qemu/{vmid}/snapshot/{snapname}',
  'POST /nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback',
  'POST /nodes/{node}/qemu/{vmid}/agent',
  'POST /nodes/{node}/qemu/{vmid}/agent/exec',
  'GET /nodes/{node}/qemu/{vmid}/agent/exec-status',
  'PUT /nodes/{node}/qemu/{vmid}/cloudinit',
  'GET /nodes/{node}/qemu/{vmid}/cloudinit',
  'GET /nodes/{node}/qemu/{vmid}/cloudinit/dump',
  'GET /nodes/{node}/lxc',
  'POST /nodes/{node}/lxc',
  'DELETE /nodes/{node}/lxc/{vmid}',
  'GET /nodes/{node}/lxc/{vmid}/config',
  'PUT /nodes/{node}/lxc/{vmid}/config',
  'GET /nodes/{node}/lxc/{vmid}/pending',
  'POST /nodes/{node}/lxc/{vmid}/clone',
  'PUT /nodes/{node}/lxc/{vmid}/resize',
  'POST /nodes/{node}/lxc/{vmid}/template',
  'GET /nodes/{node}/lxc/{vmid}/status/current',
  'POST /nodes/{node}/lxc/{vmid}/status/start',
  'POST /nodes/{node}/lxc/{vmid}/status/stop',
  'POST /nodes/{node}/lxc/{vmid}/status/shutdown',
  'POST /nodes/{node}/lxc/{vmid}/status/reboot',
  'POST /nodes/{node}/lxc/{vmid}/status/suspend',
  'POST /nodes/{node}/lxc/{vmid}/status/resume',
  'GET /storage',
  'POST /storage',
  'PUT /storage/{storage}',
  'DELETE /storage/{storage}',
  'POST /nodes/{node}/storage/{storage}/content',
  'GET /nodes/{node}/storage/{storage}/status',
  'GET /nodes/{node}/lxc/{vmid}/snapshot',
  'POST /nodes/{node}/lxc/{vmid}/snapshot',
  'DELETE /nodes/{node}/lxc/{vmid}/snapshot/{snapname}',
  'POST /nodes/{node}/lxc/{vmid}/snapshot/{snapname}/rollback',
  'GET /nodes/{node}/storage',
  'GET /nodes/{node}/storage/{storage}/content',
  'DELETE /nodes/{node}/storage/{storage}/content/{volume}',
  'POST /nodes/{node}/storage/{storage}/download-url',
  'GET /nodes/{node}/aplinfo',
  'POST /nodes/{node}/aplinfo',
  'GET /nodes/{node}/tasks/{upid}/status',
  'GET /nodes/{node}/tasks/{upid}/log',
];

const byPath = new Map();
(function walk(nodes) {
  for (const node of nodes) {
    byPath.set(node.path, node);
    if (node.children) walk(node.children);
  }
})(tree);

const dropKeys = new Set(['description', 'verbose_description', 'renderer', 'format_description']);
function strip(value) {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [key, inner] of Object.entries(value)) {
    // `description` is also a parameter name: drop only the documentation strings
    if (!(dropKeys.has(key) && typeof inner === 'string')) out[key] = strip(inner);
  }
  return out;
}

const result = {};
for (const entry of wanted) {
  const [method, path] = entry.split(' ');
  const info = byPath.get(path)?.info?.[method];
  if (!info) throw new Error(`schema has no ${entry}`);
  result[entry] = JSON.stringify({
    properties: strip(info.parameters?.properties ?? {}),
    additionalProperties: info.parameters?.additionalProperties ?? 0,
  });
}
writeFileSync(join(here, 'api.json'), JSON.stringify(result, null, 2) + '\n');
console.log(`wrote ${Object.keys(result).length} endpoints to ${join(here, 'api.json')}`);
