/** One small HTTP server for peers (GET /observations), Prometheus (GET /metrics) and health (GET /health). */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "./log.js";

export interface Reply {
  status: number;
  body: string;
  contentType?: string;
}

/** A route handler gets the parsed query; it may throw (answered 500, logged) but never crashes the server. */
export type Handler = (query: URLSearchParams) => Reply | Promise<Reply>;

export interface KeeperServer {
  /** Base URL, e.g. http://127.0.0.1:9464 */
  url: string;
  close(): Promise<void>;
}

export function json(status: number, value: unknown): Reply {
  return {
    status,
    body: JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
    contentType: "application/json",
  };
}

export async function startServer(
  host: string,
  port: number,
  routes: Record<string, Handler>,
  log: Logger,
): Promise<KeeperServer> {
  const server: Server = createServer((req, res) => void handle(req, res));
  async function handle(req: IncomingMessage, res: ServerResponse) {
    let reply: Reply;
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      const route = routes[url.pathname];
      if (req.method !== "GET") reply = json(405, { error: "only GET is supported" });
      else if (!route) reply = json(404, { error: `no route ${url.pathname}` });
      else reply = await route(url.searchParams);
    } catch (e) {
      log.error("http handler failed", { path: req.url, error: e });
      reply = json(500, { error: "internal error" });
    }
    res.writeHead(reply.status, { "content-type": reply.contentType ?? "text/plain; charset=utf-8" });
    res.end(reply.body);
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  log.info("http server listening", { url });
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
