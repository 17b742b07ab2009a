/**
 * The keeper's journal in an embedded SQLite database (node:sqlite): what was signed (observations), which
 * transactions were planned, signed, broadcast and mined, the settlement-window rounds the fixing loop gathered a
 * quorum for (their postFixing arguments as JSON, oracle/gatheredRounds.ts), and small cursors. Everything that
 * must survive a crash is written here BEFORE the corresponding effect (a signed transaction is stored before it
 * is sent).
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type SQLOutputValue } from "node:sqlite";
import { type Address, type Hex, getAddress } from "viem";
import type { SignedObservation } from "../../sdk/oracle.js";

/**
 * queued: nonce assigned, nothing broadcast yet · broadcast: at least one attempt sent · mined: a receipt seen,
 * waiting for confirmations · confirmed / reverted: final, by the action's own attempt · cancelled: final, the
 * nonce was filled by a self-transfer because the action became unnecessary · lost: the nonce was used by a
 * transaction the journal does not know.
 */
export type TxState = "queued" | "broadcast" | "mined" | "confirmed" | "reverted" | "cancelled" | "lost";
export const OPEN_STATES: readonly TxState[] = ["queued", "broadcast", "mined"];

export interface TxRecord {
  key: string;
  kind: string;
  sender: Address;
  nonce: number;
  to: Address;
  data: Hex;
  value: bigint;
  gas: bigint;
  priority: number;
  state: TxState;
  minedHash?: Hex;
  minedBlock?: bigint;
  note?: string;
  createdMs: number;
  updatedMs: number;
}

export interface AttemptRecord {
  hash: Hex;
  key: string;
  nonce: number;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  raw: Hex;
  /** A self-transfer that fills the nonce instead of the action. */
  isCancel: boolean;
  createdMs: number;
  /** Local time of the last successful broadcast; undefined if never sent (crash between persist and send). */
  broadcastMs?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS txs (
  key TEXT PRIMARY KEY, kind TEXT NOT NULL, sender TEXT NOT NULL, nonce INTEGER NOT NULL,
  to_addr TEXT NOT NULL, data TEXT NOT NULL, value TEXT NOT NULL, gas TEXT NOT NULL, priority INTEGER NOT NULL,
  state TEXT NOT NULL, mined_hash TEXT, mined_block TEXT, note TEXT,
  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
  UNIQUE (sender, nonce)
);
CREATE INDEX IF NOT EXISTS txs_open ON txs (sender, state);
CREATE TABLE IF NOT EXISTS attempts (
  hash TEXT PRIMARY KEY, key TEXT NOT NULL REFERENCES txs(key), nonce INTEGER NOT NULL,
  max_fee TEXT NOT NULL, priority_fee TEXT NOT NULL, raw TEXT NOT NULL, is_cancel INTEGER NOT NULL,
  created_ms INTEGER NOT NULL, broadcast_ms INTEGER
);
CREATE INDEX IF NOT EXISTS attempts_key ON attempts (key);
CREATE TABLE IF NOT EXISTS observations (
  index_id TEXT NOT NULL, timestamp TEXT NOT NULL, methodology_version INTEGER NOT NULL, signer TEXT NOT NULL,
  value TEXT NOT NULL, inputs_hash TEXT NOT NULL, r TEXT NOT NULL, vs TEXT NOT NULL, created_ms INTEGER NOT NULL,
  PRIMARY KEY (index_id, timestamp, signer)
);
CREATE TABLE IF NOT EXISTS gathered_rounds (
  index_id TEXT NOT NULL, timestamp TEXT NOT NULL, signatures INTEGER NOT NULL, args TEXT NOT NULL, updated_ms INTEGER NOT NULL,
  PRIMARY KEY (index_id, timestamp)
);
CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL);
`;

type Row = Record<string, SQLOutputValue>;
const s = (v: SQLOutputValue | undefined) => String(v);
const n = (v: SQLOutputValue | undefined) => Number(v);

function toTx(r: Row): TxRecord {
  return {
    key: s(r.key),
    kind: s(r.kind),
    sender: s(r.sender) as Address,
    nonce: n(r.nonce),
    to: s(r.to_addr) as Address,
    data: s(r.data) as Hex,
    value: BigInt(s(r.value)),
    gas: BigInt(s(r.gas)),
    priority: n(r.priority),
    state: s(r.state) as TxState,
    ...(r.mined_hash != null ? { minedHash: s(r.mined_hash) as Hex } : {}),
    ...(r.mined_block != null ? { minedBlock: BigInt(s(r.mined_block)) } : {}),
    ...(r.note != null ? { note: s(r.note) } : {}),
    createdMs: n(r.created_ms),
    updatedMs: n(r.updated_ms),
  };
}

function toAttempt(r: Row): AttemptRecord {
  return {
    hash: s(r.hash) as Hex,
    key: s(r.key),
    nonce: n(r.nonce),
    maxFeePerGas: BigInt(s(r.max_fee)),
    maxPriorityFeePerGas: BigInt(s(r.priority_fee)),
    raw: s(r.raw) as Hex,
    isCancel: n(r.is_cancel) === 1,
    createdMs: n(r.created_ms),
    ...(r.broadcast_ms != null ? { broadcastMs: n(r.broadcast_ms) } : {}),
  };
}

export class Journal {
  private readonly db: DatabaseSync;

  /** Opens (creating if needed) the journal at `path`; ":memory:" for tests. */
  constructor(path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = new DatabaseSync(path);
      // WAL + FULL: a committed row survives kill -9 and power loss.
      this.db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;");
      this.db.exec(SCHEMA);
    } catch (e) {
      // SQLite's message ("file is not a database", "database disk image is malformed") does not say which file.
      throw new Error(`cannot open the journal ${path}: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Runs `fn` in one write transaction (all or nothing). */
  transaction<T>(fn: () => T): T {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const out = fn();
      this.db.exec("COMMIT");
      return out;
    } catch (e) {
      this.db.exec("ROLLBACK");
      throw e;
    }
  }

  /* transactions */

  insertTx(tx: Omit<TxRecord, "updatedMs" | "minedHash" | "minedBlock" | "note">): void {
    this.db
      .prepare(
        `INSERT INTO txs (key, kind, sender, nonce, to_addr, data, value, gas, priority, state, created_ms, updated_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(tx.key, tx.kind, tx.sender.toLowerCase(), tx.nonce, tx.to, tx.data, tx.value.toString(), tx.gas.toString(),
        tx.priority, tx.state, tx.createdMs, tx.createdMs);
  }

  getTx(key: string): TxRecord | undefined {
    const r = this.db.prepare("SELECT * FROM txs WHERE key = ?").get(key);
    return r ? toTx(r) : undefined;
  }

  /** Open transactions of a sender, by nonce. */
  openTxs(sender: Address): TxRecord[] {
    return this.db
      .prepare(`SELECT * FROM txs WHERE sender = ? AND state IN ('queued','broadcast','mined') ORDER BY nonce`)
      .all(sender.toLowerCase())
      .map(toTx);
  }

  /** Every transaction of a sender, by nonce (tests, status). */
  allTxs(sender: Address): TxRecord[] {
    return this.db.prepare("SELECT * FROM txs WHERE sender = ? ORDER BY nonce").all(sender.toLowerCase()).map(toTx);
  }

  /** Highest nonce the journal ever assigned for a sender, or -1. */
  maxNonce(sender: Address): number {
    const r = this.db.prepare("SELECT MAX(nonce) AS m FROM txs WHERE sender = ?").get(sender.toLowerCase());
    return r?.m == null ? -1 : n(r.m);
  }

  updateTx(key: string, state: TxState, nowMs: number, extra: { minedHash?: Hex | null; minedBlock?: bigint | null; note?: string } = {}): void {
    this.db
      .prepare(
        `UPDATE txs SET state = ?, updated_ms = ?,
           mined_hash = CASE WHEN ? THEN ? ELSE mined_hash END,
           mined_block = CASE WHEN ? THEN ? ELSE mined_block END,
           note = COALESCE(?, note)
         WHERE key = ?`,
      )
      .run(state, nowMs,
        extra.minedHash !== undefined ? 1 : 0, extra.minedHash ?? null,
        extra.minedBlock !== undefined ? 1 : 0, extra.minedBlock != null ? extra.minedBlock.toString() : null,
        extra.note ?? null, key);
  }

  /* attempts */

  addAttempt(a: Omit<AttemptRecord, "broadcastMs">): void {
    this.db
      .prepare(
        `INSERT INTO attempts (hash, key, nonce, max_fee, priority_fee, raw, is_cancel, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(a.hash, a.key, a.nonce, a.maxFeePerGas.toString(), a.maxPriorityFeePerGas.toString(), a.raw, a.isCancel ? 1 : 0, a.createdMs);
  }

  markBroadcast(hash: Hex, nowMs: number): void {
    this.db.prepare("UPDATE attempts SET broadcast_ms = ? WHERE hash = ?").run(nowMs, hash);
  }

  /** Marks every attempt of a transaction as not sent, so the next pass broadcasts the same bytes again. */
  markUnsent(key: string): void {
    this.db.prepare("UPDATE attempts SET broadcast_ms = NULL WHERE key = ?").run(key);
  }

  /** Attempts of a transaction, oldest first. */
  attempts(key: string): AttemptRecord[] {
    return this.db.prepare("SELECT * FROM attempts WHERE key = ? ORDER BY created_ms, rowid").all(key).map(toAttempt);
  }

  /* signed observations */

  /** Stores an observation this operator signed; returns false (and keeps the first) if one exists for the round. */
  recordObservation(o: SignedObservation, nowMs: number): boolean {
    const r = this.db
      .prepare(
        `INSERT OR IGNORE INTO observations (index_id, timestamp, methodology_version, signer, value, inputs_hash, r, vs, created_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(o.indexId.toLowerCase(), o.timestamp.toString(), o.methodologyVersion, o.signer.toLowerCase(), o.value.toString(),
        o.inputsHash, o.r, o.vs, nowMs);
    return Number(r.changes) === 1;
  }

  /** Observations stored for one (index, timestamp), any signer. */
  observations(indexId: Hex, timestamp: bigint): SignedObservation[] {
    return this.db
      .prepare("SELECT * FROM observations WHERE index_id = ? AND timestamp = ? ORDER BY signer")
      .all(indexId.toLowerCase(), timestamp.toString())
      .map((r) => ({
        indexId: s(r.index_id) as Hex,
        timestamp: BigInt(s(r.timestamp)),
        methodologyVersion: n(r.methodology_version),
        signer: getAddress(s(r.signer)),
        value: BigInt(s(r.value)),
        inputsHash: s(r.inputs_hash) as Hex,
        r: s(r.r) as Hex,
        vs: s(r.vs) as Hex,
      }));
  }

  /* gathered settlement-window rounds */

  /**
   * Stores a gathered round's postFixing arguments (`args`, JSON) unless the round is stored with as many signatures
   * or more; returns whether it was written.
   */
  putGatheredRound(indexId: Hex, timestamp: bigint, signatures: number, args: string, nowMs: number): boolean {
    const r = this.db
      .prepare(
        `INSERT INTO gathered_rounds (index_id, timestamp, signatures, args, updated_ms) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (index_id, timestamp) DO UPDATE SET signatures = excluded.signatures, args = excluded.args, updated_ms = excluded.updated_ms
         WHERE excluded.signatures > gathered_rounds.signatures`,
      )
      .run(indexId.toLowerCase(), timestamp.toString(), signatures, args, nowMs);
    return Number(r.changes) === 1;
  }

  /** Every stored gathered round as written (columns as text: a damaged row is the caller's to judge). */
  gatheredRounds(): { indexId: string; timestamp: string; args: string }[] {
    return this.db
      .prepare("SELECT index_id, timestamp, args FROM gathered_rounds ORDER BY index_id, timestamp")
      .all()
      .map((r) => ({ indexId: s(r.index_id), timestamp: s(r.timestamp), args: s(r.args) }));
  }

  deleteGatheredRound(indexId: string, timestamp: string): void {
    this.db.prepare("DELETE FROM gathered_rounds WHERE index_id = ? AND timestamp = ?").run(indexId, timestamp);
  }

  /* key-value (cursors, last rounds) */

  get(key: string): string | undefined {
    const r = this.db.prepare("SELECT v FROM kv WHERE k = ?").get(key);
    return r ? s(r.v) : undefined;
  }

  set(key: string, value: string): void {
    this.db.prepare("INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v").run(key, value);
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
