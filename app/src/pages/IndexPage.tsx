/** An index's fixing history as a chart; each fixing with its audit report (from the serve script) and the CLI command that reproduces it. */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { Hex } from "viem";
import { indexNameFromId } from "../../../sdk/oracle.js";
import { Chart } from "../Chart.js";
import { type Fixing, readFixings } from "../data.js";
import { exactPrice, plotPrice, short, time } from "../format.js";
import { REFRESH_MS, useApp, useReader } from "../market.js";

interface Audit {
  value: string;
  valueDecimal: string;
  inputsHash: string;
  slots: { id: string; name: string; weight: string; model: string; priceDecimal?: string; quotes: { provider: string; model: string; blend: string }[]; excluded: { provider?: string; model?: string; reason?: string }[] }[];
}

export function IndexPage({ indexId }: { indexId: Hex }) {
  const app = useApp();
  const mc = useReader();
  const name = indexNameFromId(indexId);
  const fixings = useQuery({ queryKey: ["fixings", indexId], enabled: !!mc, queryFn: () => readFixings(mc!, indexId), refetchInterval: REFRESH_MS });
  const [open, setOpen] = useState<Fixing | undefined>(undefined);
  const list = fixings.data ?? [];
  return (
    <section>
      <h2>Index {name}</h2>
      <Chart x={list.map((f) => Number(f.timestamp))} lines={[{ label: name, values: list.map((f) => plotPrice(f.value)), color: "#2563eb" }]} title={`${name} fixings`} testId="fixing-chart" />
      <div className="wide">
        <table data-testid="fixings">
          <thead>
            <tr><th>time</th><th>value</th><th>methodology</th><th>inputs hash</th><th>block</th><th /></tr>
          </thead>
          <tbody>
            {[...list].reverse().map((f) => (
              <tr key={String(f.timestamp)}>
                <td>{time(f.timestamp)}</td>
                <td>{exactPrice(f.value)}</td>
                <td>v{f.methodologyVersion}</td>
                <td title={f.inputsHash}>{short(f.inputsHash)}</td>
                <td>{f.blockNumber.toString()}</td>
                <td><button onClick={() => setOpen(f)}>Audit</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {open ? <AuditReport name={name} fixing={open} auditUrl={app.auditUrl} /> : null}
    </section>
  );
}

function AuditReport({ name, fixing, auditUrl }: { name: string; fixing: Fixing; auditUrl: string | undefined }) {
  const at = time(fixing.timestamp);
  const audit = useQuery({
    queryKey: ["audit", name, String(fixing.timestamp)],
    enabled: !!auditUrl,
    queryFn: async () => {
      const res = await fetch(`${auditUrl}?index=${encodeURIComponent(name)}&at=${encodeURIComponent(at)}`);
      if (!res.ok) throw new Error(await res.text());
      return (await res.json()) as Audit;
    },
    staleTime: Number.POSITIVE_INFINITY,
  });
  const a = audit.data;
  return (
    <div className="audit" data-testid="audit">
      <h3>Fixing {at}: {exactPrice(fixing.value)}</h3>
      <p>
        Reproduce it: <code data-testid="reproduce">npm run keeper -- fixing --index {name} --source replay --at {at}</code> (replay: the bundled
        price history; an operator's own source files reproduce a live fixing with <code>--source &lt;kind&gt; --input &lt;file&gt;</code>). The
        printed inputs hash must equal the one on chain: <code>{fixing.inputsHash}</code>.
      </p>
      {!auditUrl ? <p>This server computes no audit reports: run the command above.</p> : null}
      {audit.error ? <p className="error">{(audit.error as Error).message}</p> : null}
      {a ? (
        <>
          <p data-testid="audit-match">
            Recomputed {a.valueDecimal}, inputs hash {a.inputsHash === fixing.inputsHash ? "matches the chain" : `differs from the chain (${a.inputsHash})`}.
          </p>
          <div className="wide">
            <table>
              <thead>
                <tr><th>slot</th><th>weight</th><th>model</th><th>price</th><th>quotes used</th><th>excluded (reason)</th></tr>
              </thead>
              <tbody>
                {a.slots.map((s) => (
                  <tr key={s.id}>
                    <td>{s.name}</td>
                    <td>{s.weight}</td>
                    <td>{s.model}</td>
                    <td>{s.priceDecimal ?? "–"}</td>
                    <td>{s.quotes.map((q) => `${q.provider} ${q.blend}`).join(", ")}</td>
                    <td>{s.excluded.map((x) => `${x.provider ?? x.model ?? "?"}: ${x.reason ?? "?"}`).join("; ") || "none"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </div>
  );
}
