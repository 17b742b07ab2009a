/** The trader app: wallet bar, then Markets, Trade, Portfolio and Index pages (hash routes), all from chain data. */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { readMarkets, readPortfolio } from "./data.js";
import { REFRESH_MS, TxStatus, useApp, useReader, useWallet } from "./market.js";
import { IndexPage } from "./pages/IndexPage.js";
import { MarketsPage } from "./pages/Markets.js";
import { PortfolioPage } from "./pages/Portfolio.js";
import { TradePage } from "./pages/Trade.js";
import { WalletBar } from "./Wallet.js";

type Route = { page: "markets" } | { page: "trade"; n: number } | { page: "portfolio" } | { page: "index" };

function parseRoute(hash: string): Route {
  const [page, n] = hash.replace(/^#\/?/, "").split("/");
  if (page === "trade") return { page: "trade", n: Number(n ?? 0) || 0 };
  if (page === "portfolio") return { page: "portfolio" };
  if (page === "index") return { page: "index" };
  return { page: "markets" };
}

export function App() {
  const app = useApp();
  const mc = useReader();
  const wallet = useWallet();
  const [route, setRoute] = useState<Route>(parseRoute(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  const markets = useQuery({ queryKey: ["markets"], enabled: !!mc, queryFn: () => readMarkets(mc!), refetchInterval: REFRESH_MS });
  const portfolio = useQuery({
    queryKey: ["portfolio", wallet.address, markets.dataUpdatedAt],
    enabled: !!mc && !!markets.data && !!wallet.address && !wallet.wrongNetwork,
    queryFn: () => readPortfolio(mc!, markets.data!, wallet.address!),
    placeholderData: (prev) => prev,
  });
  const go = (hash: string) => () => (window.location.hash = hash);
  const row = route.page === "trade" ? markets.data?.rows[route.n] : undefined;
  return (
    <div className="app">
      <header>
        <h1>tokenfutures</h1>
        <nav>
          <button onClick={go("#/markets")}>Markets</button>
          <button onClick={go(`#/trade/${route.page === "trade" ? route.n : 0}`)} data-testid="nav-trade">Trade</button>
          <button onClick={go("#/portfolio")} data-testid="nav-portfolio">Portfolio</button>
          <button onClick={go("#/index")} data-testid="nav-index">Index</button>
        </nav>
        <WalletBar />
      </header>
      <TxStatus />
      {markets.error ? <p className="error">Cannot read the market at {app.rpcUrl}: {(markets.error as Error).message}</p> : null}
      {!markets.data ? <p>Reading the market…</p> : null}
      {markets.data && route.page === "markets" ? <MarketsPage markets={markets.data} onTrade={(n) => (window.location.hash = `#/trade/${n}`)} /> : null}
      {markets.data && route.page === "trade" ? (row ? <TradePage key={row.series.id} row={row} markets={markets.data} portfolio={portfolio.data} /> : <p>No series #{route.n}.</p>) : null}
      {markets.data && route.page === "portfolio" ? <PortfolioPage markets={markets.data} portfolio={portfolio.data} /> : null}
      {route.page === "index" ? <IndexPage indexId={app.deployment.indexId} /> : null}
    </div>
  );
}
