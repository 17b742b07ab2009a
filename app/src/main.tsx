/** Entry: load /config.json, then render the app inside wagmi and TanStack Query. */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { WagmiProvider } from "wagmi";
import { App } from "./App.js";
import { loadConfig } from "./config.js";
import { ConfigProvider, TxProvider } from "./market.js";
import "./style.css";

// bigint query keys and results: TanStack Query hashes keys with JSON.stringify.
const queryClient = new QueryClient({
  defaultOptions: { queries: { queryKeyHashFn: (key) => JSON.stringify(key, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) } },
});
const root = createRoot(document.getElementById("root") as HTMLElement);
loadConfig().then(
  (config) =>
    root.render(
      <StrictMode>
        <WagmiProvider config={config.wagmi}>
          <QueryClientProvider client={queryClient}>
            <ConfigProvider config={config}>
              <TxProvider>
                <App />
              </TxProvider>
            </ConfigProvider>
          </QueryClientProvider>
        </WagmiProvider>
      </StrictMode>,
    ),
  (e: Error) => root.render(<p className="error">{e.message}</p>),
);
