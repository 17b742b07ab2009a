// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {MarginMath} from "../../../contracts/libraries/MarginMath.sol";
import {TestBase} from "./utils/Vm.sol";

/// @notice Fuzz properties of the margin and fill arithmetic with 6-decimal (and 18-decimal) collateral.
contract MarginMathTest is TestBase {
    uint256 internal constant WAD = 1e18;

    /// @dev A listed (contractSize, tickSize) pair: tick * contractSize is a multiple of 1e18.
    function _series(uint256 csSeed, bool eighteen) internal pure returns (uint256 cs, uint256 tick) {
        // Contract sizes from 1e-3 to 1e6 USD per 1.0 of index with 6 decimals (x1e12 with 18 decimals).
        uint256 exp = bound(csSeed, 3, 12) + (eighteen ? 12 : 0);
        cs = 10 ** exp;
        tick = exp >= 18 ? 1 : 10 ** (18 - exp); // smallest tick that makes tick * cs a multiple of 1e18
    }

    /// C07: fees are charged per fill and rounded up, so splitting never pays less; payouts never gain.
    function testFuzz_C07_feeSplitNeverCheaper(uint64 a, uint64 b, uint256 ticks, uint256 csSeed, uint16 bps) public pure {
        (uint256 cs, uint256 tick) = _series(csSeed, false);
        a = uint64(bound(a, 1, 1e9));
        b = uint64(bound(b, 1, 1e9));
        uint256 price = bound(ticks, 1, 1e8 * WAD / tick) * tick;
        bps = uint16(bound(bps, 0, 1_000));
        uint256 na = MarginMath.notionalDown(a, price, cs);
        uint256 nb = MarginMath.notionalDown(b, price, cs);
        uint256 nab = MarginMath.notionalDown(uint256(a) + b, price, cs);
        assertEq(na + nb, nab, "notional is exact and additive at tick prices");
        assertTrue(MarginMath.feeUp(na, bps) + MarginMath.feeUp(nb, bps) >= MarginMath.feeUp(nab, bps), "fee(a)+fee(b) >= fee(a+b)");
        if (bps > 0 && na > 0) assertTrue(MarginMath.feeUp(na, bps) >= 1, "a non-zero fee rate charges >= 1 unit");
    }

    /// C09: realised PnL with 6- or 18-decimal collateral and prices over 1e-8..1e8 is within 2 units of the
    /// exact value and never above it (rounding against the trader), also at off-tick marks (liquidations).
    function testFuzz_C09_pnlPrecision(uint64 size, uint256 p1, uint256 p2, uint256 csSeed, bool eighteen, bool long) public pure {
        (uint256 cs,) = _series(csSeed, eighteen);
        size = uint64(bound(size, 1, 1e9));
        p1 = bound(p1, 1e10, 1e26);
        p2 = bound(p2, 1e10, 1e26);
        int256 s = long ? int256(uint256(size)) : -int256(uint256(size));
        (int256 cost,) = MarginMath.applyFill(0, 0, s, p1, cs);
        (int256 rest, int256 pnl) = MarginMath.applyFill(s, cost, -s, p2, cs);
        assertEq(rest, 0, "closing all leaves no cost");
        // exact = s * (p2 - p1) * cs / 1e18 as a rational; compare pnl * 1e18 with the numerator.
        int256 exactNum = s * (int256(p2) - int256(p1)) * int256(cs);
        int256 scaled = pnl * int256(WAD);
        assertLe(scaled, exactNum, "pnl never above exact");
        assertLe(exactNum - scaled, 2 * int256(WAD), "pnl within 2 units of exact");
    }

    /// C08 / I4 / I16: open and close at the same price never gains; partial closes keep cost consistent.
    function testFuzz_C08_roundTripNeverGains(uint64 size, uint64 part, uint256 price, uint256 csSeed, bool long) public pure {
        (uint256 cs,) = _series(csSeed, false);
        size = uint64(bound(size, 2, 1e9));
        part = uint64(bound(part, 1, size - 1));
        price = bound(price, 1e10, 1e26);
        int256 s = long ? int256(uint256(size)) : -int256(uint256(size));
        int256 p = long ? int256(uint256(part)) : -int256(uint256(part));
        (int256 cost,) = MarginMath.applyFill(0, 0, s, price, cs);
        (int256 cost2, int256 pnl1) = MarginMath.applyFill(s, cost, -p, price, cs);
        (int256 cost3, int256 pnl2) = MarginMath.applyFill(s - p, cost2, -(s - p), price, cs);
        assertEq(cost3, 0, "fully closed");
        assertLe(pnl1 + pnl2, 0, "a round trip at one price never gains");
    }

    /// I16: margin shares round against the account: assets -> shares -> assets never grows.
    function testFuzz_I16_sharesRoundTrip(uint96 assets, uint96 totalAssets, uint96 totalShares) public pure {
        uint256 shares = MarginMath.toSharesDown(assets, totalAssets, totalShares);
        uint256 back = MarginMath.toAssetsDown(shares, uint256(totalAssets) + assets, uint256(totalShares) + shares);
        assertLe(back, assets, "deposit then read back never gains");
        uint256 burnt = MarginMath.toSharesUp(assets, totalAssets, totalShares);
        assertTrue(burnt >= shares, "burning rounds up, minting rounds down");
    }

    /// Requirements round up and equity rounds down: a position exactly at the requirement is not below it by
    /// more than the rounding of one conversion.
    function testFuzz_requirementRoundsUp(int64 size, uint256 price, uint16 bps) public pure {
        vm.assume(size != 0 && size != type(int64).min);
        price = bound(price, 1e10, 1e26);
        bps = uint16(bound(bps, 1, 10_000));
        uint256 req = MarginMath.requirementUp(size, price, 1_000e6, bps);
        uint256 abs = MarginMath.abs(size);
        assertTrue(req * 1e22 >= abs * price * 1_000e6 * bps, "requirement >= exact");
        assertTrue((req - 1) * 1e22 < abs * price * 1_000e6 * bps, "requirement < exact + 1 unit");
    }
}
