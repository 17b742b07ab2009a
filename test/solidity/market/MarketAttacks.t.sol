// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IFuturesMarket, SeriesParams, Order, Signature} from "../../../contracts/futures/IFuturesMarket.sol";
import {IIndexOracle} from "../../../contracts/oracle/IIndexOracle.sol";
import {MarketScenario} from "./utils/MarketScenario.sol";

/// @notice The adversarial reviews of issue 12 (the settlement after the solvency work, then the limit settlement):
/// each attack found, as a test that failed on the reviewed code and passes with the fix its comment names (the scene:
/// MarketScenario).
contract MarketAttacksTest is MarketScenario {
    address internal sponsor = address(0x5905);

    function _fundTraders() internal {
        _fund(alice, 20_000 * USDC);
        _fund(bob, 20_000 * USDC);
        _fund(carol, 20_000 * USDC);
        _fund(liquidator, 100_000 * USDC);
    }

    function _trade(address maker, address taker, bool makerBuys, uint64 size, uint256 price) internal {
        _tradeIn(params, maker, taker, makerBuys, size, price);
    }

    /// @dev A new fixing one second later, and updateMark.
    function _fix(uint256 value) internal {
        _warp(clock + 1);
        oracle.set(INDEX_ID, value, uint64(clock));
        market.updateMark(params);
    }

    function _mark() internal view returns (uint256 mark) {
        (mark,) = market.currentMark(params);
    }

    function _equity(address a) internal view returns (int256 equity, uint256 maintenance) {
        (equity,, maintenance) = market.accountHealth(params, a, _mark());
    }

    function _fees() internal view returns (uint256) {
        return market.seriesState(id).fees;
    }

    /// @dev Fixings walking the index to `target` in steps within the price limit (3.5 % of the mark), the mark
    /// following each (nobody liquidates on the way).
    function _walk(uint256 target) internal {
        for (uint256 k; k < 40 && _mark() != target; ++k) {
            uint256 m = _mark();
            uint256 step = m * 350 / 10_000;
            _fix(target < m ? (m - target > step ? m - step : target) : (target - m > step ? m + step : target));
        }
    }

    /// @dev Settles the series (unless it settled early) on the oracle's fallback price and closes out `accounts`.
    function _settleAndCloseOut(address[3] memory accounts) internal {
        if (market.seriesState(id).settledAt == 0) {
            _warp(uint256(params.expiry) + params.settlementGrace + 1);
            oracle.set(INDEX_ID, _mark(), uint64(clock));
            market.settle(params);
        }
        for (uint256 i; i < 3; ++i) if (market.position(id, accounts[i]).size != 0) market.closeOut(params, accounts[i]);
        assertEq(market.seriesState(id).openPositions, 0, "every account resolved");
    }

    function _claim(address a) internal returns (uint256 paid) {
        if (market.owedOf(id, a) == 0) return 0;
        vm.prank(a);
        paid = market.claim(params);
    }

    /// @dev A series with an unbacked loss from trading: alice (long 10) is far beyond bankruptcy after a 43 % fall
    /// in steps within the limit that nobody liquidated on the way; bob and carol (short 5 each) hold unbacked gains.
    /// The liquidation attempt takes nothing over and settles the series at the mark; alice is resolved there.
    function _unbackedSeries() internal {
        _fundTraders();
        _trade(alice, bob, true, 5, INDEX);
        _trade(alice, carol, true, 5, INDEX);
        _walk(INDEX * 57 / 100);
        uint256 mark = _mark();
        vm.expectEmit(true, false, false, true, address(market));
        emit IFuturesMarket.SeriesSettled(id, mark, mark, 0, IFuturesMarket.SettlementKind.UnbackedLoss);
        vm.prank(liquidator);
        assertEq(market.liquidate(params, alice, 10), 0, "nothing taken over");
        IFuturesMarket.SeriesState memory s = market.seriesState(id);
        assertEq(s.finalPrice, mark, "C32: the unbacked loss settles the series at the mark");
        assertTrue(s.settledAt != 0 && s.closed, "settled");
        market.closeOut(params, alice);
        assertTrue(market.seriesState(id).settlementDeficit > 0, "alice's loss beyond her margin is recorded");
    }

    /// C31/C32 (known issue 14 of the review): after an unbacked loss nobody trades, adds or removes margin or is
    /// paid a gain before the claims share what the series holds: every entry point that moves money against the
    /// series' margins reverts with AlreadySettled, so a fresh trader cannot fund the first winner's exit.
    function test_C32_unbackedLossSettlesTheSeriesSoNoLaterMarginPaysAWinner() public {
        _unbackedSeries();
        _fund(address(0xF2E5), 10_000 * USDC);
        Order memory o = Order(bob, id, true, 5, uint128(_mark() / 1e15 * 1e15), params.expiry, ++nonce, 10);
        Signature memory sig = _sign(B_KEY, o);
        vm.prank(address(0xF2E5));
        vm.expectRevert(abi.encodeWithSelector(IFuturesMarket.AlreadySettled.selector, id));
        market.fillSignedOrder(params, o, sig, 5);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IFuturesMarket.AlreadySettled.selector, id));
        market.removeMargin(params, 1);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IFuturesMarket.AlreadySettled.selector, id));
        market.addMargin(params, 1);
        vm.prank(liquidator);
        vm.expectRevert(abi.encodeWithSelector(IFuturesMarket.AlreadySettled.selector, id));
        market.liquidate(params, bob, 1);
        vm.expectRevert(abi.encodeWithSelector(IFuturesMarket.AlreadySettled.selector, id));
        market.updateMark(params);
    }

    /// C32/C31 (finding 1): an unbacked loss recorded during trading (liquidation beyond pool and insurance) was not
    /// part of the settlement haircut: payableTotal counted it as payable, so the first claimers were paid in full
    /// and the last claim reverted with SeriesCollateralShort forever (its money locked, payouts decided by call
    /// order). Now the claims share what the series holds pro rata: every claim succeeds, equal positions get equal
    /// payouts, and the series never pays more than it holds.
    function test_C32_unbackedTradingLossIsSharedByClaimsNotByCallOrder() public {
        _unbackedSeries();
        _settleAndCloseOut([bob, carol, liquidator]);
        IFuturesMarket.SeriesState memory s = market.seriesState(id);
        assertTrue(s.payableTotal + _fees() <= s.collateral, "C31: claims fit in what the series holds");
        assertTrue(s.payableTotal < s.owedTotal && s.unbackedLoss + s.socialisedLoss > 0, "the loss is borne by the claims");
        vm.prank(bob);
        uint256 paidBob = market.claim(params);
        vm.prank(carol);
        uint256 paidCarol = market.claim(params);
        assertTrue(paidBob > 0, "claims pay");
        // Equal positions, equal payouts (up to the one-unit rounding of the two trades' fees).
        assertTrue(paidCarol + 1 >= paidBob && paidBob + 1 >= paidCarol, "C32: payout independent of call order");
        assertTrue(market.seriesState(id).collateral >= market.seriesState(id).insurance, "insurance still held");
    }

    /// C30 (finding 2, and the review's held-mark PoCs): the bundled history's largest one-fixing move (-18 %, the
    /// March 2025 repricing) beyond the 4 % price limit used to hold the mark back while the index was public: the
    /// self-trader's long defaulted on the way down while its short collected (+2,775 USDC per 35k notional, paid by
    /// insurance or by whoever liquidated at the held mark). Now that fixing settles the series at the limit price:
    /// before anyone calls updateMark, trades, margin removal and liquidations revert with LimitMove; updateMark
    /// settles at 3.36; both accounts are solvent there, the insurance is untouched and the actor nets minus its fees.
    function test_C30_gapBeyondTheLimitSettlesAtTheLimitPriceAndTheSelfTraderNeverGains() public {
        _fund(alice, 20_000 * USDC);
        _fund(bob, 20_000 * USDC);
        _fund(carol, 5_000 * USDC);
        _fund(liquidator, 100_000 * USDC);
        vm.prank(carol);
        market.fundInsurance(params, 5_000 * USDC);
        uint256 paidIn = market.freeBalance(alice) + market.freeBalance(bob);
        _trade(alice, bob, true, 10, INDEX); // the actor: alice long 10, bob short 10, at initial margin
        _warp(clock + 1);
        oracle.set(INDEX_ID, INDEX * 82 / 100, uint64(clock));
        uint256 limitPrice = INDEX - INDEX * params.priceLimitBps / 10_000;
        (uint256 shown,) = market.currentMark(params);
        assertEq(shown, limitPrice, "currentMark shows the limit price the series settles at");
        bytes memory limitMove = abi.encodeWithSelector(IFuturesMarket.LimitMove.selector, id, INDEX, INDEX * 82 / 100);
        Order memory o = Order(alice, id, true, 1, uint128(limitPrice / 1e15 * 1e15), params.expiry, ++nonce, 10);
        Signature memory sig = _sign(A_KEY, o);
        vm.prank(bob);
        vm.expectRevert(limitMove);
        market.fillSignedOrder(params, o, sig, 1);
        vm.prank(bob);
        vm.expectRevert(limitMove);
        market.removeMargin(params, 1);
        vm.prank(liquidator);
        vm.expectRevert(limitMove);
        market.liquidate(params, alice, 10);

        vm.expectEmit(true, false, false, true, address(market));
        emit IFuturesMarket.SeriesSettled(id, limitPrice, INDEX * 82 / 100, 0, IFuturesMarket.SettlementKind.LimitMove);
        assertEq(market.updateMark(params), limitPrice, "updateMark settles at the limit price");
        (int256 ea,,) = market.accountHealth(params, alice, limitPrice);
        assertTrue(ea >= 0, "C30: the long is solvent at the limit price");
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IFuturesMarket.AlreadySettled.selector, id));
        market.fillSignedOrder(params, o, sig, 1);

        _settleAndCloseOut([alice, bob, bob]);
        IFuturesMarket.SeriesState memory s = market.seriesState(id);
        assertEq(s.totalDeficit, 0, "C30: no deficit");
        assertEq(s.insurance, 5_000 * USDC, "C30: insurance whole");
        vm.prank(alice);
        market.claim(params);
        vm.prank(bob);
        market.claim(params);
        uint256 out = market.freeBalance(alice) + market.freeBalance(bob);
        assertEq(out + s.fees, paidIn, "C30: the actor gets back what it paid in minus its fees, nothing more");
    }

    /// C30, the last mark -> final price step: a window average 18 % below the last mark settles at the last mark
    /// minus one limit, so an account at maintenance there is solvent and the self-trader's short collects no gap.
    function test_C30_finalPriceClampedToOneLimitOfTheLastMark() public {
        _fund(alice, 20_000 * USDC);
        _fund(bob, 20_000 * USDC);
        uint256 paidIn = market.freeBalance(alice) + market.freeBalance(bob);
        _trade(alice, bob, true, 10, INDEX);
        _warp(params.expiry);
        oracle.set(INDEX_ID, INDEX * 82 / 100, uint64(clock));
        assertEq(market.updateMark(params), INDEX, "a fixing stamped at expiry is the settlement's: the mark stays");
        IIndexOracle.Observation[] memory obs = new IIndexOracle.Observation[](1);
        obs[0] = IIndexOracle.Observation(INDEX * 82 / 100, bytes32(0), bytes32(0), bytes32(0));
        market.recordSettlementFixing(params, params.expiry, 2, new address[](0), obs); // the window's one round: -18 %
        _warp(uint256(params.expiry) + params.settlementWindow + 1);
        vm.expectEmit(true, false, false, true, address(market));
        emit IFuturesMarket.SeriesSettled(
            id, INDEX - INDEX * params.priceLimitBps / 10_000, INDEX * 82 / 100, 1, IFuturesMarket.SettlementKind.Window
        );
        market.settle(params);
        _settleAndCloseOut([alice, bob, bob]);
        IFuturesMarket.SeriesState memory s = market.seriesState(id);
        assertEq(s.finalPrice, INDEX - INDEX * params.priceLimitBps / 10_000, "F clamped to the last mark - 4 %");
        assertEq(s.totalDeficit + s.settlementDeficit, 0, "C30: no deficit at the final price");
        vm.prank(alice);
        market.claim(params);
        vm.prank(bob);
        market.claim(params);
        assertEq(market.freeBalance(alice) + market.freeBalance(bob) + s.fees, paidIn, "C30: the actor never gains");
    }

    /// C14/C16, finding 1 (high): the reward of a partial liquidation is bounded by the closed part's margin, not by
    /// the account's equity. An account whose equity is below the penalty (2 % of notional; a limit step from
    /// maintenance leaves 1 %) is fully liquidated in one call with reward = its equity and no deficit; liquidated
    /// one contract at a time (maxSize = 1, a liquidator's choice) each chunk pays the full 2 % penalty out of the
    /// margin that backs the rest, and the last chunks are bankrupt: the excess is a deficit the insurance pays.
    /// Numbers: alice long 10 at 3.5 with 3,500 USDC (10 %); fixings 3.4, 3.334 (alice 5.52 %, healthy), 3.20064
    /// (one limit step: alice equity 506.4 USDC = 1.58 %, maintenance 1,600.3). Ten one-contract liquidations pay
    /// 64.01 USDC each while margin lasts and record a deficit of 69.72 USDC taken from the insurance; with bob
    /// (alice's counterparty) and the liquidator one actor, the actor nets +45.2 USDC after its 24.5 USDC of fees
    /// (out + fees = paid in + 69.72), at the insurance's expense. At 1 % equity (maintenance then one full limit
    /// step) the excess is 1 % of the notional. Any liquidator can do this to any honest account below 2 %.
    /// Fix: bound the reward by the closed part's share of the account's equity (max(0, equity) x size / |position|),
    /// or liquidate all when the equity is below the penalty on the whole position.
    function test_C14_chunkedLiquidationNeverPaysPenaltiesBeyondEquity() public {
        _fund(alice, 20_000 * USDC);
        _fund(bob, 20_000 * USDC);
        _fund(liquidator, 100_000 * USDC);
        _fund(sponsor, 5_000 * USDC);
        vm.prank(sponsor);
        market.fundInsurance(params, 5_000 * USDC);
        uint256 paidIn = market.freeBalance(alice) + market.freeBalance(bob) + market.freeBalance(liquidator);
        _trade(alice, bob, true, 10, INDEX);
        _fix(3.4e18);
        _fix(3.334e18);
        (int256 e, uint256 mm) = _equity(alice);
        assertTrue(e >= int256(mm), "alice meets maintenance at 3.334");
        _fix(3.20064e18); // one 4 % step
        (e, mm) = _equity(alice);
        assertTrue(e > 0 && e < int256(mm), "alice below maintenance, equity positive (1.58 %)");
        vm.startPrank(liquidator);
        for (uint256 k; k < 10 && market.position(id, alice).size != 0; ++k) market.liquidate(params, alice, 1);
        vm.stopPrank();
        IFuturesMarket.SeriesState memory s = market.seriesState(id);
        uint256 fees = s.fees;
        assertEq(s.totalDeficit, 0, "C16: a liquidation at positive equity leaves no deficit");
        assertEq(s.insurance, 5_000 * USDC, "C14: the insurance pays no liquidation reward");
        _settleAndCloseOut([alice, bob, liquidator]);
        _claim(alice);
        _claim(bob);
        _claim(liquidator);
        uint256 out = market.freeBalance(alice) + market.freeBalance(bob) + market.freeBalance(liquidator);
        assertLe(out + fees, paidIn, "C14: alice + bob + liquidator never gain");
    }

    /// C32/C31, finding 2 (medium): the liquidation that records an unbacked loss first hands the position to the
    /// liquidator, who tops up fresh margin (initial margin at the mark) from its free balance, and then settles the
    /// series at that mark: the claims share what the series holds pro rata, so the liquidator's fresh margin pays
    /// the bankrupt's counterparties. Numbers: alice long 10 at 3.5 (3,500 USDC), bob and carol short 5 each (1,750
    /// USDC); a -43 % walk nobody liquidates; the liquidator takes 10 long at 1.995 with ~1,995 USDC of fresh margin
    /// and claims back 942.20 USDC less than it put in (bob and carol gain it) for clearing the bad debt. So no
    /// rational liquidator clears an unbacked account, and one that does is robbed.
    /// Fixed: a bankrupt account goes whole, and when its deficit exceeds the insurance and every other margin the
    /// liquidation takes nothing over: it settles the series at the mark (liquidate returns 0) and the account is
    /// resolved by closeOut into settlementDeficit, which the claims bear.
    function test_C32_liquidatorsFreshMarginNeverPaysAnUnbackedLoss() public {
        _fundTraders();
        _trade(alice, bob, true, 5, INDEX);
        _trade(alice, carol, true, 5, INDEX);
        _walk(INDEX * 57 / 100);
        uint256 before = market.freeBalance(liquidator);
        vm.prank(liquidator);
        assertEq(market.liquidate(params, alice, 10), 0, "nothing taken over");
        assertTrue(market.seriesState(id).settledAt != 0, "unbacked loss: series settled at the mark");
        assertEq(market.position(id, liquidator).size, 0, "the liquidator holds nothing");
        _settleAndCloseOut([alice, bob, carol]);
        _claim(bob);
        _claim(carol);
        _claim(liquidator);
        assertLe(before, market.freeBalance(liquidator), "C32: clearing bad debt costs the liquidator nothing");
    }

    /// C32, finding 3 (medium): the final price is the window average clamped to the series' mark at the moment
    /// `settle` runs, and the mark still moved after expiry and after the window (updateMark, liquidations took any
    /// newer fixing within the limit). So whoever calls first after the window decides the final price: two
    /// identical series (alice long 10 / bob short 10 at 3.5), the same recorded round (3.0, -14 %), a post-window
    /// fixing of 3.4: settling at once gives 3.5 - 4 % = 3.36; calling updateMark first gives 3.4 - 4 % = 3.264,
    /// 96 USDC per contract (960 USDC on 10 contracts) moved from the long to the short by call order.
    /// Fixed: fixings stamped at or after expiry never become the mark, so the clamp is anchored on the last mark
    /// before expiry and the final price depends only on the recorded rounds.
    function test_C32_finalPriceIndependentOfUpdateMarkBeforeSettle() public {
        SeriesParams memory p2 = params;
        p2.settlementGrace = params.settlementGrace + 1; // a twin series: same prices, same window
        bytes32 id2 = market.listSeries(p2);
        _fund(alice, 40_000 * USDC);
        _fund(bob, 40_000 * USDC);
        _trade(alice, bob, true, 10, INDEX);
        _tradeIn(p2, alice, bob, true, 10, INDEX);
        _warp(params.expiry);
        IIndexOracle.Observation[] memory obs = new IIndexOracle.Observation[](1);
        obs[0] = IIndexOracle.Observation(3e18, bytes32(0), bytes32(0), bytes32(0));
        market.recordSettlementFixing(params, params.expiry, 2, new address[](0), obs);
        market.recordSettlementFixing(p2, params.expiry, 2, new address[](0), obs);
        _warp(uint256(params.expiry) + params.settlementWindow + 1);
        oracle.set(INDEX_ID, 3.4e18, uint64(clock)); // a regular fixing within the limit of the mark
        market.settle(params); // a long settles at once
        market.updateMark(p2); // a short moves the mark first
        market.settle(p2);
        assertEq(
            market.seriesState(id2).finalPrice, market.seriesState(id).finalPrice, "C32: no last look on the final price"
        );
    }

    /// C32, finding 3 continued: after the window the final price is fixed by the recorded rounds, yet a regular
    /// fixing posted after the window still moves the mark and opens liquidations at it. Numbers: alice long 10 at
    /// 3.5 (3,500 USDC), bob short 10; mark 3.36 before expiry (alice 6.25 %, healthy); the window's round is 3.36;
    /// a fixing of 3.2256 after the window (-4 %) puts alice at 2.34 %: the liquidator takes 9 contracts at 3.2256
    /// with the penalty, and settle then clamps 3.36 to 3.2256 + 4 % = 3.3546. Alice, solvent and above
    /// maintenance at the window price, ends with 16,797.42 USDC instead of 18,593 (-1,795.58) for a price the
    /// settlement does not use.
    /// Fixed (findings 3): fixings stamped at or after expiry never become the mark; the last mark before expiry
    /// anchors the final price; liquidations stop at expiry (test_C32_noLiquidationFromExpirySoNoCallerPicksTheFinalPrice).
    function test_C32_postWindowFixingNeitherMarksNorLiquidates() public {
        _fund(alice, 20_000 * USDC);
        _fund(bob, 20_000 * USDC);
        _fund(liquidator, 100_000 * USDC);
        _trade(alice, bob, true, 10, INDEX);
        _fix(3.36e18);
        _warp(params.expiry);
        IIndexOracle.Observation[] memory obs = new IIndexOracle.Observation[](1);
        obs[0] = IIndexOracle.Observation(3.36e18, bytes32(0), bytes32(0), bytes32(0));
        market.recordSettlementFixing(params, params.expiry, 2, new address[](0), obs);
        (int256 e, uint256 mm) = _equity(alice);
        assertTrue(e >= int256(mm), "alice healthy at the window price");
        _warp(uint256(params.expiry) + params.settlementWindow + 1);
        oracle.set(INDEX_ID, 3.2256e18, uint64(clock)); // after the window: irrelevant to the final price
        vm.prank(liquidator);
        try market.liquidate(params, alice, 10) {} catch {}
        market.settle(params);
        assertEq(market.seriesState(id).finalPrice, 3.36e18, "C32: the final price is the window's");
        assertEq(market.position(id, alice).size, 10, "C32: no liquidation on a post-window fixing");
    }

    /// C32/C31, finding 4 (medium): the series settles on an unbacked loss only when one liquidation's deficit is
    /// unbacked, and a partial liquidation of a bankrupt account records only the closed part's deficit. So a winner
    /// liquidates the bankrupt account by exactly its own size: the deficit recorded is covered by the haircut, the
    /// series does not settle, and the winner's leg closes its position and releases margin plus its full gain to
    /// its free balance; the rest of the bankruptcy is recorded later and borne by the other winners. Numbers: alice
    /// long 10 at 3.5 (3,500 USDC), bob and carol short 5 each (1,750); a walk to 2.6 (-25.7 %) nobody liquidates;
    /// bob liquidates 5 of alice: deficit 1,000 socialised, bob's short closes and he walks away with 5,750 USDC
    /// (net +3,991.25); the liquidator then liquidates the other 5 (deficit 4,500, 3,250 unbacked: settled);
    /// carol, with the same position, nets +219.70. A full liquidation first would have paid bob and carol alike.
    /// Fixed: a bankrupt account is liquidated whole whatever maxSize, and its whole deficit is tested against the
    /// insurance and the other margins first: here it exceeds them, so bob's call settles the series at the mark and
    /// bob and carol are resolved alike.
    function test_C32_bankruptDeficitBeyondTheInsuranceSettlesSoNoWinnerExitsFirst() public {
        _fundTraders();
        _trade(alice, bob, true, 5, INDEX);
        _trade(alice, carol, true, 5, INDEX);
        _walk(2.6e18);
        (int256 e,) = _equity(alice);
        assertTrue(e < 0, "alice bankrupt, not liquidated on the way");
        vm.prank(bob);
        assertEq(market.liquidate(params, alice, 5), 0, "bob's short 5 does not close against alice's long");
        assertTrue(market.seriesState(id).settledAt != 0, "the whole deficit is unbacked: settled at the mark");
        _settleAndCloseOut([alice, bob, carol]);
        _claim(bob);
        _claim(carol);
        _claim(liquidator);
        // Same deposits, same trades (both took alice's orders): equal positions end with equal balances.
        assertLe(market.freeBalance(bob), market.freeBalance(carol) + 1, "C32: equal positions paid alike");
    }

    /// C32, review 5 (informational): after expiry, while the last mark before it was still fresh, `liquidate` on an
    /// account whose deficit exceeds the insurance settled the series at that mark (UnbackedLoss) instead of the window
    /// average: the first caller after expiry, with the window's rounds in sight, could pick the final price (they
    /// differ by up to one price limit). Numbers: alice long 10 at 3.5 walked to 57 % nobody liquidated (bankrupt, no
    /// insurance), a fixing at the mark 10 s before expiry, a window round 3 % below it.
    /// Fixed: liquidations stop at expiry with trading (`SeriesExpired`); the series settles on its window and alice
    /// is resolved there like everyone else.
    function test_C32_noLiquidationFromExpirySoNoCallerPicksTheFinalPrice() public {
        _fundTraders();
        _trade(alice, bob, true, 5, INDEX);
        _trade(alice, carol, true, 5, INDEX);
        _walk(INDEX * 57 / 100);
        _warp(uint256(params.expiry) - 10);
        oracle.set(INDEX_ID, _mark(), uint64(clock));
        market.updateMark(params); // the last mark before expiry, fresh at expiry
        uint256 lastMark = _mark();
        (int256 e,) = _equity(alice);
        assertTrue(e < 0, "alice bankrupt beyond the (empty) insurance");
        _warp(params.expiry);
        vm.prank(liquidator);
        vm.expectRevert(
            abi.encodeWithSelector(IFuturesMarket.SeriesExpired.selector, id, params.expiry, uint256(params.expiry))
        );
        market.liquidate(params, alice, 10);
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(IFuturesMarket.SeriesExpired.selector, id, params.expiry, uint256(params.expiry))
        );
        market.liquidate(params, alice, 10);
        assertEq(market.seriesState(id).settledAt, 0, "C32: no caller settles the series at the last mark");
        uint256 window = lastMark * 97 / 100;
        IIndexOracle.Observation[] memory obs = new IIndexOracle.Observation[](1);
        obs[0] = IIndexOracle.Observation(window, bytes32(0), bytes32(0), bytes32(0));
        market.recordSettlementFixing(params, params.expiry, 2, new address[](0), obs);
        _warp(uint256(params.expiry) + params.settlementWindow + 1);
        market.settle(params);
        assertEq(
            market.seriesState(id).finalPrice, window - window % params.tickSize, "C32: the window decides the final price"
        );
        _settleAndCloseOut([alice, bob, carol]);
        assertEq(market.owedOf(id, alice), 0, "the bankrupt long is owed nothing");
        assertTrue(_claim(bob) > 0 && _claim(carol) > 0, "the shorts claim their gains");
        assertLe(market.freeBalance(bob), market.freeBalance(carol) + 1, "C32: equal positions paid alike");
        assertLe(market.freeBalance(carol), market.freeBalance(bob) + 1, "C32: equal positions paid alike");
    }

    /// C30, finding 5 (low, liveness), kept by design: the limit is measured against the last mark the market saw,
    /// not the previous fixing. Two ordinary fixings, -2.5 % each (3.5 -> 3.4125 -> 3.3272), with no updateMark in
    /// between (keeper late, two posts in one block) are one move of 4.94 % from the stored mark: the series
    /// settles at the limit price 3.36. Nobody liquidated at the fixing in between, so accounts are as healthy as at
    /// the stored mark, and only one limit from it is covered by the gap rule (maintenance > limit); stepping further
    /// would trade solvency for liveness. Keepers call updateMark after every fixing (docs/contracts.md, known issue 12).
    function test_C30_twoFixingsUnseenBetweenCountAsOneMoveFromTheLastMark() public {
        _fund(alice, 20_000 * USDC);
        _fund(bob, 20_000 * USDC);
        _trade(alice, bob, true, 10, INDEX);
        _warp(clock + 1);
        oracle.set(INDEX_ID, 3.4125e18, uint64(clock)); // -2.5 %
        _warp(clock + 1);
        oracle.set(INDEX_ID, 3.3272e18, uint64(clock)); // -2.5 % again, nobody called updateMark
        assertEq(market.updateMark(params), INDEX - INDEX * params.priceLimitBps / 10_000, "settled at the limit price");
        assertTrue(market.seriesState(id).settledAt != 0, "C30: one move of 4.94 % from the last mark seen");
        (int256 e,) = _equity(alice);
        assertTrue(e >= 0, "the long is solvent at the limit price");
    }

    /// C23, finding 6 (informational): listing accepts any expiry after now, and recordSettlementFixing adds
    /// `expiry + settlementWindow` in uint64, so on a series listed with expiry 2^64 - 10 every call panics (0x11)
    /// instead of reverting with a typed error (before expiry it should be FixingOutsideWindow). Such a series can
    /// also never settle (block time never passes its window). Fix: a listing rule expiry + settlementGrace < 2^40
    /// (the index timestamp domain), or compute the window end in uint256 as `settle` does. Fixed: uint256.
    function test_C23_recordSettlementFixingRevertsTypedOnAFarExpiry() public {
        SeriesParams memory far = params;
        far.expiry = type(uint64).max - 10;
        market.listSeries(far);
        IIndexOracle.Observation[] memory obs = new IIndexOracle.Observation[](1);
        obs[0] = IIndexOracle.Observation(INDEX, bytes32(0), bytes32(0), bytes32(0));
        vm.expectRevert(
            abi.encodeWithSelector(
                IFuturesMarket.FixingOutsideWindow.selector, uint64(clock), far.expiry, uint256(far.expiry) + far.settlementWindow
            )
        );
        market.recordSettlementFixing(far, uint64(clock), 2, new address[](0), obs);
    }

    /// @dev Alice long 10 at 3.5 from bob, a walk to 3.1 nobody liquidates (alice bankrupt by ~500 USDC), 1,000 USDC
    /// of insurance, the liquidator funded with `liquidatorFunds`.
    function _bankruptWithinTheInsurance(uint256 liquidatorFunds) internal {
        _fund(alice, 20_000 * USDC);
        _fund(bob, 20_000 * USDC);
        _fund(liquidator, liquidatorFunds);
        _fund(sponsor, 1_000 * USDC);
        vm.prank(sponsor);
        market.fundInsurance(params, 1_000 * USDC);
        _trade(alice, bob, true, 10, INDEX);
        _walk(3.1e18);
    }

    /// R4-1 (review 4; C16 liveness): when a bankrupt account had to go whole, only a liquidator able to margin the
    /// WHOLE position could clear it (a keeper with 2,000 USDC and maxSize 5 reverted InsufficientFreeBalance on
    /// alice's 10 contracts at 3.1, deficit ~500). Now a bankrupt account whose deficit the insurance covers is
    /// liquidated in parts like any other; the insurance pays each part's shortfall, so no margin is cut and no
    /// winner gains by the order.
    function test_C16_bankruptAccountLiquidatableInPartsByACapitalLimitedKeeper() public {
        _bankruptWithinTheInsurance(2_000 * USDC);
        (int256 e,) = _equity(alice);
        assertTrue(e < 0 && e > -600 * int256(USDC), "alice bankrupt by ~500 USDC, within the insurance");
        uint256 bobMargin = market.marginOf(id, bob);
        vm.prank(liquidator);
        assertEq(market.liquidate(params, alice, 5), 5, "a capital-limited keeper takes 5 of 10");
        address second = address(0xBEEF);
        _fund(second, 2_000 * USDC);
        vm.prank(second);
        assertEq(market.liquidate(params, alice, 5), 5, "another one the other 5");
        IFuturesMarket.SeriesState memory s = market.seriesState(id);
        assertEq(s.settledAt, 0, "still trading");
        assertEq(s.socialisedLoss + s.unbackedLoss, 0, "no margin cut: the insurance paid");
        assertEq(s.insuranceUsed, s.totalDeficit, "every unit of the deficit from the insurance");
        assertEq(market.marginOf(id, bob), bobMargin, "bob's margin untouched");
    }

    /// R4-2 (review 4; C14/API): maxSize is the liquidator's exposure cap; a bankrupt account once went whole
    /// whatever maxSize (a keeper sending 1 received 10 contracts). Now a liquidation never exceeds maxSize.
    function test_C14_liquidationNeverExceedsMaxSize() public {
        _bankruptWithinTheInsurance(100_000 * USDC);
        (int256 e,) = _equity(alice);
        assertTrue(e < 0, "alice bankrupt");
        vm.prank(liquidator);
        assertEq(market.liquidate(params, alice, 1), 1, "R4-2: one contract, as asked");
        assertEq(uint256(int256(market.position(id, liquidator).size)), 1, "R4-2: the liquidator holds maxSize");
    }

    /// R4-3 (review 4; C32/C16): a margin haircut during trading pushed healthy losers into bankruptcy and their
    /// deficits were absorbed from the next margins, the liquidator's fresh one included (alice long 10 and carol
    /// long 2 at 3.5, bob short 12; at 2.7 alice -4,500; the 72.6 % cut made carol bankrupt and the next liquidation
    /// took 738 of the first liquidator's 2,700 fresh margin). Now no margin is cut during trading: a deficit beyond
    /// the insurance settles the series at the mark before anyone takes anything over, and the claims bear it.
    function test_C32_liquidatorsFreshMarginNeverPaysACascadeFromTheHaircut() public {
        _fundTraders();
        _trade(alice, bob, true, 10, INDEX);
        _trade(carol, bob, true, 2, INDEX);
        vm.prank(carol);
        market.addMargin(params, 1_300 * USDC);
        _walk(2.7e18);
        (int256 e, uint256 mm) = _equity(carol);
        assertTrue(e >= int256(mm), "carol healthy at 2.7");
        uint256 liquidatorFree = market.freeBalance(liquidator);
        uint256 carolMargin = market.marginOf(id, carol);
        vm.prank(liquidator);
        assertEq(market.liquidate(params, alice, 10), 0, "alice's deficit exceeds the insurance: nothing taken over");
        assertTrue(market.seriesState(id).settledAt != 0, "settled at the mark");
        assertEq(market.freeBalance(liquidator), liquidatorFree, "the liquidator posted nothing");
        assertEq(market.marginOf(id, carol), carolMargin, "no margin cut during trading");
        _settleAndCloseOut([alice, bob, carol]);
        assertEq(market.seriesState(id).openPositions, 0, "every account resolved at the mark");
    }

    /// Review 4, held and re-pinned for the insurance-only rule: a bankrupt account whose deficit equals the
    /// insurance is liquidated whole with nothing cut or unbacked; one unit more of deficit settles the series.
    function test_C16_deficitWithinTheInsuranceLiquidatesBeyondItSettles() public {
        _fundTraders();
        _trade(alice, bob, true, 10, INDEX);
        _walk(2.7e18);
        (int256 e,) = _equity(alice);
        uint256 deficit = uint256(-e);
        vm.prank(carol);
        market.fundInsurance(params, deficit - 1);
        vm.prank(liquidator);
        assertEq(market.liquidate(params, alice, 10), 0, "one unit beyond the insurance: settles instead");
        assertTrue(market.seriesState(id).settledAt != 0, "settled");
    }

    function test_C16_deficitEqualToTheInsuranceIsLiquidatedWithNothingCut() public {
        _fundTraders();
        _trade(alice, bob, true, 10, INDEX);
        _walk(2.7e18);
        (int256 e,) = _equity(alice);
        vm.prank(carol);
        market.fundInsurance(params, uint256(-e));
        uint256 bobMargin = market.marginOf(id, bob);
        vm.prank(liquidator);
        assertEq(market.liquidate(params, alice, 10), 10, "within the insurance: taken over whole");
        IFuturesMarket.SeriesState memory s = market.seriesState(id);
        assertEq(s.settledAt, 0, "no settlement at equality");
        assertEq(s.socialisedLoss + s.unbackedLoss, 0, "nothing cut, nothing unbacked");
        assertEq(s.insurance, 0, "the insurance paid it all");
        assertEq(market.marginOf(id, bob), bobMargin, "bob's margin untouched");
    }

    /// Held (frozen mark after expiry): a fixing stamped after expiry, even one beyond the limit, neither moves the
    /// mark nor settles the series (updateMark returns the last mark; no LimitMove; the final price, clamped to one
    /// limit of that mark, decides); liquidations and margin removals stop at expiry. Alice long 10 at 3.5, mark 3.36
    /// one second before expiry, a post-expiry fixing of 2.8 (-16.7 %).
    function test_C32_postExpiryFixingKeepsTheLastMarkAndGoesStale() public {
        _fund(alice, 20_000 * USDC);
        _fund(bob, 20_000 * USDC);
        _fund(liquidator, 100_000 * USDC);
        _trade(alice, bob, true, 10, INDEX);
        _warp(uint256(params.expiry) - 2);
        _fix(3.36e18); // stamped expiry - 1
        _warp(uint256(params.expiry) + 10);
        oracle.set(INDEX_ID, 2.8e18, uint64(clock));
        assertEq(market.updateMark(params), 3.36e18, "a post-expiry fixing is not the mark");
        (uint256 shown, uint64 t) = market.currentMark(params);
        assertTrue(shown == 3.36e18 && t == params.expiry - 1, "currentMark: the last mark, its own time");
        vm.prank(liquidator);
        vm.expectRevert(abi.encodeWithSelector(IFuturesMarket.SeriesExpired.selector, id, params.expiry, clock));
        market.liquidate(params, alice, 10);
        (int256 e,, uint256 mm) = market.accountHealth(params, alice, shown);
        assertTrue(e >= int256(mm), "alice meets maintenance at the last mark, so she is solvent at the final price");
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IFuturesMarket.SeriesExpired.selector, id, params.expiry, clock));
        market.removeMargin(params, 1); // the mark is still fresh: the expiry alone stops it
        assertEq(market.seriesState(id).settledAt, 0, "not settled by a post-expiry fixing");
    }
}
