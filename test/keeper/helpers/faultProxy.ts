/**
 * A JSON-RPC fault proxy on localhost in front of a real node (K01). Modes:
 * pass · drop (connection destroyed) · delay (answers after `delayMs`) · http5xx (503) · frozen (eth_blockNumber
 * and "latest" blocks stay at the head seen when frozen) · wrongChain (eth_chainId answers another id) · and garbage
 * with HTTP 200: html (an error page), badResult (every result but eth_chainId's is "0xzz"), wrongId (the node's
 * answer with another request id).
 * It counts the methods it forwarded, so a test can prove no transaction reached a wrong-chain endpoint.
 */
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";

export type FaultMode = "pass" | "drop" | "delay" | "http5xx" | "frozen" | "wrongChain" | "html" | "badResult" | "wrongId";

export interface FaultProxy {
  url: string;
  mode: FaultMode;
  delayMs: number;
  wrongChainId: number;
  /** Methods received (in any mode), in order. */
  received: string[];
  /** Methods answered with HTTP 503 whatever the mode. */
  failMethods: Set<string>;
  /** The same, with the mode the proxy was in. */
  log: { method: string; mode: FaultMode }[];
  setMode(mode: FaultMode): void;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  let frozenHead: string | undefined;
  const proxy: FaultProxy = {
    url: "",
    mode: "pass",
    delayMs: 2_000,
    wrongChainId: 1,
    received: [],
    failMethods: new Set(),
    log: [],
    setMode(mode) {
      proxy.mode = mode;
      if (mode !== "frozen") frozenHead = undefined;
    },
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };

  async function forward(body: string): Promise<string> {
    const res = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body });
    return res.text();
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString();
        const msg = JSON.parse(body) as { id: number; method: string; params?: unknown[] };
        proxy.received.push(msg.method);
        proxy.log.push({ method: msg.method, mode: proxy.mode });
        const reply = (result: unknown) => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ jsonrpc: "2.0", id: msg.id, result }));
        };
        if (proxy.failMethods.has(msg.method)) {
          res.writeHead(503);
          res.end("method unavailable");
          return;
        }
        switch (proxy.mode) {
          case "drop":
            req.socket.destroy();
            return;
          case "http5xx":
            res.writeHead(503);
            res.end("upstream unavailable");
            return;
          case "delay":
            await new Promise((r) => setTimeout(r, proxy.delayMs));
            break;
          case "wrongChain":
            if (msg.method === "eth_chainId") return reply(`0x${proxy.wrongChainId.toString(16)}`);
            break;
          case "frozen":
            if (frozenHead === undefined) {
              frozenHead = JSON.parse(await forward(JSON.stringify({ jsonrpc: "2.0", id: 0, method: "eth_blockNumber", params: [] }))).result;
            }
            if (msg.method === "eth_blockNumber") return reply(frozenHead);
            if (msg.method === "eth_getBlockByNumber" && msg.params?.[0] === "latest") {
              const b = JSON.parse(await forward(JSON.stringify({ ...msg, params: [frozenHead, msg.params[1]] })));
              return reply(b.result);
            }
            break;
          case "html":
            res.writeHead(200, { "content-type": "text/html" });
            res.end("<html><body><h1>502 Bad Gateway</h1></body></html>");
            return;
          case "badResult":
            if (msg.method !== "eth_chainId") return reply("0xzz");
            break;
          case "wrongId": {
            const answer = JSON.parse(await forward(body)) as Record<string, unknown>;
            res.writeHead(200, { "content-type": "application/json" });
            res.end(JSON.stringify({ ...answer, id: msg.id + 1000 }));
            return;
          }
          case "pass":
            break;
        }
        try {
          const text = await forward(body);
          if (!res.destroyed) {
            res.writeHead(200, { "content-type": "application/json" });
            res.end(text);
          }
        } catch {
          res.writeHead(502);
          res.end();
        }
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
