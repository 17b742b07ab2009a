import { expect } from "chai";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { KeyError, loadOperatorKeys } from "../../keeper/chain/keys.js";
import { SdkError } from "../../sdk/errors.js";
import { encryptKey, loadKeystore, plainKeyAccount } from "../../sdk/keys.js";
import { run } from "../../keeper/commands/keystore.js";

const SCRYPT_N = 1 << 10; // fast for tests; the command's default is ethers' 2^17
const PASSWORD = "correct horse battery";

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "keeper-keys-"));
}

function io(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l), env, scryptN: SCRYPT_N } };
}

describe("keeper keys", () => {
  it("keystore round trip: encrypt a key, decrypt it to the same viem account", async () => {
    const key = generatePrivateKey();
    const dir = tempDir();
    const file = join(dir, "k.json");
    writeFileSync(file, await encryptKey(key, PASSWORD, { scryptN: SCRYPT_N }));
    expect(readFileSync(file, "utf8")).to.not.include(key.slice(2));
    const account = await loadKeystore(file, PASSWORD);
    expect(account.address).to.equal(privateKeyToAccount(key).address);
    const sig = await account.signMessage({ message: "hello" });
    expect(sig).to.equal(await privateKeyToAccount(key).signMessage({ message: "hello" }));
  });

  it("a wrong password fails without echoing the password or key", async () => {
    const key = generatePrivateKey();
    const file = join(tempDir(), "k.json");
    writeFileSync(file, await encryptKey(key, PASSWORD, { scryptN: SCRYPT_N }));
    const error = await loadKeystore(file, "wrong password!").then(() => undefined, (e: unknown) => e as Error);
    expect(error).to.be.instanceOf(SdkError);
    expect(error?.message).to.equal(`cannot decrypt keystore ${file}: wrong password or corrupt file`);
    expect(error?.message).to.not.include("wrong password!");
  });

  it("a plain private key is refused on a non-local chain and accepted on 31337", () => {
    const key = generatePrivateKey();
    expect(() => plainKeyAccount(key, 1, "keys.signer")).to.throw(SdkError, /only on local chains/);
    expect(plainKeyAccount(key, 31337, "keys.signer").address).to.equal(privateKeyToAccount(key).address);
    expect(() => plainKeyAccount("0x1234", 31337, "keys.signer")).to.throw(SdkError, /32 bytes of hex/);
  });

  it("loads a separate signing key and gas-paying key, password from a file", async () => {
    const dir = tempDir();
    const signerKey = generatePrivateKey();
    const gasKey = generatePrivateKey();
    writeFileSync(join(dir, "signer.json"), await encryptKey(signerKey, PASSWORD, { scryptN: SCRYPT_N }));
    writeFileSync(join(dir, "gas.json"), await encryptKey(gasKey, PASSWORD, { scryptN: SCRYPT_N }));
    writeFileSync(join(dir, "password"), `${PASSWORD}\n`);
    const keys = await loadOperatorKeys(
      { signer: { keystore: join(dir, "signer.json") }, gasPayer: { keystore: join(dir, "gas.json") }, passwordFile: join(dir, "password") },
      11155111,
      {},
    );
    expect(keys.signer.address).to.equal(privateKeyToAccount(signerKey).address);
    expect(keys.gasPayer.address).to.equal(privateKeyToAccount(gasKey).address);
    const same = await loadOperatorKeys({ signer: { keystore: join(dir, "signer.json") }, passwordEnv: "PW" }, 1, { PW: PASSWORD });
    expect(same.gasPayer.address).to.equal(same.signer.address);
    const missing = await loadOperatorKeys({ signer: { keystore: join(dir, "signer.json") }, passwordEnv: "PW" }, 1, {}).catch((e: Error) => e);
    expect(missing).to.be.instanceOf(KeyError);
    expect((missing as Error).message).to.equal("environment variable PW (keystore password) is not set or empty");
    const noSource = await loadOperatorKeys({ signer: { keystore: join(dir, "signer.json") } }, 1, {}).catch((e: Error) => e);
    expect((noSource as Error).message).to.equal("no keystore password source: set keys.passwordFile or keys.passwordEnv");
    const plainOnMainnet = await loadOperatorKeys({ signer: { privateKeyEnv: "K" } }, 1, { K: signerKey }).catch((e: Error) => e);
    expect(plainOnMainnet).to.be.instanceOf(KeyError);
    expect((plainOnMainnet as Error).message).to.match(/^keys\.signer \(K\): plain private keys are accepted only on local chains/);
    const unset = await loadOperatorKeys({ signer: { privateKeyEnv: "K" } }, 31337, {}).catch((e: Error) => e);
    expect((unset as Error).message).to.equal("keys.signer (K): private key variable is not set");
  });

  it("keystore create from an env key: prints only the address, writes an owner-only file, refuses to overwrite", async () => {
    const key = generatePrivateKey();
    const dir = tempDir();
    const file = join(dir, "op.json");
    const t = io({ OP_KEY: key, OP_PW: PASSWORD });
    expect(await run(["create", "--out", file, "--key-env", "OP_KEY", "--password-env", "OP_PW"], t.io)).to.equal(0);
    const address = privateKeyToAccount(key).address;
    expect(t.out).to.deep.equal([`created ${file} for address ${address}`]);
    expect(t.out.join("") + t.err.join("")).to.not.include(key.slice(2));
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect((await loadKeystore(file, PASSWORD)).address).to.equal(address);

    const again = io({ OP_KEY: key, OP_PW: PASSWORD });
    expect(await run(["create", "--out", file, "--key-env", "OP_KEY", "--password-env", "OP_PW"], again.io)).to.equal(1);
    expect(again.err[0]).to.match(/already exists; refusing to overwrite/);

    const shown = io();
    expect(await run(["address", file], shown.io)).to.equal(0);
    expect(shown.out).to.deep.equal([address]);
  });

  it("keystore create with a new random key and a password file; short passwords are refused", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "pw"), PASSWORD);
    const t = io();
    expect(await run(["create", "--out", join(dir, "new.json"), "--password-file", join(dir, "pw")], t.io)).to.equal(0);
    const address = t.out[0]?.split(" ").at(-1) ?? "";
    expect((await loadKeystore(join(dir, "new.json"), PASSWORD)).address).to.equal(address);

    writeFileSync(join(dir, "short"), "abc");
    const bad = io();
    expect(await run(["create", "--out", join(dir, "x.json"), "--password-file", join(dir, "short")], bad.io)).to.equal(1);
    expect(bad.err[0]).to.equal("keystore create: keystore password must have at least 8 characters");
    expect(await run(["frobnicate"], io().io)).to.equal(2);
  });
});
