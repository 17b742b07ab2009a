import { expect } from "chai";
import {
  DecimalParseError,
  add,
  cmp,
  formatDecimal,
  formatFixed,
  median,
  parseDecimal,
  rational,
  shift10,
  toFixedTowardZero,
} from "../../keeper/methodology/decimal.js";

describe("methodology/decimal: exact decimals on bigint", () => {
  it("parses source text exactly, exponents included", () => {
    expect(parseDecimal("2.5e-06")).to.deep.equal(rational(25n, 10_000_000n));
    expect(formatDecimal(shift10(parseDecimal("2.5e-06"), 6))).to.equal("2.5");
    expect(formatDecimal(shift10(parseDecimal("1.1e-07"), 6))).to.equal("0.11");
    // 0.1 + 0.2 is exactly 0.3 here (it is not in floating point)
    expect(formatDecimal(add(parseDecimal("0.1"), parseDecimal("0.2")))).to.equal("0.3");
    expect(formatDecimal(parseDecimal("0.30000000000000004"))).to.equal("0.30000000000000004");
    expect(formatDecimal(parseDecimal("-1E+2"))).to.equal("-100");
    expect(formatDecimal(parseDecimal(".5"))).to.equal("0.5");
    expect(formatDecimal(parseDecimal("15."))).to.equal("15");
    expect(formatDecimal(parseDecimal("000.000"))).to.equal("0");
  });

  it("keeps digits beyond 18 decimals and beyond float precision", () => {
    const tiny = parseDecimal("1.23456789012345678901234e-30");
    expect(formatDecimal(tiny)).to.equal("0.00000000000000000000000000000123456789012345678901234");
    expect(formatDecimal(parseDecimal("123456789012345678901234567890"))).to.equal("123456789012345678901234567890");
  });

  it("rejects what is not a decimal with a clear message", () => {
    for (const bad of ["", "abc", "1,5", "0x10", "1e", "--1", "NaN", "Infinity", " 1", "1e999", "1".repeat(81)]) {
      expect(() => parseDecimal(bad), bad).to.throw(DecimalParseError);
    }
    expect(() => parseDecimal("1e999")).to.throw(/exponent out of range/);
    expect(() => parseDecimal("abc")).to.throw(/not a decimal number: "abc"/);
  });

  it("compares, takes medians (even: mean of the middle two) and rounds toward zero", () => {
    expect(cmp(parseDecimal("0.1"), parseDecimal("1e-1"))).to.equal(0);
    expect(cmp(parseDecimal("2"), parseDecimal("10"))).to.equal(-1);
    expect(formatDecimal(median(["3", "1", "2"].map(parseDecimal)))).to.equal("2");
    expect(formatDecimal(median(["4", "1", "3", "2"].map(parseDecimal)))).to.equal("2.5");
    expect(toFixedTowardZero(rational(2n, 3n), 18)).to.equal(666_666_666_666_666_666n);
    expect(toFixedTowardZero(rational(-2n, 3n), 18)).to.equal(-666_666_666_666_666_666n);
    expect(formatDecimal(rational(1n, 3n))).to.equal("0.333333333333333333");
    expect(formatFixed(3_122_750_000_000_000_000n, 18)).to.equal("3.12275");
    expect(formatFixed(5n, 18)).to.equal("0.000000000000000005");
  });
});
