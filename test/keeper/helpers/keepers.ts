/** Keeper processes for end-to-end tests: the launcher the demo uses, plus a fresh temporary root. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export { KeeperProcess, type KeeperSpec, type LogLine } from "../../../scripts/lib/keeperProcess.js";

export function tempRoot(): string {
  return mkdtempSync(join(tmpdir(), "keeper-e2e-"));
}
