import { formatArgv } from '../host/index.js';
import type { GuestPlan, Plan } from '../plan/types.js';
import type { Glyphs } from '../util/terminal.js';

const kindWord = (guest: GuestPlan) => (guest.type === 'qemu' ? 'VM' : 'CT');

const actionWords: Record<GuestPlan['action'], string> = {
  create: 'create',
  update: 'update',
  none: 'in sync, nothing to do',
  blocked: 'blocked',
};

/** A plan as a person reads it: per guest the steps, each with its exact commands. */
export function formatPlan(plan: Plan, glyphs: Glyphs): string[] {
  const lines: string[] = [];
  for (const guest of plan.guests) {
    const id = `${guest.id}${guest.assignedId ? ' (new ID)' : ''}`;
    lines.push(
      `${kindWord(guest)} ${id} ${guest.name} on ${guest.node}: ${actionWords[guest.action]}`,
    );
    guest.steps.forEach((step, index) => {
      lines.push(`  ${index + 1}. ${step.title}${step.note ? ` — ${step.note}` : ''}`);
      for (const argv of step.commands) lines.push(`       ${formatArgv(argv)}`);
      for (const change of step.changes ?? []) lines.push(`       (file) ${change}`);
    });
    for (const problem of guest.problems) {
      lines.push(
        `  ${problem.severity === 'error' ? glyphs.fail : glyphs.warn} ${problem.message}`,
      );
      if (problem.hint) lines.push(`    hint: ${problem.hint}`);
    }
  }
  lines.push(summarise(plan));
  return lines;
}

export function summarise(plan: Plan): string {
  const count = (action: GuestPlan['action']) =>
    plan.guests.filter((guest) => guest.action === action).length;
  return `Plan: ${count('create')} to create, ${count('update')} to update, ${count('none')} in sync, ${count('blocked')} blocked.`;
}

/** `phoenix plan --json`: the shape documented for scripts. */
export function planJson(plan: Plan): unknown {
  return {
    guests: plan.guests.map((guest) => ({
      id: guest.id,
      type: guest.type,
      name: guest.name,
      node: guest.node,
      action: guest.action,
      steps: guest.steps.map((step) => ({
        name: step.title,
        key: step.key,
        commands: step.commands,
        ...(step.changes ? { changes: step.changes } : {}),
        ...(step.note ? { note: step.note } : {}),
      })),
      problems: guest.problems,
      dependsOn: guest.dependsOn,
      ...(guest.assignedId ? { assignedId: true } : {}),
    })),
  };
}
