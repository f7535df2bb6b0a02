import { runCli } from './cli/program.js';
import { installInterruptHandlers } from './cli/interrupts.js';

installInterruptHandlers();

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
