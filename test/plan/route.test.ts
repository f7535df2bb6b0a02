import { describe, expect, it } from 'vitest';
import { AGENT_INPUT_LIMIT, routeCommand } from '../../source/plan/route.js';

describe('routeCommand', () => {
  it('leaves commands for a guest on this node as they are, stdin included', () => {
    expect(
      routeCommand(['pct', 'exec', '910', '--', 'bash', '-s'], 'pve', 'pve', 'echo hi'),
    ).toEqual({ argv: ['pct', 'exec', '910', '--', 'bash', '-s'], input: 'echo hi' });
  });

  it('sends qm/pct commands for another node through its API', () => {
    expect(routeCommand(['qm', 'set', '2002', '--cores', '2'], 'pve2', 'pve')).toEqual({
      argv: ['pvesh', 'set', '/nodes/pve2/qemu/2002/config', '--cores', '2'],
    });
    expect(routeCommand(['pct', 'start', '910'], 'pve2', 'pve')).toEqual({
      argv: ['pvesh', 'create', '/nodes/pve2/lxc/910/status/start'],
    });
  });

  it("names pct create's OS template for the API, which takes no positional argument", () => {
    const template = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';
    expect(
      routeCommand(['pct', 'create', '910', template, '--hostname', 'far'], 'pve2', 'pve').argv,
    ).toEqual([
      'pvesh',
      'create',
      '/nodes/pve2/lxc',
      '--vmid',
      '910',
      '--ostemplate',
      template,
      '--hostname',
      'far',
    ]);
    expect(routeCommand(['qm', 'create', '9200', '--name', 't'], 'pve2', 'pve').argv).toEqual([
      'pvesh',
      'create',
      '/nodes/pve2/qemu',
      '--vmid',
      '9200',
      '--name',
      't',
    ]);
  });

  it('runs pct exec, which has no API, on the guest node with its stdin', () => {
    expect(
      routeCommand(['pct', 'exec', '910', '--', 'bash', '-s'], 'pve2', 'pve', 'echo hi'),
    ).toEqual({
      argv: ['pct', 'exec', '910', '--', 'bash', '-s'],
      input: 'echo hi',
      onNode: 'pve2',
    });
  });

  it("gives a guest agent command's stdin to the API as input-data", () => {
    const argv = ['qm', 'guest', 'exec', '2002', '--pass-stdin', '1', '--', 'bash', '-s'];
    expect(routeCommand(argv, 'pve2', 'pve', 'echo hi')).toEqual({
      argv: [
        'pvesh',
        'create',
        '/nodes/pve2/qemu/2002/agent/exec',
        '--command',
        'bash',
        '--command',
        '-s',
        '--input-data',
        'echo hi',
        '--output-format',
        'json',
      ],
    });
    // Without --pass-stdin there is nothing to pass on.
    expect(
      routeCommand(['qm', 'guest', 'exec', '2002', '--', 'cat', '/x'], 'pve2', 'pve').argv,
    ).toEqual([
      'pvesh',
      'create',
      '/nodes/pve2/qemu/2002/agent/exec',
      '--command',
      'cat',
      '--command',
      '/x',
      '--output-format',
      'json',
    ]);
  });

  it('refuses input beyond what the API takes (guest-exec stages it in chunks first)', () => {
    const argv = ['qm', 'guest', 'exec', '2002', '--pass-stdin', '1', '--', 'bash', '-s'];
    expect(routeCommand(argv, 'pve2', 'pve', 'x'.repeat(AGENT_INPUT_LIMIT)).argv).toContain(
      '--input-data',
    );
    expect(() => routeCommand(argv, 'pve2', 'pve', 'x'.repeat(AGENT_INPUT_LIMIT + 1))).toThrow(
      /65537 bytes; the agent API takes 65536/,
    );
    // A multi-byte character counts with its bytes.
    expect(() => routeCommand(argv, 'pve2', 'pve', 'é'.repeat(AGENT_INPUT_LIMIT / 2 + 1))).toThrow(
      /the agent API takes/,
    );
  });

  it("asks another node's API for its templates: local storages are that node's own", () => {
    const file = 'debian-12-standard_12.7-1_amd64.tar.zst';
    expect(routeCommand(['pveam', 'list', 'local'], 'pve2', 'pve').argv).toEqual([
      'pvesh',
      'get',
      '/nodes/pve2/storage/local/content',
      '--content',
      'vztmpl',
      '--output-format',
      'json',
    ]);
    expect(routeCommand(['pveam', 'download', 'local', file], 'pve2', 'pve').argv).toEqual([
      'pvesh',
      'create',
      '/nodes/pve2/aplinfo',
      '--storage',
      'local',
      '--template',
      file,
    ]);
    expect(routeCommand(['pveam', 'list', 'local'], 'pve', 'pve').argv).toEqual([
      'pveam',
      'list',
      'local',
    ]);
  });

  it("reaches another node's files (a bind mount's directory) over root SSH", () => {
    expect(routeCommand(['mkdir', '-p', '-m', '0755', '--', '/srv/x'], 'pve2', 'pve')).toEqual({
      argv: ['mkdir', '-p', '-m', '0755', '--', '/srv/x'],
      onNode: 'pve2',
    });
    expect(routeCommand(['chown', '1:1', '--', '/srv/x'], 'pve2', 'pve').onNode).toBe('pve2');
  });

  it('shows in a plan what exists only when the command runs as a placeholder', () => {
    const guest = ['qm', 'guest', 'exec', '2002', '--pass-stdin', '1', '--', 'bash', '-s'];
    expect(routeCommand(guest, 'pve2', 'pve', undefined, { preview: true }).argv).toEqual([
      'pvesh',
      'create',
      '/nodes/pve2/qemu/2002/agent/exec',
      '--command',
      'bash',
      '--command',
      '-s',
      '--input-data',
      '<stdin>',
      '--output-format',
      'json',
    ]);
    // The key file is written just before the command runs: a plan does not read it.
    const keys = ['qm', 'set', '2002', '--sshkeys', '/nonexistent/keys.pub', '--ciuser', 'x'];
    expect(routeCommand(keys, 'pve2', 'pve', undefined, { preview: true }).argv).toEqual([
      'pvesh',
      'set',
      '/nodes/pve2/qemu/2002/config',
      '--sshkeys',
      '<the keys of /nonexistent/keys.pub, URL-encoded>',
      '--ciuser',
      'x',
    ]);
    expect(() => routeCommand(keys, 'pve2', 'pve')).toThrow(/ENOENT/);
  });
});
