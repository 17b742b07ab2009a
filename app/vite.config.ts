/** The trader app's build: React, the SDK from ../sdk (its one Node import, node:fs for readDeployment, stubbed). */
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [react()],
  resolve: { alias: [{ find: /^node:fs$/, replacement: fileURLToPath(new URL("./src/nodeFsStub.ts", import.meta.url)) }] },
  build: { outDir: fileURLToPath(new URL("../out/app/dist", import.meta.url)), emptyOutDir: true, chunkSizeWarningLimit: 2_000 },
  server: { host: "127.0.0.1", fs: { allow: [fileURLToPath(new URL("..", import.meta.url))] } },
});
