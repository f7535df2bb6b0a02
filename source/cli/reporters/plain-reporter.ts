import type { RunEvent, RunEventListener } from '../../runner/types.js';
import { formatDuration, type Glyphs } from '../../util/terminal.js';

export interface PlainReporterOptions {
  write(line: string): void;
  glyphs: Glyphs;
  /** Print every log line of every step (default: only the tail of a failed step). */
  verbose?: boolean;
}

/**
 * The run as plain lines, for terminals without the TUI, pipes and logs:
 *   ✔ vm 1000 rumpledev: Clone from template 9000 (1.2s)
 *   ✖ vm 1001 rumpletest: Start: VM is locked (clone)
 */
export function plainReporter(options: PlainReporterOptions): RunEventListener {
  const { write, glyphs } = options;
  const taskTitles = new Map<string, string>();
  const stepTitles = new Map<string, string>();
  const stepTitle = (taskId: string, key: string) => stepTitles.get(`${taskId}\u0000${key}`) ?? key;
  const prefix = (taskId: string) => taskTitles.get(taskId) ?? taskId;

  return (event: RunEvent) => {
    switch (event.type) {
      case 'run-started':
        for (const task of event.tasks) {
          taskTitles.set(task.id, task.title);
          for (const step of task.steps) stepTitles.set(`${task.id}\u0000${step.key}`, step.title);
        }
        write(`${event.title} (run ${event.runId}, ${countOf(event.tasks)})`);
        break;
      case 'log':
        if (options.verbose) write(`    ${prefix(event.taskId)} | ${event.line}`);
        break;
      case 'command':
        if (options.verbose) write(`    ${prefix(event.taskId)} $ ${event.argv.join(' ')}`);
        break;
      case 'step-retry':
        write(
          `  ${glyphs.warn} ${prefix(event.taskId)}: ${stepTitle(event.taskId, event.stepKey)}: ${event.reason} (retry ${event.attempt} in ${formatDuration(event.delayMs)})`,
        );
        break;
      case 'step-finished': {
        const title = stepTitle(event.taskId, event.stepKey);
        if (event.status === 'changed')
          write(`${glyphs.ok} ${prefix(event.taskId)}: ${title} (${formatDuration(event.ms)})`);
        else if (event.status === 'unchanged')
          write(`${glyphs.skip} ${prefix(event.taskId)}: ${title} (already done)`);
        else if (event.status === 'interrupted')
          write(`${glyphs.fail} ${prefix(event.taskId)}: ${title}: interrupted`);
        else if (event.failure) {
          write(`${glyphs.fail} ${prefix(event.taskId)}: ${title}: ${event.failure.message}`);
          if (event.failure.command) write(`    command: ${event.failure.command.join(' ')}`);
          if (
            event.failure.output &&
            event.failure.output.trim() !== event.failure.message.trim()
          ) {
            for (const line of event.failure.output.trimEnd().split('\n')) write(`    ${line}`);
          }
          if (!options.verbose && event.failure.logTail.length > 0) {
            write('    last log lines:');
            for (const line of event.failure.logTail) write(`      ${line}`);
          }
          if (event.failure.hint) write(`    hint: ${event.failure.hint}`);
        }
        break;
      }
      case 'task-finished':
        if (event.status === 'blocked')
          write(
            `${glyphs.skip} ${prefix(event.taskId)}: not started: ${prefix(event.blockedBy ?? '')} did not succeed`,
          );
        break;
      case 'run-finished':
        write(`Run ${event.status} in ${formatDuration(event.ms)}.`);
        break;
      default:
        break;
    }
  };
}

/** Provisioning runs have one task per guest; host setup has one task of several steps. */
function countOf(tasks: { id: string; steps: unknown[] }[]): string {
  const guests = tasks.every((task) => task.id.startsWith('guest/'));
  const count = guests ? tasks.length : tasks.reduce((sum, task) => sum + task.steps.length, 0);
  return `${count} ${guests ? 'guest' : 'step'}${count === 1 ? '' : 's'}`;
}
