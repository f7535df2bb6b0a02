import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../source/config/load.js';
import { copyFixture, makeFeaturesRoot } from './helpers.js';

// The original project's real files (copied from ../shared/fixtures/original into test/fixtures).
const shipped = makeFeaturesRoot();
const SITE_FEATURES = ['docker_proxy', 'step_ca', 'step_cli', 'traefik', 'trusted_ca', 'vllm'];

describe("the original project's real config files", () => {
  const result = loadConfig(copyFixture('original'), { featuresRoot: shipped });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');

  it('load; the only errors are features Phoenix does not have, each at its exact position', () => {
    expect(errors.length).toBe(26);
    for (const error of errors) {
      expect(error.message).toMatch(/^unknown (VM|container) feature "(\w+)"/);
      expect(SITE_FEATURES).toContain(/"(\w+)"/.exec(error.message)![1]);
      expect(error.path).toMatch(/\.features\[\d\]$/);
      expect(error.line).toBeGreaterThan(0);
    }
    expect(errors[0]).toMatchObject({
      path: '$.lxc_configs["910"].features[1]',
      line: 119,
      column: 17,
      message: 'unknown container feature "vllm" (no features/lxc/vllm.sh)',
    });
  });

  it('are valid once those features exist (site keys are warnings, never errors)', () => {
    const withSite = makeFeaturesRoot({
      vm: ['base_setup', 'docker', ...SITE_FEATURES],
      lxc: ['base_setup', 'docker', 'nvidia', 'ollama', ...SITE_FEATURES],
    });
    const strict = loadConfig(copyFixture('original'), { featuresRoot: withSite, strict: true });
    expect(strict.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(strict.valid).toBe(true);
  });

  it('every finding has a position, a path and a hint', () => {
    for (const d of result.diagnostics) {
      expect(d.line).toBeGreaterThan(0);
      expect(d.column).toBeGreaterThan(0);
      expect(d.path.startsWith('$')).toBe(true);
      expect(d.hint).toBeTruthy();
    }
  });

  it('name site-specific keys honestly, once per key and file', () => {
    const portainer = result.diagnostics.filter(
      (d) => d.message.includes('"portainer_role"') && d.file.endsWith('phoenix_lxc_configs.json'),
    );
    expect(portainer).toHaveLength(1);
    expect(portainer[0]!.message).toContain('does not act on it');
    expect(portainer[0]!.message).toContain('and 6 more');
    // A plaintext site password (portainer_api.admin_password) is never echoed.
    expect(JSON.stringify(result.diagnostics)).not.toMatch(/admin_password"?:/);
  });

  it('normalise IDs to numbers and old spellings to the canonical keys', () => {
    const byId = new Map(result.spec.containers.map((c) => [c.ctid, c]));
    // Containers come in ascending CTID order.
    expect([...byId.keys()]).toEqual([101, 102, 103, 801, 802, 900, 901, 910, 911, 912, 914, 917]);
    expect(byId.get(901)).toMatchObject({
      clone_from_ctid: 900,
      dependencies: [1002],
      gpu_assignment: [0, 1],
    });
    expect(byId.get(900)!.network_config).toMatchObject({
      hwaddr: '52:54:00:AA:BB:CC',
      nameserver: '8.8.8.8',
    });
    expect(byId.get(900)!.extra).toHaveProperty('portainer_role', 'none');
    const [template, portainer] = result.spec.vms;
    expect(template).toMatchObject({
      vm_id: 9000,
      is_template: true,
      template_image: 'noble-server-cloudimg-amd64.img',
      image_url: 'https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.img',
      boot_disk_storage: 'quickOS-vm-disks',
    });
    expect(portainer).toMatchObject({
      vm_id: 1001,
      vm_name: 'Portainer',
      cpu_cores: 4,
      dependencies: [102],
    });
    expect(portainer!.declared).not.toContain('portainer_role');
    expect(result.spec.hypervisor?.users).toEqual([
      { username: 'phoenix_admin', sudo_access: true },
    ]);
    expect(result.spec.lxcGlobals).toHaveProperty('nvidia_driver_version', '580.76.05');
  });
});

describe('the main branch snapshot (2025-11-04)', () => {
  it('loads with the same kind of findings only', () => {
    const result = loadConfig(copyFixture('original-main-branch'), { featuresRoot: shipped });
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(error.message).toMatch(/^unknown (VM|container) feature/);
    expect(result.spec.containers.length).toBeGreaterThan(0);
  });
});
