import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseIndexDefinition } from "./methodology/definition.js";
import type { IndexDefinition } from "./methodology/types.js";
import { PROJECT_ROOT } from "./projectRoot.js";

/** Directory of the shipped index definitions (config/indices/<name>.json). */
export const INDEX_CONFIG_DIR = join(PROJECT_ROOT, "config", "indices");

/**
 * Loads and validates an index definition: a name ("ATPI" -> config/indices/atpi.json) or a path to a
 * .json file. Throws with the file and the offending JSON path of every problem.
 */
export async function loadIndexDefinition(nameOrPath: string): Promise<IndexDefinition> {
  const file = nameOrPath.endsWith(".json") ? nameOrPath : join(INDEX_CONFIG_DIR, `${nameOrPath.toLowerCase()}.json`);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new Error(`index ${JSON.stringify(nameOrPath)}: no definition file at ${file}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  try {
    return parseIndexDefinition(json);
  } catch (e) {
    // every problem on its own line, each naming the file and the JSON path
    throw new Error((e instanceof Error ? e.message : String(e)).split("\n").map((line) => `${file}: ${line}`).join("\n"));
  }
}
