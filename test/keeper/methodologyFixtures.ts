import { parseIndexDefinition } from "../../keeper/methodology/definition.js";
import type { IndexDefinition, Quote } from "../../keeper/methodology/types.js";

/** Unix seconds of 2025-06-01T00:00:00Z: the fixing time used by the unit tests. */
export const T = 1748736000;

/**
 * A small 3-slot definition: "a" (weight 50, identity A: p1..p6 model "a"), "b" (30, identity B),
 * "c" (20, identity C, switching to C2 on 2025-06-01).
 */
export function testDefinition(overrides: Record<string, unknown> = {}): IndexDefinition {
  const pairs = (m: string) => ["p1", "p2", "p3", "p4", "p5", "p6"].map((p) => [p, m]);
  return parseIndexDefinition({
    name: "TEST",
    methodologyVersion: 1,
    unit: "USD per 1M tokens",
    decimals: 18,
    blend: { input: "3", output: "1" },
    outlierFactor: "5",
    minPricedWeightShare: "0.6",
    window: { minPricedPollShare: "0.5" },
    linking: "tier",
    identities: { A: pairs("a"), B: pairs("b"), C: pairs("c"), C2: pairs("c2") },
    slots: [
      { id: "a", name: "slot a", weight: "50", succession: [{ from: "2025-01-01", identity: "A" }] },
      { id: "b", name: "slot b", weight: "30", succession: [{ from: "2025-01-01", identity: "B" }] },
      {
        id: "c",
        name: "slot c",
        weight: "20",
        succession: [
          { from: "2025-01-01", identity: "C" },
          { from: "2025-06-01", identity: "C2" },
        ],
      },
    ],
    ...overrides,
  });
}

export function q(provider: string, model: string, input: string | undefined, output: string | undefined, scale?: number): Quote {
  return scale === undefined ? { provider, model, input, output } : { provider, model, input, output, scale };
}

/**
 * The 3-slot definition under methodology v2: companies A (p1, p2: one owner, two listings), B (p3),
 * C (p4), D (p5), E (p6); slot budget 1.25 % of the level, move limit 50 %, scale factor 10,
 * plausible range [0.001, 1000]; succession rule 3 companies for 28 days; slot "a" has a family
 * `a-<version>` (listed by p1, p3, p4, p5).
 */
export function testDefinitionV2(overrides: Record<string, unknown> = {}): IndexDefinition {
  const pairs = (m: string) => ["p1", "p2", "p3", "p4", "p5", "p6"].map((p) => [p, m]);
  const family = ["p1", "p3", "p4", "p5"].map((p) => [p, "^a-(?<v>\\d+(?:\\.\\d+)?)$"]);
  return parseIndexDefinition({
    name: "TEST",
    methodologyVersion: 2,
    unit: "USD per 1M tokens",
    decimals: 18,
    blend: { input: "3", output: "1" },
    outlierFactor: "5",
    minPricedWeightShare: "0.6",
    window: { minPricedPollShare: "0.5" },
    linking: "tier",
    robustness: { slotBudget: "0.0125", moveLimit: "0.5", sourceScaleFactor: "10", plausibleRange: ["0.001", "1000"] },
    successionRule: { minCompanies: 3, minListedDays: 28 },
    companies: { A: ["p1", "p2"], B: ["p3"], C: ["p4"], D: ["p5"], E: ["p6"] },
    identities: { A: pairs("a-1"), B: pairs("b"), C: pairs("c"), C2: pairs("c2") },
    slots: [
      { id: "a", name: "slot a", weight: "50", family, succession: [{ from: "2025-01-01", identity: "A" }] },
      { id: "b", name: "slot b", weight: "30", succession: [{ from: "2025-01-01", identity: "B" }] },
      {
        id: "c",
        name: "slot c",
        weight: "20",
        succession: [
          { from: "2025-01-01", identity: "C" },
          { from: "2025-06-01", identity: "C2" },
        ],
      },
    ],
    ...overrides,
  });
}
