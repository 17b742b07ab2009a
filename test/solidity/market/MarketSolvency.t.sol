// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IFuturesMarket, SeriesParams, Order, Signature} from "../../../contracts/futures/IFuturesMarket.sol";
import {TestBase} from "./utils/Vm.sol";
import {MarketSetup} from "./utils/MarketSetup.sol";

/// @notice The solvency rules of issue 12: the trade rule (C29), the price limit (C30), isolation (C31), the
/// pause no-op (C26), liquidation never panicking (C13) and publishOrder's maker check.
contract MarketSolvencyTest is TestBase, MarketSetup {
    uint256 internal constant A_KEY = 0xA11CE; // the attacker's first account (or an honest long)
    uint256 internal constant B_KEY = 0xB0B; // the attacker's second account (or an honest short)
    uint256 internal constant C_KEY = 0xCA701;
    uint256 internal constant D_KEY = 0xDA7E;
    uint256 internal constant WAD = 1e18;
    address internal alice;
    address internal bob;
    address internal carol;
    address internal dave;
    address internal liquidator = address(0x11C);
    address internal bystander = address(0xB57);
    SeriesParams internal params;
    bytes32 internal id;
    uint64 internal nonce;
    uint64 internal lastFixing;

    function setUp() public {
        vm.warp(1_767_225_600); // 2026-01-01: past the liquidation grace measured from time 0
        _deploy(address(this));
        params = _params(uint64(block.timestamp + 30 days));
        id = market.listSeries(params);
        _setIndex(INDEX);
        lastFixing = uint64(block.timestamp);
        alice = vm.addr(A_KEY);
        bob = vm.addr(B_KEY);
        carol = vm.addr(C_KEY);
        dave = vm.addr(D_KEY);
    }

    /* HELPERS */

    function _keyOf(address a) internal view returns (uint256) {
        if (a == alice) return A_KEY;
        if (a == bob) return B_KEY;
        if (a == carol) return C_KEY;
        return D_KEY;
    }

    /// @dev `taker` fills `size` of a fresh order of `maker` (buy when `makerBuys`) at `price` in series `p`.
    function _trade(SeriesParams memory p, address maker, address taker, bool makerBuys, uint64 size, uint256 price)
        internal
    {
        Order memory o = Order(maker, keccak256(abi.encode(p)), makerBuys, size, uint128(price), p.expiry, ++nonce, 10);
        Signature memory sig = _sign(_keyOf(maker), o);
        vm.prank(taker);
        market.fillSignedOrder(p, o, sig, size);
    }

    function _tryTrade(SeriesParams memory p, address maker, address taker, bool makerBuys, uint64 size, uint256 price)
        internal
        returns (bool ok)
    {
        Order memory o = Order(maker, keccak256(abi.encode(p)), makerBuys, size, uint128(price), p.expiry, ++nonce, 10);
        Signature memory sig = _sign(_keyOf(maker), o);
        vm.prank(taker);
        try market.fillSignedOrder(p, o, sig, size) {
            ok = true;
        } catch {}
    }

    /// @dev A new fixing of `value` one second later, and updateMark for `p`: the mark is the index, or, beyond the
    /// price limit, the series settles at the limit price (returned).
    function _fixing(SeriesParams memory p, uint256 value) internal returns (uint256 mark) {
        // The test's own clock: block.timestamp is read once per test frame under the IR pipeline.
        lastFixing = uint64((block.timestamp > lastFixing ? block.timestamp : lastFixing) + 1);
        vm.warp(lastFixing);
        oracle.set(INDEX_ID, value, lastFixing);
        mark = market.updateMark(p);
    }

    /// @dev Fixings walking the index of `p` to `target` in steps within the price limit (3.5 % of the mark),
    /// updateMark after each: the mark follows, nobody liquidates on the way.
    function _walk(SeriesParams memory p, uint256 target) internal {
        for (uint256 k; k < 40 && _mark(p) != target; ++k) {
            uint256 m = _mark(p);
            uint256 step = m * 350 / 10_000;
            _fixing(p, target < m ? (m - target > step ? m - step : target) : (target - m > step ? m + step : target));
        }
    }

    function _equity(bytes32 sid, SeriesParams memory p, address a, uint256 mark) internal view returns (int256 e) {
        (e,,) = market.accountHealth(p, a, mark);
    }

    function _mark(SeriesParams memory p) internal view returns (uint256 mark) {
        (mark,) = market.currentMark(p);
    }

    /// @dev Free balance plus equity at the mark: what an account is worth.
    function _value(address a, uint256 mark) internal view returns (int256) {
        return int256(market.freeBalance(a)) + _equity(id, params, a, mark);
    }

    /// @dev The trade rule for one account after a trade: initial margin at the mark, or a risk reduction that kept
    /// the margin ratio (cross-multiplied) with equity >= 0.
    function _ruleHolds(address a, int256 sizeBefore, int256 equityBefore, uint256 mark) internal view returns (bool) {
        (int256 e, uint256 im,) = market.accountHealth(params, a, mark);
        if (e >= int256(im)) return true;
        int256 sizeAfter = market.position(id, a).size;
        uint256 absB = uint256(sizeBefore >= 0 ? sizeBefore : -sizeBefore);
        uint256 absA = uint256(sizeAfter >= 0 ? sizeAfter : -sizeAfter);
        bool reduced = sizeAfter == 0 || ((sizeAfter > 0) == (sizeBefore > 0) && absA < absB);
        if (!reduced || e < 0) return false;
        if (equityBefore <= 0) return true;
        // e / absA >= equityBefore / absB, within the rounding of one unit of equity before.
        return uint256(e) * absB + absB >= uint256(equityBefore) * absA;
    }

    /* C29: the trade rule */

    /// C29 (issue 12's measurement, the default 10 % band): two accounts of one actor, the index down 4 %, the
    /// losing long sells most of its position to its own short at the lower band edge (a loss of 336 per contract
    /// against 210 of equity per contract). With no free balance to top the long up to initial margin the trade
    /// reverts (the reduce would lower its margin ratio); with free balance it pays from it. Either way the
    /// attacker ends at most at its start minus fees and the long keeps equity >= 0.
    function test_C29_bandEdgeReduceBetweenOwnAccountsNeverDrains() public {
        params.priceBandBps = 1_000;
        id = market.listSeries(params);
        // Both accounts post exactly the initial margin (the top-up); nothing else is left in their free balances.
        // 10 contracts x 3.5 x 1,000 x 10 % + fee (maker 2 bps, taker 5 bps of 35,000) + 1 unit of rounding.
        _fund(alice, 3_507 * USDC + 1);
        _fund(bob, 3_517_500_001);
        _trade(params, alice, bob, true, 10, INDEX);
        uint256 mark = _fixing(params, INDEX * 96 / 100);
        assertEq(mark, INDEX * 96 / 100, "a 4 % move is within the limit");
        int256 before = _value(alice, mark) + _value(bob, mark);
        uint256 edge = (mark * 90 / 100 + 1e15 - 1) / 1e15 * 1e15; // lowest price on tick inside the 10 % band
        // The long (maker, selling) reduces 10 -> 1 at the band edge: its ratio would fall and it cannot top up.
        assertTrue(!_tryTrade(params, alice, bob, false, 9, edge), "C29: the draining reduce reverts");
        // Funded, the same trade passes: the long tops up to initial margin from its free balance.
        _fund(alice, 5_000 * USDC);
        _fund(bob, 0 + 1);
        int256 sizeBefore = market.position(id, alice).size;
        int256 eqBefore = _equity(id, params, alice, mark);
        _trade(params, alice, bob, false, 9, edge);
        assertTrue(_ruleHolds(alice, sizeBefore, eqBefore, mark), "C29: the long meets the trade rule");
        assertTrue(_equity(id, params, alice, mark) >= 0, "C29: the long keeps equity >= 0");
        int256 afterValue = _value(alice, mark) + _value(bob, mark) - int256(5_000 * USDC + 1);
        assertLe(afterValue, before, "C29: the attacker never gains");
        assertEq(market.seriesState(id).totalDeficit, 0, "no deficit");
    }

    /// C29 fuzzed: any move within the limit, any band-allowed price, any size between the attacker's two
    /// accounts: every leg that goes through meets the trade rule, and the attacker's combined value never grows.
    function testFuzz_C29_selfTradeAtAnyBandPriceNeverGains(uint256 moveBps, bool down, uint256 priceSeed, uint64 size, bool longSells)
        public
    {
        _fund(alice, 4_000 * USDC);
        _fund(bob, 4_000 * USDC);
        _trade(params, alice, bob, true, 10, INDEX);
        uint256 move = INDEX * bound(moveBps, 0, params.priceLimitBps) / 10_000;
        uint256 mark = _fixing(params, down ? INDEX - move : INDEX + move);
        uint256 band = mark * params.priceBandBps / 10_000;
        uint256 price = bound(priceSeed, (mark - band + 1e15 - 1) / 1e15, (mark + band) / 1e15) * 1e15;
        size = uint64(bound(size, 1, 10));
        int256 before = _value(alice, mark) + _value(bob, mark);
        (int256 sa, int256 sb) = (market.position(id, alice).size, market.position(id, bob).size);
        (int256 ea, int256 eb) = (_equity(id, params, alice, mark), _equity(id, params, bob, mark));
        // alice (long) sells to bob (short) when longSells, else buys more from him.
        if (_tryTrade(params, alice, bob, !longSells, size, price)) {
            assertTrue(_ruleHolds(alice, sa, ea, mark), "C29: alice meets the trade rule");
            assertTrue(_ruleHolds(bob, sb, eb, mark), "C29: bob meets the trade rule");
            assertLe(_value(alice, mark) + _value(bob, mark), before, "C29: the attacker never gains");
        }
        assertEq(market.seriesState(id).totalDeficit, 0, "no deficit");
    }

    /* C30: the price limit */

    /// C30: listing rule 11 (0 < priceLimitBps < maintenanceMarginBps), with a typed error.
    function test_C30_listingRequiresLimitBelowMaintenance() public {
        SeriesParams memory p = _params(uint64(block.timestamp + 10 days));
        p.priceLimitBps = p.maintenanceMarginBps;
        vm.expectRevert(abi.encodeWithSelector(IFuturesMarket.InvalidSeriesParams.selector, 11));
        market.listSeries(p);
        p.priceLimitBps = 0;
        vm.expectRevert(abi.encodeWithSelector(IFuturesMarket.InvalidSeriesParams.selector, 11));
        market.listSeries(p);
        p.priceLimitBps = p.maintenanceMarginBps - 1;
        market.listSeries(p);
    }

    /// C30: within the limit the mark is the index; the bundled history's largest one-fixing move (-18 %, March
    /// 2025) is beyond it and settles the series at the limit price 3.36 (3.5 - 4 %), the first mark being the index.
    function test_C30_markIsTheIndexWithinTheLimitAndBeyondItTheSeriesSettles() public {
        _fund(alice, 10_000 * USDC);
        _fund(bob, 10_000 * USDC);
        _trade(params, alice, bob, true, 1, INDEX);
        assertEq(market.seriesState(id).mark, INDEX, "first mark = index");
        uint256 within = INDEX - INDEX * 399 / 10_000;
        assertEq(_fixing(params, within), within, "a 3.99 % move: the mark is the index");
        assertEq(market.seriesState(id).settledAt, 0, "still trading");
        uint256 limitPrice = within - within * 400 / 10_000;
        assertEq(_fixing(params, within * 82 / 100), limitPrice, "an 18 % move: settled at the limit price");
        IFuturesMarket.SeriesState memory s = market.seriesState(id);
        assertEq(s.finalPrice, limitPrice, "final price = limit price");
        assertEq(s.mark, limitPrice, "the mark is the final price");
        assertTrue(s.closed && s.settledAt == block.timestamp, "settled now");
        (uint256 shown,) = market.currentMark(params);
        assertEq(shown, limitPrice, "currentMark: the final price from now on");
    }

    /// C30 fuzzed: an account that meets maintenance at one mark has equity >= 0 at the next mark or at the price
    /// the series settles at, for any index value at the next fixing (both sides, several fixings in a row, moves
    /// from -90 % to +900 %).
    function testFuzz_C30_maintenanceAtOneFixingSolventAtTheNext(uint256[6] memory moves) public {
        _fund(alice, 1_000_000 * USDC);
        _fund(bob, 1_000_000 * USDC);
        _trade(params, alice, bob, true, 10, INDEX);
        for (uint256 k; k < moves.length && market.seriesState(id).settledAt == 0; ++k) {
            uint256 mark = _mark(params);
            (int256 ea,, uint256 ma) = market.accountHealth(params, alice, mark);
            (int256 eb,, uint256 mb) = market.accountHealth(params, bob, mark);
            uint256 next = bound(moves[k], INDEX / 10, INDEX * 10);
            uint256 nextMark = _fixing(params, next);
            if (ea >= int256(ma)) assertTrue(_equity(id, params, alice, nextMark) >= 0, "C30: the long stays solvent");
            if (eb >= int256(mb)) assertTrue(_equity(id, params, bob, nextMark) >= 0, "C30: the short stays solvent");
        }
    }

    /* C31: isolation */

    /// C31: a fall far beyond bankruptcy in series A (the index -43 % in steps within the limit, nobody liquidating
    /// until the mark got there): A's loss beyond its margin pool and insurance is recorded as unbacked and borne
    /// inside A (A settles at the mark; its claims share what A holds), while every trader of series B and every
    /// free balance withdraws in full.
    function test_C31_gapBeyondBankruptcyInOneSeriesLeavesTheOtherWhole() public {
        SeriesParams memory pB = _params(uint64(block.timestamp + 40 days));
        pB.indexId = bytes32("ATPI-B");
        bytes32 idB = market.listSeries(pB);
        oracle.set(pB.indexId, INDEX, uint64(block.timestamp));
        for (uint256 i; i < 4; ++i) _fund([alice, bob, carol, dave][i], 20_000 * USDC);
        _fund(liquidator, 100_000 * USDC);
        _fund(bystander, 7_777 * USDC);
        _trade(params, alice, bob, true, 10, INDEX); // series A: alice long, bob short
        _trade(pB, carol, dave, true, 10, INDEX); // series B: carol long, dave short
        // A's index falls 43 % in steps within the limit; nobody liquidates on the way.
        uint256 target = INDEX * 57 / 100;
        _walk(params, target);
        assertEq(_mark(params), target, "the mark reached the index");
        assertTrue(_equity(id, params, alice, target) < 0, "alice is far beyond bankruptcy");
        oracle.set(pB.indexId, INDEX, uint64(block.timestamp)); // B's index is fresh and unchanged
        vm.prank(liquidator);
        assertEq(market.liquidate(params, alice, 10), 0, "nobody takes the bankrupt position over");
        assertTrue(market.seriesState(id).settledAt != 0, "C31: A settled at the mark");
        // Bob's gain is unbacked: he is paid from what A holds, no more.
        market.closeOut(params, alice);
        market.closeOut(params, bob);
        IFuturesMarket.SeriesState memory sA = market.seriesState(id);
        assertTrue(sA.unbackedLoss + sA.socialisedLoss > 0, "C31: the loss beyond pool and insurance is borne in A");
        uint256 owed = market.owedOf(id, bob);
        vm.prank(bob);
        uint256 paid = market.claim(params);
        assertTrue(paid > 0 && paid < owed, "C31: bob bears the unbacked loss as a haircut of his claim");
        assertTrue(market.seriesState(id).collateral >= market.seriesState(id).fees, "C31: A paid out at most what it holds");
        // Series B and free balances are whole: B's traders close at the index and everyone withdraws in full.
        _trade(pB, carol, dave, false, 10, INDEX);
        for (uint256 i; i < 2; ++i) {
            address t = [carol, dave][i];
            assertEq(market.position(idB, t).size, 0, "B position closed");
            uint256 free = market.freeBalance(t);
            assertTrue(free >= 20_000 * USDC - 35 * USDC, "C31: a B trader gets its margin back (minus two fees)");
            vm.prank(t);
            market.withdraw(free, t);
            assertEq(token.balanceOf(t), free, "C31: withdrawn in full");
        }
        vm.prank(bystander);
        market.withdraw(7_777 * USDC, bystander);
        assertEq(token.balanceOf(bystander), 7_777 * USDC, "C31: a free balance withdraws in full");
        assertEq(market.seriesState(idB).totalDeficit, 0, "B recorded nothing");
        // Whatever A still owes is bounded by what A holds: the market still holds A's collateral.
        assertTrue(token.balanceOf(address(market)) >= market.seriesState(id).collateral, "A's collateral is in the market");
    }

    /// C31 (market review): a payout never takes the series' uncollected fees, and insurance leaves the fund only as
    /// a recorded use toward a deficit. After a 43 % fall nobody liquidated (the bankrupt's loss exceeds every margin:
    /// the series settles at the mark), an insurance fund paid in afterwards covers the settlement deficit at
    /// finalisation, every unit of it recorded (held + used = funded); bob's claim is bounded by A's collateral less
    /// its fees, and the owner can still collect every fee.
    function test_C31_releasesNeverTakeInsuranceOrFees() public {
        _fund(alice, 20_000 * USDC);
        _fund(bob, 20_000 * USDC);
        _fund(liquidator, 100_000 * USDC);
        _fund(dave, 50_000 * USDC);
        _trade(params, alice, bob, true, 10, INDEX);
        _walk(params, INDEX * 57 / 100);
        vm.prank(liquidator);
        market.liquidate(params, alice, 10);
        assertTrue(market.seriesState(id).settledAt != 0, "an unbacked loss: settled at the mark");
        vm.prank(dave);
        market.fundInsurance(params, 50_000 * USDC);
        IFuturesMarket.SeriesState memory before = market.seriesState(id);
        assertTrue(before.fees > 0, "fees accrued");
        market.closeOut(params, alice);
        market.closeOut(params, bob);
        vm.prank(bob);
        uint256 paid = market.claim(params);
        IFuturesMarket.SeriesState memory after_ = market.seriesState(id);
        assertEq(after_.insurance + after_.insuranceUsed, 50_000 * USDC, "C31: insurance held or recorded as used");
        assertTrue(after_.insuranceUsed <= after_.settlementDeficit, "used only toward the recorded deficit");
        assertTrue(after_.collateral >= after_.fees, "the claims left the fees");
        assertTrue(paid <= after_.owedTotal, "bob paid at most what he is owed");
        market.collectFees(params, address(this));
        assertEq(market.freeBalance(address(this)), before.fees, "the fees are still there to collect");
    }

    /* C26, C13, orders */

    /// C26: unpausing a series that was never paused reverts (PauseUnchanged) and starts no liquidation grace;
    /// pausing twice reverts too.
    function test_C26_unpauseNoOpRevertsAndStartsNoGrace() public {
        vm.expectRevert(abi.encodeWithSelector(IFuturesMarket.PauseUnchanged.selector, id, false));
        market.setPaused(params, false);
        assertEq(market.seriesState(id).unpausedAt, 0, "no grace started");
        market.setPaused(params, true);
        vm.expectRevert(abi.encodeWithSelector(IFuturesMarket.PauseUnchanged.selector, id, true));
        market.setPaused(params, true);
        // A liquidation right after listing is not blocked by a grace that a no-op would have started.
        _fund(alice, 10_000 * USDC);
        _fund(bob, 10_000 * USDC);
        _fund(liquidator, 100_000 * USDC);
        market.setPaused(params, false);
        vm.warp(block.timestamp + 1 hours);
        _trade(params, alice, bob, true, 10, INDEX);
        _walk(params, INDEX * 90 / 100);
        vm.prank(liquidator);
        market.liquidate(params, alice, 10);
    }

    /// C13: liquidate never panics, whatever maxSize, on a position below minSize (a liquidator's leftover is
    /// exempt from the dust rule) or above it; a revert is always a typed error of the interface.
    function testFuzz_C13_liquidateNeverPanics(uint64 maxSize, uint256 drop, uint64 opened) public {
        SeriesParams memory p = _params(uint64(block.timestamp + 20 days));
        p.minSize = 5;
        market.listSeries(p);
        _fund(alice, 100_000 * USDC);
        _fund(bob, 100_000 * USDC);
        _fund(carol, 100_000 * USDC);
        _fund(liquidator, 1_000_000 * USDC);
        opened = uint64(bound(opened, 5, 12));
        _trade(p, alice, bob, true, opened, INDEX);
        _walk(p, INDEX * 94 / 100);
        // carol takes 1 contract over: her position (1) is below minSize.
        vm.prank(carol);
        try market.liquidate(p, alice, 1) {} catch {}
        uint256 target = INDEX * (100 - bound(drop, 0, 40)) / 100;
        _walk(p, target);
        address[3] memory accounts = [alice, carol, bob];
        for (uint256 i; i < accounts.length; ++i) {
            vm.prank(liquidator);
            try market.liquidate(p, accounts[i], maxSize) returns (uint64 q) {
                // Within maxSize; a bankrupt account whole (0: its loss was unbacked and the series settled instead).
                bool settled = market.seriesState(keccak256(abi.encode(p))).settledAt != 0;
                assertTrue(q == 0 ? settled : q <= maxSize || market.position(keccak256(abi.encode(p)), accounts[i]).size == 0,
                    "liquidated within maxSize, or whole");
            } catch (bytes memory reason) {
                bytes4 sel = bytes4(reason);
                if (
                    sel != IFuturesMarket.AccountHealthy.selector && sel != IFuturesMarket.NothingToLiquidate.selector
                        && sel != IFuturesMarket.NoPosition.selector && sel != IFuturesMarket.AlreadySettled.selector
                ) revert AssertionFailed("C13: a typed revert, never a panic", int256(uint256(uint32(sel))), int256(i));
            }
        }
    }

    /// publishOrder: maker 0 with an all-zero signature (ecrecover returns 0) and a signature by someone else both
    /// revert with InvalidSignature: no such order ever reaches the OrderPublished log.
    function test_publishOrderRejectsMakerZeroAndForeignSignatures() public {
        Order memory o = Order(address(0), id, true, 1, uint128(INDEX), params.expiry, 1, 10);
        vm.expectRevert(abi.encodeWithSelector(IFuturesMarket.InvalidSignature.selector, market.hashOrder(o)));
        market.publishOrder(o, Signature(bytes32(0), bytes32(0)));
        o.maker = alice;
        Signature memory wrong = _sign(B_KEY, o);
        vm.expectRevert(abi.encodeWithSelector(IFuturesMarket.InvalidSignature.selector, market.hashOrder(o)));
        market.publishOrder(o, wrong);
        market.publishOrder(o, _sign(A_KEY, o));
    }
}
