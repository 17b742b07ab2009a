import { expect } from "chai";
import { SdkError } from "../../sdk/errors.js";

/** Awaits `p` and asserts it failed with an SdkError of `code`; returns the error. */
export async function rejects(p: Promise<unknown>, code: string): Promise<SdkError> {
  try {
    await p;
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(SdkError);
    expect((e as SdkError).code, (e as Error).message).to.equal(code);
    return e as SdkError;
  }
  throw new Error(`expected ${code}, it resolved`);
}
