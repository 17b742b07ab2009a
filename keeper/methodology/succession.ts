import type { IndexDefinition, Poll, SlotDefinition } from "./types.js";

/** Version text -> numeric segments ("4-5" and "4.5" are both [4, 5]); undefined when not all digits. */
export function versionSegments(text: string): number[] | undefined {
  const parts = text.split(/[.-]/);
  if (parts.some((p) => !/^\d{1,9}$/.test(p))) return undefined;
  return parts.map((p) => Number.parseInt(p, 10));
}

/** Segment-wise numeric order, a missing segment counting as 0 ([5] = [5, 0] < [5, 1]). */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Name of a family version found in the data: `<slot id>@<segments joined by ".">`. */
export function discoveredName(slotId: string, segments: readonly number[]): string {
  return `${slotId}@${segments.join(".")}`;
}

export interface FamilyVersion {
  readonly identity: string;
  readonly segments: readonly number[];
  /** The (provider, key) pairs of this version in the window, sorted. */
  readonly pairs: readonly (readonly [string, string])[];
}

const compiled = new Map<string, RegExp>();

function regex(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (re === undefined) compiled.set(pattern, (re = new RegExp(pattern)));
  return re;
}

function versionOfKey(slot: SlotDefinition, provider: string, model: string): number[] | undefined {
  for (const f of slot.family ?? []) {
    if (f.provider !== provider) continue;
    const v = regex(f.pattern).exec(model)?.groups?.["v"];
    const segments = v === undefined ? undefined : versionSegments(v);
    if (segments !== undefined) return segments;
  }
  return undefined;
}

/** Every version of the slot's family present in the window's quotes, in version order (equal versions such as 5 and 5.0: by name). */
export function familyVersions(slot: SlotDefinition, polls: readonly Poll[]): FamilyVersion[] {
  if (slot.family === undefined) return [];
  const found = new Map<string, { segments: number[]; pairs: Map<string, readonly [string, string]> }>();
  for (const poll of polls) {
    for (const q of poll.quotes) {
      const segments = versionOfKey(slot, q.provider, q.model);
      if (segments === undefined) continue;
      const name = discoveredName(slot.id, segments);
      let entry = found.get(name);
      if (entry === undefined) found.set(name, (entry = { segments, pairs: new Map() }));
      entry.pairs.set(`${q.provider}\u0000${q.model}`, [q.provider, q.model]);
    }
  }
  return [...found.entries()]
    .map(([identity, e]) => ({ identity, segments: e.segments, pairs: [...e.pairs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, p]) => p) }))
    .sort((a, b) => compareVersions(a.segments, b.segments) || (a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0));
}

/**
 * The family version of an identity: a discovered name carries it; a defined identity has the version of
 * its first (provider, key) pair that a family pattern matches; undefined when none does (e.g. gpt-4o).
 */
export function identityVersion(def: IndexDefinition, slot: SlotDefinition, identity: string): number[] | undefined {
  const prefix = `${slot.id}@`;
  if (identity.startsWith(prefix)) return versionSegments(identity.slice(prefix.length));
  for (const [provider, model] of def.identities[identity] ?? []) {
    const v = versionOfKey(slot, provider, model);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** 00:00 UTC on the first day of the month of `time` (unix seconds): the monthly roll time. */
export function monthStart(time: number): number {
  const d = new Date(time * 1000);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000;
}

/** The first monthly roll strictly after `time`. */
export function nextMonthStart(time: number): number {
  const d = new Date(time * 1000);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 1000;
}
