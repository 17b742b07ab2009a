/**
 * An HTTP server on a free localhost port whose answer is whatever the test sets (`respond`), for sources and peers
 * that misbehave: garbage bodies, 5xx, endless bodies, no answer at all. `close` drops hanging connections too.
 */
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";

export type Respond = (res: ServerResponse, req: IncomingMessage) => void;

export interface ScriptedServer {
  url: string;
  respond: Respond;
  /** Requests received. */
  requests: number;
  close(): Promise<void>;
}

export async function startScriptedServer(respond: Respond): Promise<ScriptedServer> {
  const scripted: ScriptedServer = {
    url: "",
    respond,
    requests: 0,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
  const server = createServer((req, res) => {
    scripted.requests++;
    scripted.respond(res, req);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  scripted.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return scripted;
}

/** Answers 200 with `text`. */
export const body = (text: string, contentType = "application/json"): Respond => (res) => (res.writeHead(200, { "content-type": contentType }), res.end(text));

/** Answers `status` with a short text. */
export const status = (code: number): Respond => (res) => (res.writeHead(code), res.end(`error ${code}`));

/** Never answers (the connection stays open until the client gives up or the server closes). */
export const hang: Respond = () => {};

/** Sends the status line and the start of a body, then nothing more. */
export const stall: Respond = (res) => (res.writeHead(200, { "content-type": "application/json" }), res.write('{"gpt-4.1": {'));

/** 200 with a body that never ends (1 MB chunks as fast as the client reads), no Content-Length. */
export const endless: Respond = (res) => {
  const chunk = Buffer.alloc(1 << 20, 0x20);
  res.writeHead(200, { "content-type": "application/json" });
  res.write("[");
  const pump = () => {
    while (!res.destroyed && res.write(chunk));
  };
  res.on("drain", pump);
  pump();
};
