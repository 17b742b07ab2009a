/** Runtime configuration (served as /config.json): which RPC and deployment the app talks to; the viem and wagmi clients for it. */
import { type Chain, type PublicClient, createPublicClient, defineChain, http } from "viem";
import { createConfig } from "wagmi";
import { type Deployment, parseDeployment } from "../../sdk/deployment.js";

export interface AppConfig {
  rpcUrl: string;
  deployment: Deployment;
  chain: Chain;
  publicClient: PublicClient;
  wagmi: ReturnType<typeof createConfig>;
  /** Where the serve script computes audit reports (`/api/audit`), when it does. */
  auditUrl: string | undefined;
}

export async function loadConfig(): Promise<AppConfig> {
  const res = await fetch("/config.json");
  if (!res.ok) throw new Error(`cannot load /config.json (HTTP ${res.status})`);
  const raw = (await res.json()) as { rpcUrl: string; deployment: unknown; auditUrl?: string };
  const deployment = parseDeployment(JSON.stringify(raw.deployment), "/config.json deployment");
  const chain = defineChain({
    id: deployment.chainId,
    name: deployment.chainId === 31337 ? "tokenfutures dev chain" : `chain ${deployment.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [raw.rpcUrl] } },
  });
  const publicClient = createPublicClient({ chain, transport: http(raw.rpcUrl, { batch: true }), pollingInterval: 500 }) as PublicClient;
  // No connector is configured by hand: wagmi discovers injected wallets through EIP-6963 announcements.
  const wagmi = createConfig({ chains: [chain], transports: { [chain.id]: http(raw.rpcUrl) }, connectors: [], multiInjectedProviderDiscovery: true });
  return { rpcUrl: raw.rpcUrl, deployment, chain, publicClient, wagmi, auditUrl: raw.auditUrl };
}
