/** Wallet bar: injected wallets found through EIP-6963, connect/disconnect, wrong-network detection and switch. */
import { useConnect, useConnectors, useDisconnect, useSwitchChain } from "wagmi";
import { useApp, useWallet } from "./market.js";

export function WalletBar() {
  const app = useApp();
  const wallet = useWallet();
  const connectors = useConnectors();
  const connect = useConnect();
  const disconnect = useDisconnect();
  const switchChain = useSwitchChain();
  if (!wallet.address) {
    return (
      <div className="wallet" data-testid="wallet">
        {connectors.length === 0 ? (
          <span>No wallet found: install a browser wallet (MetaMask, Rabby…); wallets announce themselves (EIP-6963).</span>
        ) : (
          connectors.map((c) => (
            <button key={c.uid} onClick={() => connect.mutate({ connector: c })} data-testid={`connect-${c.name}`}>
              {c.icon ? <img src={c.icon} alt="" width={16} height={16} /> : null} Connect {c.name}
            </button>
          ))
        )}
        {connect.error ? <span className="error">{connect.error.message.split("\n")[0]}</span> : null}
      </div>
    );
  }
  return (
    <div className="wallet" data-testid="wallet">
      <span data-testid="address">{wallet.address}</span>
      {wallet.wrongNetwork ? (
        <span className="warn" data-testid="wrong-network">
          Wrong network: the wallet is on chain {wallet.chainId}, the market on chain {app.deployment.chainId}.{" "}
          <button onClick={() => switchChain.mutate({ chainId: app.deployment.chainId })} data-testid="switch-network">
            Switch to {app.chain.name}
          </button>
          {switchChain.error ? <span className="error">{switchChain.error.message.split("\n")[0]}</span> : null}
        </span>
      ) : (
        <span> on {app.chain.name}</span>
      )}
      <button onClick={() => disconnect.mutate()}>Disconnect</button>
    </div>
  );
}
