/** The deployments/<chainId>.json file: addresses and listed series of one deployment, JSON-safe (bigints as strings). */
import { readFileSync } from "node:fs";
import { type Deployment, deploymentSchema } from "./deploymentSchema.js";
import { SdkError } from "./errors.js";

export type { Deployment };

/** JSON text of a deployment (bigints as decimal strings). */
export function deploymentToJson(d: Deployment): string {
  return `${JSON.stringify(d, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`;
}

/** Parses and validates deployment JSON (`deploymentSchema`); `origin` names the file in errors, each problem with its key. */
export function parseDeployment(text: string, origin = "deployment"): Deployment {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SdkError("INVALID_INPUT", `${origin}: not JSON (${(e as Error).message})`);
  }
  const r = deploymentSchema.safeParse(raw);
  if (r.success) return r.data;
  const where = (path: readonly PropertyKey[]) => path.reduce<string>((k, p) => (typeof p === "number" ? `${k}[${p}]` : k ? `${k}.${String(p)}` : String(p)), "");
  throw new SdkError("INVALID_INPUT", `${origin}: ${r.error.issues.map((i) => (i.path.length ? `${where(i.path)}: ${i.message}` : i.message)).join("; ")}`);
}

/** Reads a deployments/<chainId>.json file. */
export function readDeployment(path: string): Deployment {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new SdkError("INVALID_INPUT", `cannot read deployment file ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
  }
  return parseDeployment(text, path);
}
