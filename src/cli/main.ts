/**
 * `glia-handoff <command>`: the one entry point. Each command lives in its own module and is
 * loaded only when asked for, so `glia-handoff sim` never loads the proxy.
 */
const COMMANDS = {
  demo: {
    summary: 'simulator + proxy + the demo intranet page (npm start)',
    load: () => import('./demo.js'),
  },
  proxy: {
    summary: 'the token proxy alone, configured from the environment',
    load: () => import('./proxy.js'),
  },
  sim: {
    summary: 'the local Glia simulator alone, with its operator console',
    load: () => import('./sim.js'),
  },
  doctor: {summary: 'check a Glia configuration step by step', load: () => import('./doctor.js')},
} as const;

type CommandName = keyof typeof COMMANDS;

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return `Usage: glia-handoff <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun glia-handoff <command> --help for its options.`;
}

const [name, ...args] = process.argv.slice(2);
if (!name || name === '--help' || name === '-h') {
  console.log(usage());
  process.exit(name ? 0 : 1);
}
if (!(name in COMMANDS)) {
  console.error(`glia-handoff: unknown command "${name}"\n\n${usage()}`);
  process.exit(2);
}
const command = await COMMANDS[name as CommandName].load();
process.exitCode = await command.run(args);
