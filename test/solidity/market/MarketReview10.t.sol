// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IFuturesMarket, SeriesParams} from "../../../contracts/futures/IFuturesMarket.sol";
import {IIndexOracle} from "../../../contracts/oracle/IIndexOracle.sol";
import {MarketScenario} from "./utils/MarketScenario.sol";

/// @notice Review 10 (independent attacker). Two findings, both low, fixed since (the fallback settles at the last
/// mark, with no oracle call); before the fix: (C32) the fallback settlement
/// took the oracle's latest value at the moment of the first `settle` call, so with no window round recorded the
/// first caller picks between a posted value and one about to be posted; (I12 / C24) a series listed on an index
/// that never receives a fixing can never settle, so its insurance is locked forever. The other tests pin the most
/// dangerous attempts that failed: a self-trader with its own liquidator through band edges and gaps up to the limit
/// (C14 / C15 / C29 / C30), series isolation through an insured bankruptcy (C17 / C31), order independence of
/// close-outs, claims, fee collection and insurance withdrawal (C32), one count per round whatever the subset or
/// version (C32), no panic on extreme inputs (C13) and exits after an unbacked-loss settlement (C24 / I12).
/// Scene: MarketScenario.
contract MarketReview10Test is MarketScenario {
    bytes4 internal constant PANIC = 0x4e487b71;

    /// @dev Records a one-observation window round of `value` stamped now (the mock oracle returns the median).
    function _record(SeriesParams memory p, uint256 value, uint32 version) internal {
        IIndexOracle.Observation[] memory obs = new IIndexOracle.Observation[](1);
        obs[0] = IIndexOracle.Observation(value, bytes32(0), bytes32(0), bytes32(0));
        market.recordSettlementFixing(p, uint64(clock), version, new address[](0), obs);
    }

    /// @dev A twin of `params`: the same economics under another id (minSize 2 instead of 1; every trade here is
    /// at least 2 contracts).
    function _twin() internal returns (SeriesParams memory p2, bytes32 id2) {
        p2 = params;
        p2.minSize = 2;
        id2 = market.listSeries(p2);
    }

    function _fixing(SeriesParams memory p, uint256 value) internal {
        _warp(clock + 1);
        oracle.set(INDEX_ID, value, uint64(clock));
        market.updateMark(p);
    }

    /// @dev A fixing taken into the marks of both `params` and `p2`.
    function _fixingBoth(SeriesParams memory p2, uint256 value) internal {
        _fixing(params, value);
        market.updateMark(p2);
    }

    function _notPanic(bytes memory err, string memory what) internal pure {
        bytes4 selector;
        if (err.length >= 4) {
            assembly ("memory-safe") {
                selector := mload(add(err, 0x20))
            }
        }
        assertTrue(selector != PANIC, what);
    }

    /* FINDING (fixed: the fallback is the last mark): C32, the fallback's last look */

    /// C32 (low): with no window round recorded (keepers down through the window, or every window round refused),
    /// `settle` after `expiry + settlementGrace` uses whatever the oracle's latest value is at that call. The value
    /// changes with every post, so whoever calls first picks: the one who sees a post coming that hurts him settles
    /// before it lands (front-runs it), the one it helps waits for it (or posts a round he holds the signatures of
    /// and settles in the same block). Two identical series, the same positions, one block apart around one post:
    /// final 3.45 vs 3.38, 700 USDC on 10 contracts moved by who called when. The clamp bounds it to one price
    /// limit of the last mark. A fallback that does not depend on the call time would fix it, e.g. the last mark
    /// (frozen at expiry, known to all, and already the clamp's anchor) or the first fixing stamped after the grace.
    function test_C32_fallbackPriceDoesNotDependOnWhenTheFirstCallerSettles() public {
        (SeriesParams memory p2, bytes32 id2) = _twin();
        _fund(alice, 20_000 * USDC);
        _fund(bob, 20_000 * USDC);
        _tradeIn(params, alice, bob, true, 10, INDEX);
        _tradeIn(p2, alice, bob, true, 10, INDEX);
        // No round recorded in the window; the oracle keeps posting.
        _warp(uint256(params.expiry) + params.settlementGrace - 100);
        oracle.set(INDEX_ID, 3.45e18, uint64(clock));
        _warp(uint256(params.expiry) + params.settlementGrace + 1);
        market.settle(params); // the long settles first, before a post he sees coming
        oracle.set(INDEX_ID, 3.38e18, uint64(clock)); // the next round lands in the same block
        market.settle(p2);
        assertEq(
            market.seriesState(id).finalPrice,
            market.seriesState(id2).finalPrice,
            "C32: the fallback price depends on whether settle ran before or after a post"
        );
    }

    /* FINDING (fixed: the fallback needs no fixing): I12 / C24, insurance of a series whose index never gets a fixing */

    /// I12 / C24 (low): `listSeries` does not check that the oracle has the index, and a series settles only through
    /// a recorded round (`verifyFixing`: `UnknownIndex`) or the fallback (`latest`: `NoFixing`). A series listed on
    /// an index that never receives a fixing (a mistyped id, an index retired before its first post) can never
    /// settle, so `withdrawInsurance` reverts `InsuranceLocked` forever and whatever was funded into its insurance
    /// (the lister funds it at listing, section 13 item 13) is lost; anyone's `fundInsurance` adds to it. No position
    /// can exist there (every trade needs a mark), so nothing is at stake that a settlement at any price, or a
    /// withdrawal allowed once no position ever opened and the grace is over, would harm.
    function test_I12_insuranceOfASeriesWhoseIndexNeverPostsCanLeaveAfterTheGrace() public {
        SeriesParams memory p = params;
        p.indexId = bytes32("ATPl"); // a typo of ATPI: the oracle never posts it
        bytes32 pid = market.listSeries(p);
        _fund(address(this), 2_000 * USDC);
        market.fundInsurance(p, 2_000 * USDC);
        _warp(uint256(p.expiry) + p.settlementGrace + 1);
        try market.settle(p) {} catch {}
        try market.withdrawInsurance(p, 2_000 * USDC, address(this)) {} catch {}
        assertEq(market.seriesState(pid).insurance, 0, "I12: the insurance can leave once the grace is over");
    }

    /* PINS */

    /// C14 / C15 / C29 / C30 (no finding): one actor with three accounts: alice and bob trade with each other at a
    /// fuzzed band price, then each fixing (a fuzzed move of up to the price limit, three times) is followed by carol
    /// liquidating either of them when it can (self-liquidation: a fuzzed chunk, then the rest of a keeper pass)
    /// and by a fuzzed band-edge reduction from one of alice and bob to the other; the series settles at a fuzzed
    /// window price (clamped to one limit). A third party's insurance fund is never touched and the actor's free
    /// balances after the claims, plus the fees it paid, never exceed what it deposited.
    function testFuzz_C14_C15_C29_selfTraderWithOwnLiquidatorNeverGains(uint256[11] memory r) public {
        // alice and bob hold little beyond what the open needs (initial margin plus a band-edge loss, 16 % of the
        // notional), so a reduction that would lower a ratio often cannot top up and reverts.
        uint64 size = uint64(bound(r[1], 2, 50));
        uint256 each = uint256(size) * 560 * USDC;
        uint256 deposited = 2 * each + 30_000 * USDC;
        _fund(alice, each);
        _fund(bob, each);
        _fund(carol, 30_000 * USDC);
        _fund(address(this), 1_000 * USDC);
        market.fundInsurance(params, 1_000 * USDC);
        uint256 band = INDEX * params.priceBandBps / 10_000;
        uint256 open = (INDEX - band + bound(r[0], 0, 2 * band)) / params.tickSize * params.tickSize;
        if (open < INDEX - band) open += params.tickSize;
        _tradeIn(params, alice, bob, true, size, open);
        for (uint256 k; k < 3; ++k) {
            (uint256 mark,) = market.currentMark(params);
            uint256 step = mark * params.priceLimitBps / 10_000;
            uint256 next = mark - step + bound(r[2 + k], 0, 2 * step);
            _fixing(params, next);
            _selfLiquidate(alice, r[5 + k]);
            _selfLiquidate(bob, uint256(keccak256(abi.encode(r[5 + k]))));
            _bandEdgeReduce(r[8 + k], next);
        }
        _warp(params.expiry);
        (uint256 last,) = market.currentMark(params);
        _record(params, last * bound(r[10] >> 128, 8_000, 12_000) / 10_000, 2);
        _warp(uint256(params.expiry) + params.settlementWindow + 1);
        market.settle(params);
        _resolveAndClaim(alice);
        _resolveAndClaim(bob);
        _resolveAndClaim(carol);
        IFuturesMarket.SeriesState memory s = market.seriesState(id);
        assertEq(s.totalDeficit, 0, "C15: a keeper pass after each move leaves no deficit");
        assertEq(s.insurance, 1_000 * USDC, "C15: the third party's insurance is untouched");
        uint256 held = market.freeBalance(alice) + market.freeBalance(bob) + market.freeBalance(carol);
        assertLe(held + s.fees, deposited, "C14 / C29: the actor never gains beyond the fees it paid");
    }

    /// @dev carol liquidates `account` in a fuzzed chunk, then as far as the rule allows (a full keeper pass).
    function _selfLiquidate(address account, uint256 seed) internal {
        vm.prank(carol);
        try market.liquidate(params, account, uint64(bound(seed, 1, 40))) {} catch {}
        vm.prank(carol);
        try market.liquidate(params, account, type(uint64).max) {} catch {}
    }

    /// @dev One of alice / bob (the seed's low bit picks which) reduces part of its position with the other at the
    /// band edge against itself (a long sells at the low edge, a short buys at the high one); the trade rule may
    /// refuse it.
    function _bandEdgeReduce(uint256 seed, uint256 mark) internal {
        (address giver, address taker) = seed & 1 == 0 ? (alice, bob) : (bob, alice);
        int256 a = market.position(id, giver).size;
        if (a == 0 || market.position(id, taker).size == 0) return;
        uint256 band = mark * params.priceBandBps / 10_000;
        uint64 q = uint64(bound(seed >> 1, 1, uint256(a > 0 ? a : -a)));
        uint256 price = a > 0 ? (mark - band + params.tickSize - 1) / params.tickSize * params.tickSize
            : (mark + band) / params.tickSize * params.tickSize;
        try this.tradeExternal(giver, taker, a < 0, q, price) {} catch {}
    }

    function tradeExternal(address maker, address taker, bool makerBuys, uint64 size, uint256 price) external {
        require(msg.sender == address(this), "self only");
        _tradeIn(params, maker, taker, makerBuys, size, price);
    }

    function _resolveAndClaim(address account) internal {
        if (market.position(id, account).size != 0) market.closeOut(params, account);
        if (market.seriesState(id).openPositions != 0) return;
        for (uint256 i; i < 3; ++i) {
            address a = i == 0 ? alice : (i == 1 ? bob : carol);
            if (market.owedOf(id, a) != 0) {
                vm.prank(a);
                market.claim(params);
            }
        }
    }

    /// C17 / C31 (no finding): a bankrupt account in series A liquidated within A's insurance, after two unliquidated
    /// moves and a third (alice long 10 from 3.5 at 3.0966: about -534 USDC): every word of series B's state (pool,
    /// mark, collateral, insurance, counters) and both B positions are unchanged, and the deficit is recorded in A
    /// only, paid by A's fund.
    function test_C17_C31_insuredBankruptcyInOneSeriesLeavesTheOtherUntouched() public {
        (SeriesParams memory p2, bytes32 id2) = _twin();
        _fund(alice, 20_000 * USDC);
        _fund(bob, 20_000 * USDC);
        _fund(carol, 20_000 * USDC);
        _fund(liquidator, 20_000 * USDC);
        _tradeIn(params, alice, bob, true, 10, INDEX);
        _tradeIn(p2, carol, bob, true, 4, INDEX);
        _fund(address(this), 3_000 * USDC);
        market.fundInsurance(params, 1_000 * USDC);
        market.fundInsurance(p2, 2_000 * USDC);
        _fixingBoth(p2, 3.36e18);
        _fixingBoth(p2, 3.2256e18);
        _fixingBoth(p2, 3.0966e18);
        (int256 equity,,) = market.accountHealth(params, alice, 3.0966e18);
        assertTrue(equity < 0, "alice is bankrupt at the mark");
        bytes32 stateB = keccak256(abi.encode(market.seriesState(id2)));
        bytes32 posB = keccak256(abi.encode(market.position(id2, carol), market.position(id2, bob)));
        vm.prank(liquidator);
        market.liquidate(params, alice, 10);
        IFuturesMarket.SeriesState memory a = market.seriesState(id);
        assertEq(a.totalDeficit, uint256(-equity), "the deficit, recorded in A");
        assertEq(a.insuranceUsed, a.totalDeficit, "paid by A's fund");
        assertEq(keccak256(abi.encode(market.seriesState(id2))), stateB, "C17: series B's state is unchanged");
        assertEq(keccak256(abi.encode(market.position(id2, carol), market.position(id2, bob))), posB, "C17: B positions");
    }

    /// @dev Twin series, alice long 10 (6 from bob, 4 from carol) at 3.5, each with 200 USDC of insurance; two
    /// unliquidated -4 % fixings and a window round at 3.0966 leave alice at about -534 at the final price: a
    /// deficit the insurance covers in part, the rest a haircut of bob's and carol's claims.
    function _deficitTwins() internal returns (SeriesParams memory p2) {
        (p2,) = _twin();
        _fund(alice, 20_000 * USDC);
        _fund(bob, 20_000 * USDC);
        _fund(carol, 20_000 * USDC);
        _fund(address(this), 400 * USDC);
        for (uint256 i; i < 2; ++i) {
            SeriesParams memory p = i == 0 ? params : p2;
            _tradeIn(p, bob, alice, false, 6, INDEX);
            _tradeIn(p, carol, alice, false, 4, INDEX);
            market.fundInsurance(p, 200 * USDC);
        }
        _fixingBoth(p2, 3.36e18);
        _fixingBoth(p2, 3.2256e18);
        _warp(params.expiry);
        _record(params, 3.0966e18, 2);
        _record(p2, 3.0966e18, 2);
        _warp(uint256(params.expiry) + params.settlementWindow + 1);
        market.settle(params);
        market.settle(p2);
    }

    function _claim(SeriesParams memory p, address a) internal returns (uint256) {
        vm.prank(a);
        return market.claim(p);
    }

    /// C32 (no finding): the twins resolved in opposite orders, with fee collection before the close-outs in one and
    /// between the claims in the other, and the leftover insurance withdrawn at different points: bob and carol are
    /// paid the same in both, and the deficit is recorded exactly (insurance, then the haircut).
    function test_C32_resolutionClaimFeeAndInsuranceOrderNeverChangesAPayout() public {
        SeriesParams memory p2 = _deficitTwins();
        bytes32 id2 = keccak256(abi.encode(p2));
        market.collectFees(params, address(this));
        market.closeOut(params, alice);
        market.closeOut(params, bob);
        market.closeOut(params, carol);
        market.withdrawInsurance(params, market.seriesState(id).insurance, address(this));
        uint256 bob1 = _claim(params, bob);
        uint256 carol1 = _claim(params, carol);

        market.closeOut(p2, carol);
        market.closeOut(p2, bob);
        market.closeOut(p2, alice);
        uint256 carol2 = _claim(p2, carol);
        market.collectFees(p2, address(this));
        uint256 bob2 = _claim(p2, bob);
        market.withdrawInsurance(p2, market.seriesState(id2).insurance, address(this));

        assertEq(bob1, bob2, "C32: bob's payout is independent of the order");
        assertEq(carol1, carol2, "C32: carol's payout is independent of the order");
        IFuturesMarket.SeriesState memory s = market.seriesState(id);
        assertEq(s.totalDeficit, s.settlementDeficit, "the deficit at the final price");
        assertTrue(s.totalDeficit > 200 * USDC, "beyond the insurance");
        assertEq(s.insuranceUsed, 200 * USDC, "insurance first");
        assertEq(s.insuranceUsed + s.socialisedLoss + s.unbackedLoss, s.totalDeficit, "C16: every unit recorded");
        assertEq(market.seriesState(id2).socialisedLoss, s.socialisedLoss, "the same haircut");
    }

    /// C32 (no finding): a window round counts once by its timestamp, whoever records it, with whatever subset (the
    /// mock returns the median it is given) or methodology version: a second record of the same second reverts.
    function test_C32_aRoundCountsOnceWhateverTheSubsetOrVersion() public {
        _fund(alice, 20_000 * USDC);
        _fund(bob, 20_000 * USDC);
        _tradeIn(params, alice, bob, true, 10, INDEX);
        _warp(params.expiry);
        _record(params, 3.5e18, 2);
        vm.expectRevert(abi.encodeWithSelector(IFuturesMarket.FixingAlreadyRecorded.selector, id, uint64(clock)));
        _record(params, 3.6e18, 1);
        vm.expectRevert(abi.encodeWithSelector(IFuturesMarket.FixingAlreadyRecorded.selector, id, uint64(clock)));
        _record(params, 3.6e18, 2);
        assertEq(market.seriesState(id).fixingCount, 1, "one round");
    }

    /// C13 / (e) (no finding): fills, margin, insurance and withdrawals with extreme sizes, prices and amounts end
    /// in a typed revert or succeed, never in a panic.
    function testFuzz_C13_extremeInputsNeverPanic(uint64 size, uint128 price, uint256 amount, uint256 mark) public {
        _fund(alice, 50_000 * USDC);
        _fund(bob, 50_000 * USDC);
        _tradeIn(params, alice, bob, true, 10, INDEX);
        uint128 onTick = uint128(bound(price, 0, type(uint128).max / 2) / params.tickSize * params.tickSize);
        try this.tradeExternal(bob, alice, true, size, price) {} catch (bytes memory err) {
            _notPanic(err, "fill at any price");
        }
        try this.tradeExternal(bob, alice, true, size, onTick) {} catch (bytes memory err) {
            _notPanic(err, "fill on tick");
        }
        vm.prank(alice);
        try market.addMargin(params, amount) {} catch (bytes memory err) {
            _notPanic(err, "addMargin");
        }
        vm.prank(bob);
        try market.fundInsurance(params, amount) {} catch (bytes memory err) {
            _notPanic(err, "fundInsurance");
        }
        vm.prank(bob);
        try market.withdraw(amount, bob) {} catch (bytes memory err) {
            _notPanic(err, "withdraw");
        }
        try market.accountHealth(params, alice, mark) {} catch (bytes memory err) {
            _notPanic(err, "accountHealth");
        }
    }

    /// C24 / I12 (no finding): after an unbacked loss settles the series early, the owner's fee collection and an
    /// insurance top-up in between, every account resolves, claims and withdraws its whole free balance; what stays
    /// in the market is the series' rounding residue and nothing of another series or free balance.
    function test_C24_I12_everyoneExitsAfterAnUnbackedLossSettlement() public {
        (SeriesParams memory p2,) = _twin();
        _fund(alice, 20_000 * USDC);
        _fund(bob, 20_000 * USDC);
        _fund(carol, 20_000 * USDC);
        _fund(liquidator, 20_000 * USDC);
        _tradeIn(params, bob, alice, false, 6, INDEX);
        _tradeIn(params, carol, alice, false, 4, INDEX);
        _tradeIn(p2, carol, bob, true, 4, INDEX);
        _fixing(params, 3.36e18);
        _fixing(params, 3.2256e18);
        _fixing(params, 3.0966e18);
        vm.prank(liquidator);
        assertEq(market.liquidate(params, alice, 10), 0, "beyond the (empty) insurance: settles at the mark");
        assertEq(market.seriesState(id).finalPrice, 3.0966e18, "settled at the mark");
        market.collectFees(params, address(this));
        _fund(address(this), 100 * USDC);
        market.fundInsurance(params, 100 * USDC);
        market.closeOut(params, carol);
        market.closeOut(params, alice);
        market.closeOut(params, bob);
        _claim(params, bob);
        _claim(params, carol);
        market.withdrawInsurance(params, market.seriesState(id).insurance, address(this));
        address[4] memory everyone = [alice, bob, carol, liquidator];
        for (uint256 i; i < 4; ++i) {
            uint256 free = market.freeBalance(everyone[i]);
            vm.prank(everyone[i]);
            market.withdraw(free, everyone[i]);
        }
        uint256 own = market.freeBalance(address(this));
        market.withdraw(own, address(this));
        IFuturesMarket.SeriesState memory b = market.seriesState(keccak256(abi.encode(p2)));
        assertEq(
            token.balanceOf(address(market)),
            uint256(market.seriesState(id).collateral) + b.collateral,
            "I12: only series collateral stays (A's residue, B's open margins)"
        );
        assertLe(market.seriesState(id).collateral, 10, "A keeps only rounding residue");
    }
}
