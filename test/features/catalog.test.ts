import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../source/cli/program.js';
import type { Output } from '../../source/cli/output.js';
import { featureLibFiles, listAllFeatures, resolveFeature } from '../../source/features/catalog.js';
import { featuresRoot } from './harness.js';

function capture(): Output & { stdout: string; stderr: string } {
  const sink = {
    stdout: '',
    stderr: '',
    out: (text: string) => (sink.stdout += text.endsWith('\n') ? text : `${text}\n`),
    err: (text: string) => (sink.stderr += text.endsWith('\n') ? text : `${text}\n`),
  };
  return sink;
}

describe('feature catalog', () => {
  const all = listAllFeatures(featuresRoot);
  const names = (kind: string) => all.filter((f) => f.kind === kind).map((f) => f.name);

  it('ships the features of issue 7 for VMs and containers', () => {
    expect(names('vm')).toEqual(['base_setup', 'docker', 'nvidia', 'ollama', 'qemu_guest_agent']);
    expect(names('lxc')).toEqual(['base_setup', 'docker', 'nvidia', 'ollama']);
  });

  it('reads every description from the header, whose name matches the file', () => {
    for (const feature of all) {
      const header = readFileSync(feature.path, 'utf8').split('\n')[1];
      expect(header).toMatch(new RegExp(`^# Feature: ${feature.name} — .{10,}$`));
      expect(feature.description.length).toBeGreaterThan(10);
    }
  });

  it('resolves the alias install_docker to docker', () => {
    expect(resolveFeature('vm', 'install_docker', featuresRoot)?.name).toBe('docker');
    expect(all.find((f) => f.kind === 'lxc' && f.name === 'docker')?.aliases).toEqual([
      'install_docker',
    ]);
    expect(resolveFeature('vm', 'no_such_feature', featuresRoot)).toBeUndefined();
  });

  it('lists the shared lib the scripts source from ../lib', () => {
    expect(featureLibFiles(featuresRoot).map((f) => f.name)).toEqual([
      'base.sh',
      'common.sh',
      'docker.sh',
      'ollama.sh',
    ]);
  });
});

describe('phoenix features', () => {
  it('prints the features per kind with their descriptions', async () => {
    const output = capture();
    expect(await runCli(['features'], output)).toBe(0);
    expect(output.stdout).toContain('VM features');
    expect(output.stdout).toMatch(
      /^ {2}docker +Docker Engine from Docker's apt repository.*\(also: install_docker\)$/m,
    );
    expect(output.stdout).toMatch(/^ {2}qemu_guest_agent +QEMU guest agent/m);
  });

  it('prints JSON for wizards and filters by kind', async () => {
    const output = capture();
    expect(await runCli(['features', '--json', '--kind', 'lxc'], output)).toBe(0);
    const parsed = JSON.parse(output.stdout) as {
      kind: string;
      name: string;
      description: string;
    }[];
    expect(parsed.every((f) => f.kind === 'lxc')).toBe(true);
    expect(parsed.find((f) => f.name === 'nvidia')?.description).toContain('matching the host');
  });

  it('rejects an unknown kind with exit 2', async () => {
    const output = capture();
    expect(await runCli(['features', '--kind', 'pod'], output)).toBe(2);
    expect(output.stderr).toContain('unknown feature kind "pod"');
  });
});
