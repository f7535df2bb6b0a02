// Lint rules, including the layer boundaries of the architecture:
//   config → host adapter → inventory → reconcile → plan → runner → events → ui
// Only source/host may start processes; the UI never touches the host; the simulator
// shares no code with Phoenix (so a parsing bug cannot hide on both sides).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const processModules = ['execa', 'node:child_process', 'child_process'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'patches/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{js,mjs}'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
  },
  {
    files: ['**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Phoenix proper: only the host adapter may spawn processes, nobody imports the simulator
    // except the `phoenix sim` command.
    files: ['source/**/*.{ts,tsx}'],
    ignores: ['source/host/**', 'source/simulator/**', 'source/cli/commands/sim.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: processModules.map((name) => ({
            name,
            message: 'Only source/host/ may start processes: go through the host adapter.',
          })),
          patterns: [
            {
              group: ['**/simulator/**', '**/simulator'],
              message: 'Phoenix shares no code with the simulator.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['source/ui/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: processModules.map((name) => ({
            name,
            message: 'UI components never spawn processes.',
          })),
          patterns: [
            {
              group: ['**/host/**', '**/simulator/**'],
              message: 'The UI talks to the engine façade, never to the host adapter.',
            },
          ],
        },
      ],
    },
  },
  {
    // The simulator answers to the Proxmox reference, not to our code.
    files: ['source/simulator/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '../*',
                '!./*',
                '**/config/**',
                '**/host/**',
                '**/plan/**',
                '**/reconcile/**',
                '**/util/**',
              ],
              message:
                'The simulator shares no code with Phoenix: keep it inside source/simulator/.',
            },
          ],
        },
      ],
    },
  },
);
