/** Balances with deposit (approve step) and withdraw; every series' position, PnL, fees, margin, health, liquidation price, margin moves, settlement and claim. */
import { useState } from "react";
import { SdkError } from "../../../sdk/errors.js";
import { addMargin, deposit, removableMargin, removeMargin, withdraw } from "../../../sdk/funds.js";
import { claim, describeSettlement } from "../../../sdk/settlement.js";
import { parseDecimal } from "../../../sdk/units.js";
import type { Holding, Markets, Portfolio } from "../data.js";
import { countdown, liqPrice, price, signedUsdc, time, usdc } from "../format.js";
import { useTx, useWallet } from "../market.js";

const amountOf = (text: string) => {
  const a = parseDecimal(text, 6, "amount");
  if (a === 0n) throw new SdkError("INVALID_INPUT", "amount: must be positive");
  return a;
};

export function PortfolioPage({ markets, portfolio }: { markets: Markets; portfolio: Portfolio | undefined }) {
  const { writer } = useWallet();
  const { run } = useTx();
  const [amount, setAmount] = useState("1000");
  if (!portfolio) return <section><h2>Portfolio</h2><p>Connect a wallet on the market's network.</p></section>;
  const needsApproval = (() => {
    try {
      return portfolio.allowance < amountOf(amount);
    } catch {
      return false;
    }
  })();
  const shown = portfolio.holdings.filter((h) => h.position.size !== 0n || h.position.margin !== 0n || h.owed !== 0n);
  return (
    <section>
      <h2>Portfolio</h2>
      <p data-testid="balances">
        Wallet <b data-testid="wallet-balance">{usdc(portfolio.wallet)}</b>, free balance in the market <b data-testid="free-balance">{usdc(portfolio.free)}</b>
      </p>
      <div className="funds">
        <label>Amount (USDC) <input value={amount} onChange={(e) => setAmount(e.target.value)} data-testid="amount" /></label>
        <button disabled={!writer} data-testid="deposit" onClick={() => void run("Deposit", async () => {
          const r = await deposit(writer!, amountOf(amount));
          return `deposited ${usdc(amountOf(amount))}${r.approve ? " (approved first)" : ""}`;
        })}>
          {needsApproval ? "Approve, then deposit" : "Deposit"}
        </button>
        {needsApproval ? <span> the wallet asks twice: approve {amount} USDC (allowance {usdc(portfolio.allowance)}), then deposit</span> : null}
        <button disabled={!writer} data-testid="withdraw" onClick={() => void run("Withdraw", async () => (await withdraw(writer!, amountOf(amount)), `withdrew ${usdc(amountOf(amount))}`))}>Withdraw</button>
        <button disabled={!writer || portfolio.free === 0n} data-testid="withdraw-all" onClick={() => void run("Withdraw", async () => (await withdraw(writer!, portfolio.free), `withdrew ${usdc(portfolio.free)}`))}>Withdraw all</button>
      </div>
      <div className="wide">
        <table className="cards" data-testid="positions">
          <thead>
            <tr>
              <th>series</th><th>phase</th><th>position</th><th>entry</th><th>mark</th><th>unrealized PnL</th><th>realized PnL</th><th>fees paid</th>
              <th>margin</th><th>equity</th><th>health</th><th>liq. price</th><th>settlement</th><th />
            </tr>
          </thead>
          <tbody>
            {shown.length === 0 ? <tr><td className="empty" colSpan={14}>no positions</td></tr> : shown.map((h) => <HoldingRow key={h.row.series.id} h={h} now={markets.now} amount={amount} />)}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function HoldingRow({ h, now, amount }: { h: Holding; now: bigint; amount: string }) {
  const { writer } = useWallet();
  const { run } = useTx();
  const p = h.position;
  const s = h.row.series;
  const phase = h.row.status.phase;
  const health = p.size === 0n ? "–" : p.equity >= p.initialRequired ? "healthy" : p.healthy ? "below initial margin" : "LIQUIDATABLE";
  const settled = h.row.settlement;
  const settlement = settled
    ? `${describeSettlement(settled)}, ${phase}`
    : phase === "trading"
      ? `expiry in ${countdown(s.params.expiry, now)}`
      : `${phase}: settles within ${countdown(s.params.expiry + BigInt(s.params.settlementGrace), now)}`;
  return (
    <tr data-testid={`holding-${h.row.number}`}>
      <td data-label="series"><span>{h.row.indexName} #{h.row.number} <small>{time(s.params.expiry)}</small></span></td>
      <td className="words" data-label="phase">{phase}</td>
      <td data-label="position" data-testid="size">{p.size > 0n ? `long ${p.size}` : p.size < 0n ? `short ${-p.size}` : "flat"}</td>
      <td data-label="entry">{p.size === 0n ? "–" : price(p.entryPrice, s)}</td>
      <td data-label="mark">{price(p.mark, s)}{p.settled ? " (final)" : ""}</td>
      <td data-label="unrealized PnL" data-testid="upnl">{signedUsdc(p.unrealizedPnl)}</td>
      <td data-label="realized PnL">{signedUsdc(h.realizedPnl)}</td>
      <td data-label="fees paid">{usdc(h.fees)}</td>
      <td data-label="margin">{usdc(p.margin)}</td>
      <td data-label="equity">{signedUsdc(p.equity)}</td>
      <td className="words" data-label="health">{health}</td>
      <td data-label="liq. price" data-testid="liq-price">{liqPrice(h.liquidationPrice, s, p.size)}</td>
      <td className="text" data-label="settlement" data-testid="settlement">{settlement}</td>
      <td className="actions">
        {phase === "trading" && p.size !== 0n ? (
          <>
            <button disabled={!writer} onClick={() => void run("Add margin", async () => (await addMargin(writer!, s, amountOf(amount)), `added ${amount} USDC of margin`))}>Add margin</button>
            <button disabled={!writer} onClick={() => void run("Remove margin", async () => {
              const all = removableMargin(p);
              const a = amountOf(amount) < all ? amountOf(amount) : all;
              await removeMargin(writer!, s, a);
              return `removed ${usdc(a)} of margin`;
            })}>Remove margin</button>
          </>
        ) : null}
        {phase === "claimable" || phase === "closing-out" ? (
          <button disabled={!writer} data-testid="claim" onClick={() => void run("Claim", async () => `claimed ${usdc((await claim(writer!, s)).payout)}`)}>Claim</button>
        ) : null}
      </td>
    </tr>
  );
}
