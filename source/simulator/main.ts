// Placeholder entry until the simulator lands (issue 3); replaced by its real dispatcher.
process.stderr.write('phoenix simulator: not built yet\n');
process.exit(255);
