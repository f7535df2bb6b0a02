import { describe, expect, it } from 'vitest';
import { formatArgv, REDACTED, redactArgv, redactText } from '../../source/host/redact.js';

describe('redactArgv', () => {
  it('hides the value after --cipassword and --password, also abbreviated or with =', () => {
    expect(redactArgv(['qm', 'set', '100', '--cipassword', 'hunter22', '--cores', '2'])).toEqual([
      'qm',
      'set',
      '100',
      '--cipassword',
      REDACTED,
      '--cores',
      '2',
    ]);
    expect(redactArgv(['pct', 'create', '101', 'x', '--password=s3cret!'])).toEqual([
      'pct',
      'create',
      '101',
      'x',
      `--password=${REDACTED}`,
    ]);
    expect(redactArgv(['qm', 'set', '100', '-cipass', 'hunter22'])).toEqual([
      'qm',
      'set',
      '100',
      '-cipass',
      REDACTED,
    ]);
    expect(redactArgv(['pvesh', 'get', '/version', '--token', 'abc'])).toEqual([
      'pvesh',
      'get',
      '/version',
      '--token',
      REDACTED,
    ]);
  });

  it('keeps ordinary options and values untouched', () => {
    const argv = [
      'qm',
      'create',
      '100',
      '--name',
      'web01',
      '--sshkeys',
      '/tmp/keys.pub',
      '--net0',
      'virtio,bridge=vmbr0',
    ];
    expect(redactArgv(argv)).toEqual(argv);
  });

  it('hides the agent API input-data (a script payload), also abbreviated or with =', () => {
    const bundle = 'set -euo pipefail\nbase64 -d > "$D/lib.sh" <<PHOENIX_EOF\nIyEvYmluL2Jhc2gK\n';
    const exec = ['pvesh', 'create', '/nodes/pve2/qemu/2002/agent/exec', '--command', 'bash'];
    expect(redactArgv([...exec, '--input-data', bundle, '--output-format', 'json'])).toEqual([
      ...exec,
      '--input-data',
      REDACTED,
      '--output-format',
      'json',
    ]);
    expect(redactArgv([...exec, `--input-data=${bundle}`])).toEqual([
      ...exec,
      `--input-data=${REDACTED}`,
    ]);
    expect(redactArgv([...exec, '--input', bundle])).toEqual([...exec, '--input', REDACTED]);
    // Not every option that starts alike: pvesm's --content is a parameter.
    expect(redactArgv(['pvesm', 'status', '--content', 'images'])).toEqual([
      'pvesm',
      'status',
      '--content',
      'images',
    ]);
  });

  it('hides hashes passed as values of other options', () => {
    expect(
      redactArgv(['qm', 'set', '100', '--description', 'pw $6$saltsalt$abcdefghijklmnop']),
    ).toEqual(['qm', 'set', '100', '--description', `pw ${REDACTED}`]);
  });
});

describe('redactText', () => {
  it('hides crypt hashes of every scheme', () => {
    for (const hash of [
      '$1$abcd$0123456789abcdefghij',
      '$5$rounds=5000$salt$QWERTYUIOP1234',
      '$6$saltsalt$abcdefghijklmnopqrstuvwxyz./0123',
      '$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7',
      '$2b$12$abcdefghijklmnopqrstuu1234567890ABCDEFGHIJKLMNOPQRSTU',
    ]) {
      expect(redactText(`cipassword: ${hash}\n`)).not.toContain(hash.slice(3, 12));
    }
  });

  it('hides API tokens and cookies', () => {
    const text = 'Authorization: PVEAPIToken=root@pam!phoenix=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
    expect(redactText(text)).toBe(`Authorization: PVEAPIToken=${REDACTED}`);
    expect(redactText('Cookie: PVEAuthCookie=PVE:root@pam:1234::abcd; x=1')).toBe(
      `Cookie: PVEAuthCookie=${REDACTED}; x=1`,
    );
  });

  it('hides private key blocks but keeps what kind of key it was', () => {
    const key =
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n';
    const result = redactText(`wrote ${key}done`);
    expect(result).not.toContain('b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ');
    expect(result).toContain('-----BEGIN OPENSSH PRIVATE KEY-----');
    expect(result).toContain('done');
  });

  it('hides password values in command lines and key/value output, not masks', () => {
    expect(redactText('ran qm set 100 --cipassword hunter22 --cores 2')).toBe(
      `ran qm set 100 --cipassword ${REDACTED} --cores 2`,
    );
    expect(redactText('password=hunter22,user=root')).toBe(`password=${REDACTED},user=root`);
    expect(redactText('cipassword: **********')).toBe('cipassword: **********');
    expect(redactText('update VM 100: -cipassword <hidden>')).toBe(
      'update VM 100: -cipassword <hidden>',
    );
  });

  it('does not reach over a line break', () => {
    expect(redactText('Enter new password:\nnext line')).toBe('Enter new password:\nnext line');
  });

  it('leaves public keys and normal output alone', () => {
    const text =
      'sshkeys: ssh-ed25519%20AAAAC3NzaC1lZDI1NTE5AAAAIGx%20user%40host%0A\nname: web01\n';
    expect(redactText(text)).toBe(text);
  });
});

describe('formatArgv', () => {
  it('quotes only what a shell would need', () => {
    expect(
      formatArgv([
        'qm',
        'set',
        '100',
        '--description',
        "it's mine",
        '--net0',
        'virtio,bridge=vmbr0',
      ]),
    ).toBe(`qm set 100 --description 'it'\\''s mine' --net0 virtio,bridge=vmbr0`);
  });
});
