// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IFuturesMarket, SeriesParams} from "../../../contracts/futures/IFuturesMarket.sol";
import {IIndexOracle} from "../../../contracts/oracle/IIndexOracle.sol";
import {MarketScenario} from "./utils/MarketScenario.sol";

/// @notice Review 6 (after "liquidations stop at expiry"): the expiry -> window -> settle -> closeOut -> claim
/// lifecycle. Each finding as a test that failed on the reviewed code and passes with the fix its comment names (the
/// scene: MarketScenario).
contract MarketReview6Test is MarketScenario {
    /// @dev Records a one-observation window round of `value` stamped now (the mock oracle verifies the median).
    function _record(SeriesParams memory p, uint256 value) internal {
        IIndexOracle.Observation[] memory obs = new IIndexOracle.Observation[](1);
        obs[0] = IIndexOracle.Observation(value, bytes32(0), bytes32(0), bytes32(0));
        market.recordSettlementFixing(p, uint64(clock), 2, new address[](0), obs);
    }

    /// @dev Twin series (same prices, same window, another id), alice long 10 / bob short 10 at 3.5 in both, at
    /// initial margin; a fixing of 3.36 (-4 %, alice healthy: equity 2,100 >= maintenance 1,680) marked in both.
    function _twins() internal returns (SeriesParams memory p2, bytes32 id2) {
        p2 = params;
        p2.settlementGrace = params.settlementGrace + 1;
        id2 = market.listSeries(p2);
        _fund(alice, 40_000 * USDC);
        _fund(bob, 40_000 * USDC);
        _tradeIn(params, alice, bob, true, 10, INDEX);
        _tradeIn(p2, alice, bob, true, 10, INDEX);
        _warp(clock + 1);
        oracle.set(INDEX_ID, 3.36e18, uint64(clock));
        market.updateMark(params);
        market.updateMark(p2);
        (int256 e,, uint256 mm) = market.accountHealth(params, alice, 3.36e18);
        assertTrue(e >= int256(mm), "alice meets maintenance at the last mark liquidations could use");
    }

    /// C32 / C30, finding 1 (medium): the oracle takes a round stamped before expiry after expiry (it has no minimum
    /// age: a late keeper, a gas spike, a round held back by whoever has the signatures), and such a round still
    /// became the series' mark after expiry, when liquidations are closed. The mark anchors the final price's clamp,
    /// so the first caller after expiry, with the window's rounds in sight, picked the anchor: the winner calls
    /// updateMark on the late round; the loser posts a window round to the oracle first (the late round is then
    /// older than the latest and can never be posted). Numbers: alice long 10 from 3.5, mark 3.36; the round stamped
    /// expiry - 1 at 3.2256 (-4 %) posted at expiry + 30; the window round 3.0966. Taken in: anchor 3.2256, final
    /// price 3.096576, alice -534.24 USDC (a deficit nobody could liquidate, paid by insurance or bob's claim); not
    /// taken in: anchor 3.36, final price 3.2256, alice +756: 1,290.24 USDC moved by call order.
    /// Fix: the mark freezes at expiry by block time (`_markAt` and `updateMark` take no fixing from expiry on),
    /// so the anchor is a mark at which liquidations were open and nothing after expiry moves it.
    function test_C32_roundStampedBeforeExpiryPostedAfterItNeitherMovesTheAnchorNorBankrupts() public {
        (SeriesParams memory p2, bytes32 id2) = _twins();
        _warp(uint256(params.expiry) + 30);
        oracle.set(INDEX_ID, 3.2256e18, params.expiry - 1); // stamped before expiry, posted after it
        market.updateMark(params); // the short takes the late round in on the first series
        vm.prank(liquidator);
        vm.expectRevert(abi.encodeWithSelector(IFuturesMarket.SeriesExpired.selector, id, params.expiry, clock));
        market.liquidate(params, alice, 10);
        _warp(clock + 1);
        oracle.set(INDEX_ID, 3.0966e18, uint64(clock)); // the long posts a window round first on the second
        _record(params, 3.0966e18);
        _record(p2, 3.0966e18);
        _warp(uint256(params.expiry) + params.settlementWindow + 1);
        market.settle(params);
        market.settle(p2);
        assertEq(market.seriesState(id).finalPrice, market.seriesState(id2).finalPrice, "C32: the anchor is no caller's pick");
        assertEq(market.seriesState(id).finalPrice, 3.2256e18, "clamped to one limit of the last mark before expiry");
        market.closeOut(params, alice);
        market.closeOut(params, bob);
        assertEq(market.seriesState(id).settlementDeficit, 0, "C30: healthy at the last mark, solvent at the final price");
    }

    /// C32 / C30, finding 1 continued: the same late round beyond the price limit settled the series at the limit
    /// price after expiry (updateMark, LimitMove), replacing the window's price by the first caller's choice.
    /// Numbers: mark 3.36, a round stamped expiry - 1 at 3.0 (-10.7 %) posted at expiry + 30, the window at 3.3:
    /// updateMark settled at 3.2256 (alice 756) instead of the window's 3.3 (alice 1,500).
    /// Fixed with finding 1: from expiry on updateMark returns the last mark; the window decides.
    function test_C32_lateBeyondLimitRoundDoesNotSettleTheSeriesAfterExpiry() public {
        _twins();
        _warp(uint256(params.expiry) + 30);
        oracle.set(INDEX_ID, 3e18, params.expiry - 1);
        assertEq(market.updateMark(params), 3.36e18, "after expiry the mark stays");
        assertEq(market.seriesState(id).settledAt, 0, "C32: no limit settlement after expiry");
        _record(params, 3.3e18);
        _warp(uint256(params.expiry) + params.settlementWindow + 1);
        market.settle(params);
        assertEq(market.seriesState(id).finalPrice, 3.3e18, "the window decides");
    }
    /// @dev Whether a call to the market reverted with a panic (`Panic(uint256)`, 0x4e487b71) rather than a typed error.
    function _panics(address caller, bytes memory data) internal returns (bool) {
        vm.prank(caller);
        (bool ok, bytes memory ret) = address(market).call(data);
        return !ok && ret.length >= 4 && bytes4(ret) == bytes4(0x4e487b71);
    }

    /// C13 / panics, finding 2 (low): `removeMargin` negated the amount as `-int256(amount)` before any bound, so
    /// `removeMargin(params, 2^255)` panicked (0x11, negating int256.min), and amounts above 2^255 wrapped to a
    /// small collateral *increase* (2^256 - 1 became +1) that only the margin debit then rejected. Fixed: the amount
    /// is cast with SafeCast, so every amount from 2^255 on reverts `SafeCastOverflowedUintToInt` (typed).
    function testFuzz_C13_removeMarginNeverPanics(uint256 amount) public {
        _fund(alice, 20_000 * USDC);
        _fund(bob, 20_000 * USDC);
        _tradeIn(params, alice, bob, true, 10, INDEX);
        vm.prank(alice);
        market.addMargin(params, 1_000 * USDC);
        uint256[4] memory fixed_ = [uint256(1) << 255, type(uint256).max, (uint256(1) << 255) + 1, type(uint256).max - 1_000 * USDC];
        uint256 panicked;
        for (uint256 i; i < 4; ++i) {
            if (_panics(alice, abi.encodeCall(market.removeMargin, (params, fixed_[i])))) panicked |= 1 << i;
        }
        assertEq(panicked, 0, "C13: removeMargin panics (bit i: the i-th fixed amount)");
        amount = bound(amount, 1 << 64, type(uint256).max);
        assertTrue(!_panics(alice, abi.encodeCall(market.removeMargin, (params, amount))), "C13: removeMargin panics");
    }
    /// @dev Removes all but 2 units of `a`'s margin above initial at the mark (the most removeMargin allows, up to
    /// the share rounding of the debit).
    function _removeExcess(address a, uint256 mark) internal {
        (int256 e, uint256 im,) = market.accountHealth(params, a, mark);
        if (e > int256(im) + 2) {
            vm.prank(a);
            market.removeMargin(params, uint256(e - int256(im)) - 2);
        }
    }

    /// C32 / C18 (regression, brief: "removeMargin after expiry with hindsight on the window"): both accounts of an
    /// actor take out everything above initial margin at the last mark before expiry; from expiry on margin removal
    /// reverts (`SeriesExpired`: a winner seeing the window head for a deficit cannot leave the others a larger share
    /// of the haircut). With any window rounds (-90 % .. +900 %) and a round stamped before expiry posted after it,
    /// the final price lies within one limit of the frozen mark, so neither account ends in deficit (initial 10 % >
    /// limit 4 %) and nothing is left for insurance or the claims to bear.
    function testFuzz_C32_marginRemovedBeforeExpiryNeverLeavesADeficit(uint256[4] memory seed) public {
        _fund(alice, 40_000 * USDC);
        _fund(bob, 40_000 * USDC);
        _tradeIn(params, alice, bob, true, 10, INDEX);
        uint256 last = INDEX * bound(seed[0], 9_601, 10_399) / 10_000; // the last mark before expiry, within the limit
        _warp(uint256(params.expiry) - 100);
        oracle.set(INDEX_ID, last, uint64(clock));
        market.updateMark(params);
        _removeExcess(alice, last);
        _removeExcess(bob, last);
        _warp(uint256(params.expiry) + 10);
        oracle.set(INDEX_ID, INDEX * bound(seed[1], 1_000, 100_000) / 10_000, params.expiry - 1); // late, any value
        (uint256 mark,) = market.currentMark(params);
        assertEq(mark, last, "the mark is frozen at expiry");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IFuturesMarket.SeriesExpired.selector, id, params.expiry, clock));
        market.removeMargin(params, 1);
        _record(params, INDEX * bound(seed[2], 1_000, 100_000) / 10_000);
        _warp(clock + 60);
        _record(params, INDEX * bound(seed[3], 1_000, 100_000) / 10_000);
        _warp(uint256(params.expiry) + params.settlementWindow + 1);
        market.settle(params);
        market.closeOut(params, alice);
        market.closeOut(params, bob);
        IFuturesMarket.SeriesState memory st = market.seriesState(id);
        assertEq(st.settlementDeficit, 0, "C32: no deficit after margin removal at the frozen mark");
        assertEq(st.payableTotal, st.owedTotal, "claims paid in full");
    }
}
