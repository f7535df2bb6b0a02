import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface, type Interface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { LINUX_USER_NAME } from '../config/formats.js';
import type { HypervisorSpec } from '../config/types.js';
import {
  answersFromChoices,
  defaultLayout,
  hashPassword,
  isLayout,
  lanOf,
  SETUP_STEPS,
  savedSteps,
  type PreflightReport,
  type SetupAnswers,
  type SetupChoices,
  type SetupEnv,
  type SetupStepId,
} from '../setup/index.js';

/**
 * The questions of `phoenix setup` on a terminal (readline, no TUI). Every answer has a default
 * from the saved config or the preflight report; Enter accepts it.
 */
export class SetupPrompter {
  private readonly muted = { on: false };
  private readonly rl: Interface;

  constructor(
    input: NodeJS.ReadableStream = process.stdin,
    private readonly out: NodeJS.WritableStream = process.stderr,
  ) {
    const muted = this.muted;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        if (!muted.on) out.write(chunk);
        done();
      },
    });
    this.rl = createInterface({ input, output: sink, terminal: true });
  }

  close(): void {
    this.rl.close();
  }

  say(line = ''): void {
    this.out.write(`${line}\n`);
  }

  async ask(question: string, fallback = ''): Promise<string> {
    const answer = (
      await this.rl.question(`${question}${fallback ? ` [${fallback}]` : ''}: `)
    ).trim();
    return answer || fallback;
  }

  async yes(question: string, fallback: boolean): Promise<boolean> {
    for (;;) {
      const answer = (await this.rl.question(`${question} [${fallback ? 'Y/n' : 'y/N'}] `)).trim();
      if (answer === '') return fallback;
      if (/^y(es)?$/i.test(answer)) return true;
      if (/^no?$/i.test(answer)) return false;
      this.say('  please answer y or n');
    }
  }

  /** A line typed without echo (passwords). */
  async secret(question: string): Promise<string> {
    this.out.write(`${question}: `);
    this.muted.on = true;
    try {
      return await this.rl.question('');
    } finally {
      this.muted.on = false;
      this.out.write('\n');
    }
  }
}

/** Public keys the admin probably wants: root's authorized_keys and ~/.ssh/*.pub. */
function sshKeyCandidates(env: SetupEnv): string[] {
  const dir = join(homedir(), '.ssh');
  const files = [
    join(env.root || '/', 'root/.ssh/authorized_keys'),
    ...(existsSync(dir)
      ? readdirSync(dir)
          .filter((name) => name.endsWith('.pub'))
          .map((name) => join(dir, name))
      : []),
  ];
  const keys = new Set<string>();
  for (const file of files) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n'))
      if (/^(ssh-(ed25519|rsa)|ecdsa-sha2-\S+|sk-\S+) \S+/.test(line.trim())) keys.add(line.trim());
  }
  return [...keys];
}

/** Walks the user through every step; returns the answers to save. */
export async function askSetupAnswers(
  prompter: SetupPrompter,
  env: SetupEnv,
  hypervisor: HypervisorSpec | undefined,
  report: PreflightReport,
): Promise<SetupAnswers> {
  const saved = savedSteps(hypervisor);
  const suggested = new Set(report.items.flatMap((item) => (item.step ? [item.step] : [])));
  const steps: SetupStepId[] = [];
  const choices: SetupChoices = { steps };
  const lan = lanOf(hypervisor?.network?.interfaces?.address);
  for (const step of SETUP_STEPS) {
    if (step.id === 'nvidia' && !report.facts.gpus.some((gpu) => gpu.includes('[10de:'))) continue;
    prompter.say('');
    prompter.say(`${step.title}: ${step.explanation}`);
    const fallback = saved ? saved.includes(step.id) : suggested.has(step.id) || step.id !== 'zfs';
    if (!(await prompter.yes(`  Run "${step.id}"?`, fallback))) continue;
    steps.push(step.id);
    switch (step.id) {
      case 'timezone': {
        for (;;) {
          const zone = await prompter.ask(
            '  Time zone',
            hypervisor?.timezone ?? report.facts.timezone ?? 'UTC',
          );
          if (existsSync(join(env.root || '/', 'usr/share/zoneinfo', zone))) {
            choices.timezone = zone;
            break;
          }
          prompter.say(`  ${zone} is not a known time zone (Area/City, e.g. Europe/Berlin)`);
        }
        break;
      }
      case 'admin_user': {
        const current = hypervisor?.users[0];
        let username = '';
        while (!LINUX_USER_NAME.test(username) || username === 'root')
          username = await prompter.ask('  Admin user name', current?.username ?? 'phoenix-admin');
        let passwordHash = current?.username === username ? current.password_hash : undefined;
        for (;;) {
          const first = await prompter.secret(
            passwordHash
              ? '  Password (Enter keeps the saved one)'
              : '  Password (Enter: none, SSH key only)',
          );
          if (first === '') break;
          const second = await prompter.secret('  Password again');
          if (first !== second) {
            prompter.say('  the passwords differ; try again');
            continue;
          }
          passwordHash = await hashPassword(first, { env: env.processEnv });
          break;
        }
        const keys = sshKeyCandidates(env);
        let key = current?.username === username ? current.ssh_public_key : undefined;
        keys.forEach((candidate, index) =>
          prompter.say(
            `    ${index + 1}) ${candidate.slice(0, 60)}${candidate.length > 60 ? '…' : ''}`,
          ),
        );
        const choice = await prompter.ask(
          keys.length > 0
            ? '  SSH key: a number above, or paste a key'
            : '  SSH public key (paste)',
          key ? 'keep' : keys.length > 0 ? '1' : '',
        );
        if (/^\d+$/.test(choice) && keys[Number(choice) - 1]) key = keys[Number(choice) - 1];
        else if (choice !== 'keep' && choice !== '') key = choice;
        choices.user = {
          username,
          sudo: await prompter.yes('  sudo for this user?', true),
          ...(passwordHash ? { passwordHash } : {}),
          ...(key ? { sshKey: key } : {}),
        };
        break;
      }
      case 'zfs': {
        const free = report.facts.disks.filter((disk) => !disk.pool);
        if (free.length === 0) {
          prompter.say('  no disks outside a pool; skipping');
          steps.pop();
          break;
        }
        free.forEach((disk, index) =>
          prompter.say(
            `    ${index + 1}) ${basename(disk.byId)} (${disk.device})${disk.holds ? `  HOLDS DATA: ${disk.holds}` : ''}`,
          ),
        );
        let disks: string[] = [];
        while (disks.length === 0) {
          const picked = (await prompter.ask('  Disks for the pool (numbers, e.g. 1,2)'))
            .split(/[\s,]+/)
            .map((word) => free[Number(word) - 1]?.byId)
            .filter((disk): disk is string => disk !== undefined);
          disks = [...new Set(picked)];
        }
        const level = await prompter.ask(
          '  Layout (mirror, raidz1, raidz2, stripe)',
          defaultLayout(disks.length),
        );
        const pool = await prompter.ask('  Pool name', 'tank');
        const layout = isLayout(level) ? level : 'stripe';
        choices.zfs = { pool, layout, disks };
        prompter.say(
          `  datasets ${pool}/vm-disks (storage ${pool}-vm-disks) and ${pool}/iso (storage ${pool}-iso)`,
        );
        break;
      }
      case 'network': {
        const existing = hypervisor?.network?.internal_bridge;
        if (
          await prompter.yes(
            '  Add an internal bridge with NAT (guests on a private subnet)?',
            !!existing,
          )
        ) {
          choices.internalBridge = {
            name: await prompter.ask('  Bridge name', existing?.name ?? 'vmbr100'),
            subnet: await prompter.ask('  Subnet', existing?.subnet ?? '172.16.100.0/24'),
          };
        }
        break;
      }
      case 'nfs': {
        const exports = (hypervisor?.nfs as { exports?: unknown[] } | undefined)?.exports ?? [];
        if (exports.length > 0) {
          prompter.say(`  keeping the ${exports.length} export(s) of the config (nfs.exports)`);
          break;
        }
        choices.nfs = {
          path: await prompter.ask('  Folder to export', '/srv/nfs/shared'),
          clients: (await prompter.ask('  Clients (space-separated)', lan)).split(/\s+/),
        };
        break;
      }
      case 'samba': {
        const shares = (hypervisor?.samba as { shares?: unknown[] } | undefined)?.shares ?? [];
        if (shares.length > 0) {
          prompter.say(`  keeping the ${shares.length} share(s) of the config (samba.shares)`);
          break;
        }
        const user = await prompter.ask(
          '  Samba user (an existing Linux user)',
          choices.user?.username ?? hypervisor?.users[0]?.username ?? '',
        );
        const share = await prompter.ask('  Share name', 'shared');
        const path = await prompter.ask('  Folder', `/srv/samba/${share}`);
        choices.samba = { user, share, path };
        prompter.say(`  then set its Samba password once: smbpasswd -a ${user}`);
        break;
      }
      case 'firewall': {
        if (hypervisor?.firewall) {
          prompter.say('  keeping the firewall section of the config');
          break;
        }
        choices.firewall = {
          lan: await prompter.ask('  Network allowed to reach SSH and the web UI', lan),
          dropOthers: await prompter.yes('  Drop all other incoming traffic to the host?', false),
        };
        break;
      }
      case 'nvidia':
        choices.nvidiaVersion = await prompter.ask(
          '  Driver version',
          hypervisor?.nvidia_driver?.version ?? '580.76.05',
        );
        break;
      default:
        break;
    }
  }
  return answersFromChoices(choices);
}

/** Asks for the by-id name of every disk that holds data; returns the names typed right. */
export async function askWipeConsent(
  prompter: SetupPrompter,
  wipes: readonly { disk: string; holds: string }[],
): Promise<string[]> {
  const consent: string[] = [];
  for (const wipe of wipes) {
    const name = basename(wipe.disk);
    prompter.say('');
    prompter.say(`  ${wipe.disk} HOLDS DATA: ${wipe.holds}`);
    prompter.say('  Creating the pool erases it. To erase it, type its by-id name exactly;');
    const typed = await prompter.ask(`  anything else keeps it (${name})`);
    if (typed === name || typed === wipe.disk) consent.push(name);
    else prompter.say('  kept: the zfs step will stop before touching any disk');
  }
  return consent;
}
