// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IFuturesMarket, SeriesParams, Order, Signature} from "../../../contracts/futures/IFuturesMarket.sol";
import {TestBase} from "./utils/Vm.sol";
import {MarketSetup} from "./utils/MarketSetup.sol";

/// @notice Adversarial review of the settlement after the solvency work (issue 12): attacks found, as tests.
contract MarketAttacksTest is TestBase, MarketSetup {
    uint256 internal constant A_KEY = 0xA11CE;
    uint256 internal constant B_KEY = 0xB0B;
    uint256 internal constant C_KEY = 0xCA701;
    address internal alice;
    address internal bob;
    address internal carol;
    address internal liquidator = address(0x11C);
    SeriesParams internal params;
    bytes32 internal id;
    uint64 internal nonce;
    /// @dev The test's clock (block.timestamp is read once per test frame under the IR pipeline).
    uint256 internal clock;

    function setUp() public {
        clock = 1_767_225_600;
        vm.warp(clock);
        _deploy(address(this));
        params = _params(uint64(block.timestamp + 30 days));
        id = market.listSeries(params);
        _setIndex(INDEX);
        alice = vm.addr(A_KEY);
        bob = vm.addr(B_KEY);
        carol = vm.addr(C_KEY);
    }

    function _keyOf(address a) internal view returns (uint256) {
        if (a == alice) return A_KEY;
        if (a == bob) return B_KEY;
        return C_KEY;
    }

    function _trade(address maker, address taker, bool makerBuys, uint64 size, uint256 price) internal {
        Order memory o = Order(maker, id, makerBuys, size, uint128(price), params.expiry, ++nonce, 10);
        Signature memory sig = _sign(_keyOf(maker), o);
        vm.prank(taker);
        market.fillSignedOrder(params, o, sig, size);
    }

    function _warp(uint256 t) internal {
        clock = t;
        vm.warp(t);
    }

    function _mark() internal view returns (uint256 mark) {
        (mark,) = market.currentMark(params);
    }

    /// @dev Settles the series (unless it settled early) on the oracle's fallback price and closes out every account.
    function _settleAndCloseOut(address[3] memory accounts) internal {
        if (market.seriesState(id).settledAt == 0) {
            _warp(uint256(params.expiry) + params.settlementGrace + 1);
            oracle.set(INDEX_ID, _mark(), uint64(clock));
            market.settle(params);
        }
        for (uint256 i; i < 3; ++i) if (market.position(id, accounts[i]).size != 0) market.closeOut(params, accounts[i]);
        assertEq(market.seriesState(id).openPositions, 0, "every account resolved");
    }

    /// @dev Fixings walking the index to `target` in steps within the price limit (3.5 % of the mark), the mark
    /// following each (nobody liquidates on the way).
    function _walk(uint256 target) internal {
        for (uint256 k; k < 40 && _mark() != target; ++k) {
            uint256 m = _mark();
            uint256 step = m * 350 / 10_000;
            uint256 next = target < m ? (m - target > step ? m - step : target) : (target - m > step ? m + step : target);
            _warp(clock + 1);
            oracle.set(INDEX_ID, next, uint64(clock));
            market.updateMark(params);
        }
    }

    /// @dev A series with an unbacked loss from trading: alice (long 10) is far beyond bankruptcy after a 43 % fall
    /// in steps within the limit that nobody liquidated on the way; bob and carol (short 5 each) hold unbacked gains.
    /// The liquidation attempt takes nothing over and settles the series at the mark; alice is resolved there.
    function _unbackedSeries() internal {
        _fund(alice, 20_000 * USDC);
        _fund(bob, 20_000 * USDC);
        _fund(carol, 20_000 * USDC);
        _fund(liquidator, 100_000 * USDC);
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

    function _fees() internal view returns (uint256) {
        return market.seriesState(id).fees;
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
        _warp(uint256(params.expiry) + params.settlementGrace + 1);
        oracle.set(INDEX_ID, INDEX * 82 / 100, uint64(clock)); // no round recorded: the fallback reads the index
        vm.expectEmit(true, false, false, true, address(market));
        emit IFuturesMarket.SeriesSettled(
            id, INDEX - INDEX * params.priceLimitBps / 10_000, INDEX * 82 / 100, 0, IFuturesMarket.SettlementKind.Fallback
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
}
