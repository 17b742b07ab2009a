/**
 * Serves the trader app with Vite on 127.0.0.1 for one market: /config.json tells the page the RPC URL and the
 * deployment; /api/audit?index=ATPI&at=ISO recomputes a fixing's audit report with the keeper CLI (replay source).
 */
import { execFile } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { type Connect, createServer, preview } from "vite";
import { type Deployment, deploymentToJson } from "../sdk/deployment.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const KEEPER_CLI = fileURLToPath(new URL("../keeper/cli.ts", import.meta.url));

export interface AppServer {
  url: string;
  close(): Promise<void>;
}

function auditReport(index: string, at: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", KEEPER_CLI, "fixing", "--index", index, "--source", "replay", "--at", at, "--json"], { cwd: ROOT, maxBuffer: 16 << 20 }, (e, stdout, stderr) =>
      e && !stdout ? reject(new Error(stderr.split("\n")[0] || e.message)) : resolve(stdout),
    );
  });
}

/**
 * Starts the app server (port 0: a free one) and resolves with its URL: the Vite dev server, or with `built` the
 * production bundle in out/app/dist (`npm run app:build`) through Vite's preview server.
 */
export async function serveApp(o: { rpcUrl: string; deployment: Deployment; port?: number | undefined; built?: boolean | undefined }): Promise<AppServer> {
  const config = JSON.stringify({ rpcUrl: o.rpcUrl, deployment: JSON.parse(deploymentToJson(o.deployment)), auditUrl: "/api/audit" });
  const audits = new Map<string, Promise<string>>();
  const handle: Connect.NextHandleFunction = (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/config.json") {
      res.setHeader("content-type", "application/json");
      res.end(config);
      return;
    }
    if (url.pathname === "/api/audit") {
      const index = url.searchParams.get("index") ?? "";
      const at = url.searchParams.get("at") ?? "";
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(index) || !/^\d{4}-\d\d-\d\dT[\d:]+Z$/.test(at)) {
        res.statusCode = 400;
        res.end("index must be a name and at an ISO time");
        return;
      }
      const key = `${index}@${at}`;
      if (!audits.has(key)) audits.set(key, auditReport(index, at));
      (audits.get(key) as Promise<string>).then(
        (body) => {
          res.setHeader("content-type", "application/json");
          res.end(body);
        },
        (e: Error) => {
          audits.delete(key);
          res.statusCode = 502;
          res.end(`the keeper could not recompute the fixing: ${e.message}`);
        },
      );
      return;
    }
    next();
  };
  const plugin = {
    name: "tokenfutures-config",
    configureServer: (server: { middlewares: Connect.Server }) => void server.middlewares.use(handle),
    configurePreviewServer: (server: { middlewares: Connect.Server }) => void server.middlewares.use(handle),
  };
  const common = { configFile: fileURLToPath(new URL("./vite.config.ts", import.meta.url)), logLevel: "warn" as const, plugins: [plugin] };
  const listen = { host: "127.0.0.1", port: o.port ?? 5173, strictPort: o.port !== 0 };
  if (o.built) {
    const server = await preview({ ...common, preview: listen });
    const address = server.httpServer.address();
    const port = typeof address === "object" && address ? address.port : o.port;
    return { url: `http://127.0.0.1:${port}/`, close: () => server.close() };
  }
  const vite = await createServer({ ...common, server: listen });
  await vite.listen();
  const address = vite.httpServer?.address();
  const port = typeof address === "object" && address ? address.port : o.port;
  return { url: `http://127.0.0.1:${port}/`, close: () => vite.close() };
}
