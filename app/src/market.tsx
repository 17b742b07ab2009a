/** The app's connection to the market: the read client, the connected wallet as an SDK MarketClient, and transaction state. */
import { type QueryClient, useQuery, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, createContext, useCallback, useContext, useEffect, useState } from "react";
import { type EIP1193Provider, createWalletClient, custom } from "viem";
import { useConnection } from "wagmi";
import { type MarketClient, type TxEvent, connectMarket } from "../../sdk/client.js";
import { SdkError } from "../../sdk/errors.js";
import { asSdkError } from "../../sdk/revert.js";
import type { AppConfig } from "./config.js";

const ConfigContext = createContext<AppConfig | undefined>(undefined);

export function ConfigProvider({ config, children }: { config: AppConfig; children: ReactNode }) {
  return <ConfigContext.Provider value={config}>{children}</ConfigContext.Provider>;
}

export function useApp(): AppConfig {
  const c = useContext(ConfigContext);
  if (!c) throw new Error("useApp outside ConfigProvider");
  return c;
}

/** How often chain data is read again (the dev chain mines on demand; fixings arrive daily). */
export const REFRESH_MS = 2_000;

/** A read-only MarketClient for the configured deployment. */
export function useReader(): MarketClient | undefined {
  const app = useApp();
  const q = useQuery({
    queryKey: ["reader", app.deployment.market],
    queryFn: () =>
      connectMarket({ publicClient: app.publicClient, market: app.deployment.market, chainId: app.deployment.chainId, fromBlock: app.deployment.deployBlock }),
    staleTime: Number.POSITIVE_INFINITY,
  });
  return q.data;
}

export interface WalletState {
  address: `0x${string}` | undefined;
  chainId: number | undefined;
  wrongNetwork: boolean;
  /** The SDK client that signs and sends through the wallet (undefined when not connected or on another chain). */
  writer: MarketClient | undefined;
}

export function useWallet(): WalletState {
  const app = useApp();
  const conn = useConnection();
  const address = conn.address;
  const chainId = conn.chainId;
  const wrongNetwork = conn.status === "connected" && chainId !== app.deployment.chainId;
  const q = useQuery({
    queryKey: ["writer", address, chainId, conn.connector?.uid],
    enabled: conn.status === "connected" && !wrongNetwork && !!conn.connector && !!address,
    queryFn: async () => {
      const provider = (await conn.connector?.getProvider()) as EIP1193Provider;
      const walletClient = createWalletClient({ account: address as `0x${string}`, chain: app.chain, transport: custom(provider) });
      return connectMarket({
        publicClient: app.publicClient,
        walletClient,
        onTransaction: (e) => txEvents.dispatchEvent(new CustomEvent<TxEvent>("tx", { detail: e })),
        market: app.deployment.market,
        chainId: app.deployment.chainId,
        fromBlock: app.deployment.deployBlock,
      });
    },
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  });
  return { address, chainId, wrongNetwork, writer: wrongNetwork ? undefined : q.data };
}

/** The SDK's transaction events (from the wallet's MarketClient) to the status line. */
const txEvents = new EventTarget();

export type TxState =
  | { phase: "idle" }
  | { phase: "wallet"; label: string; step?: TxEvent | undefined }
  | { phase: "done"; label: string; detail: string }
  | { phase: "failed"; label: string; code: string; message: string };

interface TxContextValue {
  state: TxState;
  run: (label: string, action: () => Promise<string>) => Promise<boolean>;
}

const TxContext = createContext<TxContextValue | undefined>(undefined);

/** One action at a time: waiting for the wallet, sending, done (with what happened) or failed (a sentence). */
export function TxProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<TxState>({ phase: "idle" });
  const queryClient: QueryClient = useQueryClient();
  useEffect(() => {
    const on = (e: Event) => {
      const step = (e as CustomEvent<TxEvent>).detail;
      setState((s) => (s.phase === "wallet" ? { ...s, step } : s));
    };
    txEvents.addEventListener("tx", on);
    return () => txEvents.removeEventListener("tx", on);
  }, []);
  const run = useCallback(
    async (label: string, action: () => Promise<string>) => {
      setState({ phase: "wallet", label });
      try {
        const detail = await action();
        setState({ phase: "done", label, detail });
        return true;
      } catch (raw) {
        const e = asSdkError(raw, label);
        const code = e instanceof SdkError ? e.code : "ERROR";
        setState({ phase: "failed", label, code, message: e instanceof Error ? e.message : String(e) });
        return false;
      } finally {
        await queryClient.invalidateQueries();
      }
    },
    [queryClient],
  );
  return <TxContext.Provider value={{ state, run }}>{children}</TxContext.Provider>;
}

export function useTx(): TxContextValue {
  const c = useContext(TxContext);
  if (!c) throw new Error("useTx outside TxProvider");
  return c;
}

export function TxStatus() {
  const { state } = useTx();
  if (state.phase === "idle") return null;
  const text =
    state.phase === "wallet"
      ? state.step?.phase === "sent"
        ? `${state.label}: ${state.step.action} sent (${state.step.hash}), waiting for its block…`
        : state.step?.phase === "mined"
          ? `${state.label}: ${state.step.action} mined…`
          : state.step
            ? `${state.label}: ${state.step.action}: confirm in your wallet…`
            : `${state.label}: checking, then waiting for the wallet…`
      : state.phase === "done"
        ? `${state.label}: ${state.detail}`
        : `${state.label} refused [${state.code}]: ${state.message}`;
  return (
    <div className={`tx tx-${state.phase}`} role="status" data-testid="tx-status" data-phase={state.phase}>
      {text}
    </div>
  );
}
