/**
 * The project's root directory (where its package.json is), found upward from this file, so the same code finds
 * the bundled files (config/indices, data/) whether it runs from source (keeper/) or compiled (dist/keeper/).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(): { dir: string; version: string } {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "tokenfutures") return { dir, version: pkg.version ?? "unknown" };
    }
    if (dirname(dir) === dir) throw new Error(`no tokenfutures package.json above ${fileURLToPath(import.meta.url)}`);
  }
}

const root = findRoot();

/** Absolute path of the project root. */
export const PROJECT_ROOT = root.dir;
/** The project's package.json version: the keeper's version. */
export const KEEPER_VERSION = root.version;
