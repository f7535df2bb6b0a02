import { Box, Text } from 'ink';
import type { Modal } from '../model/app-state.js';
import { paletteMatches } from '../model/app-state.js';
import { useApp } from '../contexts/app-context.js';

function Field({ label, text }: { label: string; text: string }) {
  const { theme } = useApp();
  return (
    <Text>
      {label}
      <Text inverse>{` ${text}`}</Text>
      <Text color={theme.tone('muted')}>{'_'}</Text>
    </Text>
  );
}

/** Confirmation, typed confirmation, name prompt, refusal notice and the command palette. */
export function Dialog({ modal, width, height }: { modal: Modal; width: number; height: number }) {
  const { theme, readonly } = useApp();
  const boxWidth = Math.min(width, 76);
  if (modal.kind === 'palette') {
    const matches = paletteMatches(modal.text, readonly);
    const rows = Math.max(1, height - 3);
    const start = Math.max(0, Math.min(modal.index - rows + 1, matches.length - rows));
    return (
      <Box
        flexDirection="column"
        borderStyle={theme.border}
        width={boxWidth}
        height={Math.min(height, rows + 3)}
        paddingX={1}
      >
        <Field label=":" text={modal.text} />
        {matches.length === 0 ? <Text color={theme.tone('muted')}>no match</Text> : null}
        {matches.slice(start, start + rows - 1).map((item, i) => (
          <Text key={item.label} wrap="truncate" inverse={start + i === modal.index}>
            {`${start + i === modal.index ? theme.glyphs.pointer : ' '} ${item.label}`}
          </Text>
        ))}
      </Box>
    );
  }
  const tone = modal.kind === 'notice' ? 'error' : 'warn';
  const title =
    modal.kind === 'snapshot-name' ? `Snapshot of ${modal.ids.join(', ')}` : modal.title;
  return (
    <Box
      flexDirection="column"
      borderStyle={theme.border}
      borderColor={theme.tone(tone)}
      width={boxWidth}
      paddingX={1}
    >
      <Text bold color={theme.tone(tone)} wrap="wrap">
        {title}
      </Text>
      {modal.kind !== 'snapshot-name'
        ? modal.lines.map((line, i) => (
            <Text key={i} wrap="wrap">
              {line}
            </Text>
          ))
        : null}
      {modal.kind === 'confirm' ? <Text bold>{'y  yes     n / Esc  no'}</Text> : null}
      {modal.kind === 'typed' ? <Field label="ID: " text={modal.text} /> : null}
      {modal.kind === 'snapshot-name' ? (
        <>
          <Text>Name: letters, digits, _ and -, starting with a letter.</Text>
          <Field label="Name: " text={modal.text} />
          <Text color={theme.tone('muted')}>Enter take it Esc cancel</Text>
        </>
      ) : null}
      {modal.kind === 'notice' ? <Text color={theme.tone('muted')}>any key to close</Text> : null}
    </Box>
  );
}
