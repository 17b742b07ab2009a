/**
 * A test wallet for the browser tests: an EIP-1193 provider announced through EIP-6963, injected into the page.
 * It signs typed data and sends transactions in Node with a dev chain key (exposed functions), forwards reads to
 * the chain, can sit on another chain until asked to switch, and can refuse the next signature (error 4001).
 */
import type { BrowserContext } from "playwright-core";
import { type Hex, type TypedDataDefinition, createWalletClient, defineChain, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";

export interface TestWalletOptions {
  privateKey: Hex;
  rpcUrl: string;
  chainId: number;
  /** The chain the wallet starts on (default: chainId). */
  startChainId?: number | undefined;
}

/** Typed data as the page sends it (JSON: integers as strings or numbers) to what viem signs. */
function typedDataFromJson(json: string): TypedDataDefinition {
  const data = JSON.parse(json) as { domain: Record<string, unknown>; types: Record<string, { name: string; type: string }[]>; primaryType: string; message: Record<string, unknown> };
  const { EIP712Domain: _, ...types } = data.types;
  const fields = types[data.primaryType] ?? [];
  const message: Record<string, unknown> = { ...data.message };
  for (const f of fields) if (/^u?int\d*$/.test(f.type)) message[f.name] = BigInt(message[f.name] as string);
  const domain = { ...data.domain, ...(data.domain.chainId !== undefined ? { chainId: BigInt(data.domain.chainId as string) } : {}) };
  return { domain, types, primaryType: data.primaryType, message } as unknown as TypedDataDefinition;
}

export async function installTestWallet(context: BrowserContext, o: TestWalletOptions): Promise<void> {
  const account = privateKeyToAccount(o.privateKey);
  const chain = defineChain({ id: o.chainId, name: "dev", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [o.rpcUrl] } } });
  const wallet = createWalletClient({ account, chain, transport: http(o.rpcUrl) });
  await context.exposeFunction("__testWalletSign", (json: string) => account.signTypedData(typedDataFromJson(json)));
  await context.exposeFunction("__testWalletSend", async (tx: { to: Hex; data?: Hex; value?: Hex; gas?: Hex }) =>
    wallet.sendTransaction({ to: tx.to, data: tx.data, value: tx.value ? BigInt(tx.value) : undefined, gas: tx.gas ? BigInt(tx.gas) : undefined }),
  );
  const args = { address: account.address, rpcUrl: o.rpcUrl, chainId: o.chainId, startChainId: o.startChainId ?? o.chainId };
  // A source string, not a function: the test runner's transpiler adds helpers to functions that the page lacks.
  await context.addInitScript({ content: `(${PAGE_WALLET})(${JSON.stringify(args)});` });
}

/** The provider as page JavaScript: EIP-1193 `request` and events, announced through EIP-6963. */
const PAGE_WALLET = `function ({ address, rpcUrl, chainId, startChainId }) {
  const listeners = new Map();
  const emit = (event, ...args) => listeners.get(event)?.forEach((l) => l(...args));
  // Like a real wallet, it remembers that the site was allowed (across reloads).
  const state = { chainId: startChainId, connected: localStorage.getItem("testWallet.connected") === "1", refuseNext: false };
  const rejected = () => Object.assign(new Error("User rejected the request."), { code: 4001 });
  const hex = (n) => "0x" + n.toString(16);
  let id = 0;
  const forward = async (method, params) => {
    const res = await fetch(rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: params ?? [] }) });
    const body = await res.json();
    if (body.error) throw Object.assign(new Error(body.error.message), body.error);
    return body.result;
  };
  const provider = {
    isTestWallet: true,
    async request({ method, params }) {
      switch (method) {
        case "eth_requestAccounts":
          state.connected = true;
          localStorage.setItem("testWallet.connected", "1");
          return [address];
        case "eth_accounts":
          return state.connected ? [address] : [];
        case "eth_chainId":
          return hex(state.chainId);
        case "net_version":
          return String(state.chainId);
        case "wallet_switchEthereumChain": {
          const target = Number.parseInt(params[0].chainId, 16);
          if (target !== chainId) throw Object.assign(new Error("Unrecognized chain " + target), { code: 4902 });
          state.chainId = target;
          emit("chainChanged", hex(target));
          return null;
        }
        case "wallet_requestPermissions":
        case "wallet_getPermissions":
          return [{ parentCapability: "eth_accounts" }];
        case "eth_signTypedData_v4":
          if (state.refuseNext) {
            state.refuseNext = false;
            throw rejected();
          }
          return window.__testWalletSign(params[1]);
        case "eth_sendTransaction":
          if (state.chainId !== chainId) throw Object.assign(new Error("wrong chain"), { code: 4901 });
          return window.__testWalletSend(params[0]);
        default:
          return forward(method, params);
      }
    },
    on(event, l) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(l);
      return provider;
    },
    removeListener(event, l) {
      listeners.get(event)?.delete(l);
      return provider;
    },
  };
  window.__testWallet = state;
  const info = { uuid: "5b1f3c1e-0000-4000-8000-000000000001", name: "Test Wallet", icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E", rdns: "dev.tokenfutures.testwallet" };
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
}`;
