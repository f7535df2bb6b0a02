// A run as it happens: each guest with its steps, a spinner on the running step (one shared
// ticker), the log tail of the selected guest beside it, and the failure panel with its actions.
import { Box, Text } from 'ink';
import type { RunGuest, RunStep } from '../../engine/types.js';
import { useApp } from '../contexts/app-context.js';
import { Elapsed, Spinner, formatDuration } from '../components/spinner.js';
import type { RunView } from '../hooks/use-run.js';
import { fit } from '../model/columns.js';
import { canDestroy, guestLabel } from '../model/run-guest.js';

type GuestStatus = 'pending' | 'running' | 'ok' | 'failed';

export function guestStatus(guest: RunGuest): GuestStatus {
  if (guest.failure || guest.steps.some((s) => s.status === 'failed')) return 'failed';
  if (guest.steps.some((s) => s.status === 'running')) return 'running';
  if (
    guest.steps.length > 0 &&
    guest.steps.every((s) => s.status === 'ok' || s.status === 'skipped')
  )
    return 'ok';
  return guest.steps.some((s) => s.status === 'ok') ? 'running' : 'pending';
}

function StepIcon({ step }: { step: RunStep }) {
  const { theme } = useApp();
  switch (step.status) {
    case 'running':
      return <Spinner />;
    case 'ok':
      return <Text color={theme.tone('ok')}>{theme.glyphs.ok}</Text>;
    case 'failed':
      return <Text color={theme.tone('error')}>{theme.glyphs.failed}</Text>;
    case 'skipped':
      return <Text color={theme.tone('muted')}>{theme.glyphs.skipped}</Text>;
    default:
      return <Text color={theme.tone('muted')}>{theme.glyphs.pending}</Text>;
  }
}

function StepLine({ step, width }: { step: RunStep; width: number }) {
  const { theme } = useApp();
  const time =
    step.status === 'running'
      ? undefined
      : step.durationMs !== undefined
        ? formatDuration(step.durationMs)
        : '';
  return (
    <Box width={width}>
      <Text>{'   '}</Text>
      <StepIcon step={step} />
      <Text wrap="truncate">{` ${fit(step.title, width - 14, theme.glyphs.ellipsis)} `}</Text>
      {step.status === 'running' ? (
        <Text color={theme.tone('muted')}>
          <Elapsed since={step.startedAt} />
        </Text>
      ) : (
        <Text color={theme.tone('muted')}>{time}</Text>
      )}
    </Box>
  );
}

function GuestLine({
  guest,
  selected,
  width,
}: {
  guest: RunGuest;
  selected: boolean;
  width: number;
}) {
  const { theme } = useApp();
  const status = guestStatus(guest);
  const done = guest.steps.filter((s) => s.status === 'ok' || s.status === 'skipped').length;
  const current = guest.steps.find((s) => s.status === 'running' || s.status === 'failed');
  const icon =
    status === 'running'
      ? null
      : status === 'ok'
        ? theme.glyphs.ok
        : status === 'failed'
          ? theme.glyphs.failed
          : theme.glyphs.pending;
  const tone =
    status === 'ok'
      ? 'ok'
      : status === 'failed'
        ? 'error'
        : status === 'pending'
          ? 'muted'
          : 'accent';
  return (
    <Box width={width}>
      <Text inverse={selected}>{selected ? theme.glyphs.pointer : ' '}</Text>
      <Text> </Text>
      <Text color={theme.tone(tone)}>{icon ?? theme.glyphs.active}</Text>
      <Text wrap="truncate" bold={selected}>
        {fit(
          ` ${guestLabel(guest)}  ${done}/${guest.steps.length}${current ? `  ${current.title}` : ''}`,
          width - 4,
          theme.glyphs.ellipsis,
        )}
      </Text>
    </Box>
  );
}

function FailurePanel({
  guest,
  width,
  height,
}: {
  guest: RunGuest;
  width: number;
  height: number;
}) {
  const { theme, readonly } = useApp();
  const failure = guest.failure!;
  const step = guest.steps.find((s) => s.status === 'failed');
  const inner = Math.max(10, width - 4);
  const cut = (text: string) => fit(text, inner, theme.glyphs.ellipsis);
  // Command, Proxmox's message and the hint wrap (they are what the user needs); log lines are cut.
  const command = `command: ${failure.command}`;
  const message = `Proxmox: ${failure.message}`;
  const hint = failure.hint ? `hint: ${failure.hint}` : '';
  const wrapped = [command, message, hint].reduce(
    (sum, t) => sum + (t ? Math.ceil([...t].length / inner) : 0),
    0,
  );
  const logLines = failure.logTail.slice(-Math.max(0, Math.min(20, height - 2 - 3 - wrapped)));
  return (
    <Box
      flexDirection="column"
      width={width}
      height={height}
      borderStyle={theme.border}
      borderColor={theme.tone('error')}
      paddingX={1}
    >
      <Text bold color={theme.tone('error')} wrap="truncate">
        {cut(`${theme.glyphs.failed} ${guestLabel(guest)}: ${step?.title ?? 'step'} failed`)}
      </Text>
      <Text wrap="wrap">{command}</Text>
      <Text wrap="wrap" color={theme.tone('error')}>
        {message}
      </Text>
      {failure.hint ? (
        <Text wrap="wrap" color={theme.tone('warn')}>
          {hint}
        </Text>
      ) : null}
      {logLines.length > 0 ? (
        <Text color={theme.tone('muted')}>{`last ${logLines.length} log lines:`}</Text>
      ) : null}
      {logLines.map((line, i) => (
        <Text key={i} wrap="truncate" color={theme.tone('muted')}>
          {cut(line)}
        </Text>
      ))}
      {readonly ? (
        <Text color={theme.tone('muted')}>read-only: decide with a writable session</Text>
      ) : (
        <Text wrap="truncate" bold>
          {canDestroy(guest) ? '1 retry  2 later  3 keep  4 destroy' : '1 retry  2 later  3 keep'}
        </Text>
      )}
    </Box>
  );
}

export function PipelineView({
  run,
  selected,
  width,
  height,
}: {
  run: RunView | undefined;
  selected: number;
  width: number;
  height: number;
}) {
  const { theme } = useApp();
  if (!run)
    return (
      <Text color={theme.tone('muted')}>No run selected: open one from the runs view (Tab).</Text>
    );
  const { state } = run;
  const guests = state.guests;
  const sel = guests[Math.min(selected, guests.length - 1)];
  const leftWidth = Math.max(30, Math.min(48, Math.floor(width * 0.45)));
  const rightWidth = Math.max(10, width - leftWidth - 1);
  const bodyHeight = Math.max(1, height - 1);
  // Every guest gets one line; the selected one shows its steps when there is room.
  const expanded = sel && guests.length + sel.steps.length <= bodyHeight;
  const elapsed = (state.finishedAt ?? 0) - state.startedAt;
  const statusTone =
    state.status === 'succeeded'
      ? 'ok'
      : state.status === 'running'
        ? 'accent'
        : state.status === 'waiting'
          ? 'warn'
          : 'error';
  const statusText = state.status === 'waiting' ? 'waiting for your decision' : state.status;
  const running = sel?.steps.find((s) => s.status === 'running');
  const tailHeight = Math.max(1, bodyHeight - 1);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate">
        <Text bold>{`${state.id}  ${state.title}  `}</Text>
        <Text color={theme.tone(statusTone)}>{statusText}</Text>
        {'  '}
        {/* A running run shows its start, not a ticking clock: one line less to redraw every second. */}
        {state.finishedAt === undefined
          ? `started ${new Date(state.startedAt).toTimeString().slice(0, 8)}`
          : `took ${formatDuration(elapsed)}`}
      </Text>
      <Box flexDirection="row" height={bodyHeight}>
        <Box flexDirection="column" width={leftWidth} overflow="hidden">
          {guests.slice(0, bodyHeight).map((g) => (
            <Box key={g.id} flexDirection="column">
              <GuestLine guest={g} selected={g === sel} width={leftWidth} />
              {expanded && g === sel
                ? g.steps.map((s) => <StepLine key={s.id} step={s} width={leftWidth} />)
                : null}
            </Box>
          ))}
        </Box>
        <Box width={1} />
        {sel?.failure ? (
          <FailurePanel guest={sel} width={rightWidth} height={bodyHeight} />
        ) : (
          <Box flexDirection="column" width={rightWidth} overflow="hidden">
            <Text wrap="truncate" color={theme.tone('muted')}>
              {fit(
                sel
                  ? `log ${guestLabel(sel)}${running ? ` ${theme.glyphs.separator} ${running.title}` : ''}`
                  : 'log',
                rightWidth,
                theme.glyphs.ellipsis,
              )}
            </Text>
            {(sel ? run.logTail(sel.id, tailHeight) : []).map((line, i) => (
              <Text key={i} wrap="truncate">
                {fit(line, rightWidth, theme.glyphs.ellipsis)}
              </Text>
            ))}
          </Box>
        )}
      </Box>
    </Box>
  );
}
