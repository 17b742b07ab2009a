#!/usr/bin/env node
import { fixingCommand } from "./commands/fixing.js";
import { keystoreCommand } from "./commands/keystore.js";
import { liquidateCommand } from "./commands/liquidate.js";
import { marketMakerCommand } from "./marketmaker/command.js";
import { postCommand } from "./commands/post.js";
import { robustnessCommand } from "./commands/robustness.js";
import { runCommand } from "./commands/run.js";
import { statusCommand } from "./commands/status.js";
import type { Command } from "./commands/types.js";
import { createLogger } from "./observability/log.js";
import { KEEPER_VERSION } from "./projectRoot.js";

/**
 * The keeper's one command line: `tokenfutures-keeper <subcommand> [options]` (the package's `bin`, compiled to
 * dist/keeper/cli.js; `npm run keeper -- ...` from a checkout).
 * To add a subcommand, write keeper/commands/<name>.ts exporting a Command and list it here.
 */
const COMMANDS: readonly Command[] = [runCommand, postCommand, liquidateCommand, fixingCommand, robustnessCommand, statusCommand, keystoreCommand, marketMakerCommand];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `tokenfutures-keeper ${KEEPER_VERSION}`,
    "usage: tokenfutures-keeper <subcommand> [options]   (from a checkout: npm run keeper -- <subcommand> ...)",
    "       tokenfutures-keeper --version",
    "",
    "subcommands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run `tokenfutures-keeper <subcommand> --help` for its options.",
  ].join("\n");
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-v" || name === "version") {
    console.log(KEEPER_VERSION);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    console.error(`keeper: unknown subcommand ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(command.usage);
    return 0;
  }
  return command.run(rest);
}

// Even a crash is one JSON log line (stderr: stdout may carry a subcommand's result), with its cause chain.
const crashLog = createLogger({ write: (l) => process.stderr.write(`${l}\n`) });
for (const event of ["uncaughtException", "unhandledRejection"] as const) {
  process.on(event, (e: unknown) => {
    crashLog.error(`${event === "uncaughtException" ? "uncaught exception" : "unhandled rejection"}: exiting`, { error: e, stack: e instanceof Error ? e.stack : undefined });
    process.exit(1);
  });
}

process.exitCode = await main(process.argv.slice(2));
