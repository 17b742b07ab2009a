/**
 * The trader CLI: `npm run trader -- <command> [options]`. Every command checks its input and the market state
 * before anything is signed or sent. Exit codes: 0 done, 1 refused or failed (typed SDK error), 2 bad command line.
 */
import { SdkError } from "../sdk/errors.js";
import { asSdkError } from "../sdk/revert.js";
import { COMMON_USAGE, UsageError, openContext, parseCommand, redact, secretsIn } from "./context.js";
import { toJson } from "./output.js";
import { bookCommand } from "./commands/book.js";
import { cancelAllCommand, cancelCommand } from "./commands/cancel.js";
import { claimCommand } from "./commands/claim.js";
import { curveCommand } from "./commands/curve.js";
import { fillCommand } from "./commands/fill.js";
import { depositCommand, marginCommand, withdrawCommand } from "./commands/funds.js";
import { matchCommand } from "./commands/match.js";
import { orderCommand } from "./commands/order.js";
import { positionsCommand } from "./commands/positions.js";
import { seriesCommand } from "./commands/series.js";
import type { Command } from "./commands/types.js";

const COMMANDS: readonly Command[] = [
  seriesCommand,
  bookCommand,
  curveCommand,
  orderCommand,
  fillCommand,
  matchCommand,
  cancelCommand,
  cancelAllCommand,
  depositCommand,
  withdrawCommand,
  marginCommand,
  positionsCommand,
  claimCommand,
];
const ALIASES: Record<string, string> = { health: "positions", position: "positions" };

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "usage: npm run trader -- <command> [options]",
    "",
    "commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    COMMON_USAGE,
    "",
    "npm run trader -- <command> --help shows a command's own options.",
  ].join("\n");
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === (ALIASES[name] ?? name));
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}; commands: ${COMMANDS.map((c) => c.name).join(", ")}`);
  const { values, positionals } = parseCommand(rest, command.options);
  if (values.help === true) {
    console.log(`usage: npm run trader -- ${command.name} ${command.usage}\n\n${command.summary}\n\n${COMMON_USAGE}`);
    return 0;
  }
  const extra = command.name === "margin" ? positionals.slice(1) : positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  const needsKey = typeof command.needsKey === "function" ? command.needsKey(values) : command.needsKey;
  const ctx = await openContext(values, needsKey);
  const out = await command.run(ctx, values, positionals);
  console.log(ctx.json ? toJson(out.json) : out.text.join("\n"));
  return 0;
}

const argv = process.argv.slice(2);
main(argv).then(
  (code) => process.exit(code),
  (raw: unknown) => {
    const json = argv.includes("--json");
    const e = asSdkError(raw, argv[0] ?? "trader");
    const message = redact(e instanceof Error ? e.message : String(e), secretsIn(argv));
    if (e instanceof UsageError || (e instanceof SdkError && e.code === "INVALID_INPUT")) {
      if (json) console.error(toJson({ error: "INVALID_INPUT", message }));
      else console.error(`error: ${message}\n(npm run trader -- --help for usage)`);
      process.exit(2);
    }
    if (e instanceof SdkError) {
      if (json) console.error(toJson({ error: e.code, message, details: JSON.parse(redact(toJson(e.details), secretsIn(argv))) }));
      else console.error(`error [${e.code}]: ${message}`);
      process.exit(1);
    }
    console.error(`error: ${message}`);
    process.exit(1);
  },
);
