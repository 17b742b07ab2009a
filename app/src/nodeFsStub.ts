/** The browser has no file system: sdk/deployment.ts's readDeployment is never called here (the app fetches its config). */
export function readFileSync(): never {
  throw new Error("readFileSync is not available in the browser");
}
