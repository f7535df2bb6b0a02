import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSimHost, isMutating } from '../support/sim-host.js';

function setApplicationScript(configDir: string, ctid: string, script: string): void {
  const file = join(configDir, 'phoenix_lxc_configs.json');
  const config = JSON.parse(readFileSync(file, 'utf8')) as {
    lxc_configs: Record<string, { application_script?: string }>;
  };
  config.lxc_configs[ctid]!.application_script = script;
  writeFileSync(file, JSON.stringify(config, null, 2));
}

describe('a container application_script', { timeout: 180_000 }, () => {
  it('runs once after the features, with the context, and not again when nothing changed', async () => {
    const host = await createSimHost();
    mkdirSync(join(host.configDir, 'scripts'));
    writeFileSync(
      join(host.configDir, 'scripts', 'web_app.sh'),
      '#!/usr/bin/env bash\nset -euo pipefail\nR="${PHOENIX_ROOT:-}"\nmkdir -p "$R/srv/app"\ncp "$1" "$R/srv/app/context.json"\necho "[web_app] deployed"\n',
    );
    setApplicationScript(host.configDir, '901', 'web_app.sh');

    const plan = (await host.phoenix(['plan', '901'])).stdout;
    expect(plan).toMatch(/Feature docker[\s\S]*Application script web_app\.sh/);
    const result = await host.phoenix(['apply', '901', '--yes', '--ascii', '--verbose']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('[web_app] deployed');
    const context = JSON.parse(
      readFileSync(
        join(host.dir, 'sim', 'guests', '901', 'root', 'srv', 'app', 'context.json'),
        'utf8',
      ),
    ) as { name: string };
    expect(context.name).toBe('docker-host');

    const before = host.calls().length;
    expect((await host.phoenix(['apply', '901', '--yes'])).stdout).toContain('Nothing to do');
    expect(
      host
        .calls()
        .slice(before)
        .map((call) => call.argv)
        .filter(isMutating),
    ).toEqual([]);
  });

  it('is a plan problem, with where it looked, when the script is missing', async () => {
    const host = await createSimHost();
    setApplicationScript(host.configDir, '901', 'missing.sh');
    const result = await host.phoenix(['plan', '901', '--ascii']);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('application_script "missing.sh" not found (looked in');
    expect(existsSync(join(host.configDir, 'scripts'))).toBe(false);
  });
});
