import { describe, expect, it } from 'vitest';
import { translateLegacyArgs } from '../../source/cli/legacy-flags.js';

describe('translateLegacyArgs', () => {
  it('maps the orchestrator flags to verbs', () => {
    expect(translateLegacyArgs(['--start-vm', '8001'])).toEqual(['start', '8001']);
    expect(translateLegacyArgs(['--stop-vm', '8001'])).toEqual(['stop', '8001']);
    expect(translateLegacyArgs(['--delete-vm', '8001'])).toEqual(['delete', '8001']);
    expect(translateLegacyArgs(['--create-vm', 'webserver-vm'])).toEqual([
      'create',
      '--name',
      'webserver-vm',
    ]);
    expect(translateLegacyArgs(['--LetsGo'])).toEqual(['apply', '--all', '--start']);
    expect(translateLegacyArgs(['--provision-template'])).toEqual(['template', 'provision']);
  });

  it('treats bare IDs as create, keeping global options in front', () => {
    expect(translateLegacyArgs(['8001', '8002'])).toEqual(['create', '8001', '8002']);
    expect(translateLegacyArgs(['--config-dir', 'x', '8001'])).toEqual([
      '--config-dir',
      'x',
      'create',
      '8001',
    ]);
    expect(translateLegacyArgs(['-c', '/etc/phoenix', '--start-vm', '1'])).toEqual([
      '-c',
      '/etc/phoenix',
      'start',
      '1',
    ]);
  });

  it('leaves modern verbs alone', () => {
    expect(translateLegacyArgs(['plan', '--json'])).toEqual(['plan', '--json']);
    expect(translateLegacyArgs([])).toEqual([]);
  });
});
