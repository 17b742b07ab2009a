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

    /// @dev Settles the series on the oracle's fallback price and closes out every account.
    function _settleAndCloseOut(address[3] memory accounts) internal {
        _warp(uint256(params.expiry) + params.settlementGrace + 1);
        oracle.set(INDEX_ID, _mark(), uint64(clock));
        for (uint256 k; k < 40 && market.seriesState(id).settledAt == 0; ++k) {
            market.settle(params);
            _warp(clock + params.maxFixingAge);
        }
        for (uint256 i; i < 3; ++i) if (market.position(id, accounts[i]).size != 0) market.closeOut(params, accounts[i]);
        assertEq(market.seriesState(id).openPositions, 0, "every account resolved");
    }

    /// @dev A series with an unbacked loss from trading: alice (long 10) is liquidated far beyond bankruptcy after
    /// a 43 % fall nobody liquidated on the way; bob and carol (short 5 each) keep unbacked gains.
    function _unbackedSeries() internal {
        _fund(alice, 20_000 * USDC);
        _fund(bob, 20_000 * USDC);
        _fund(carol, 20_000 * USDC);
        _fund(liquidator, 100_000 * USDC);
        _trade(alice, bob, true, 5, INDEX);
        _trade(alice, carol, true, 5, INDEX);
        uint256 target = INDEX * 57 / 100;
        for (uint256 k; k < 20 && _mark() != target; ++k) {
            _warp(clock + 1);
            oracle.set(INDEX_ID, target, uint64(clock));
            market.updateMark(params);
        }
        vm.prank(liquidator);
        market.liquidate(params, alice, 10);
        assertTrue(market.seriesState(id).unbackedLoss > 0, "a loss beyond pool and insurance was recorded");
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
        assertTrue(s.payableTotal + s.insurance + _fees() <= s.collateral, "C31: claims fit in what the series holds");
        vm.prank(bob);
        uint256 paidBob = market.claim(params);
        vm.prank(liquidator);
        uint256 paidLiq = market.claim(params);
        vm.prank(carol);
        uint256 paidCarol = market.claim(params);
        assertTrue(paidBob > 0 && paidLiq > 0, "claims pay");
        // Equal positions, equal payouts (up to the one-unit rounding of the two trades' fees).
        assertTrue(paidCarol + 1 >= paidBob && paidBob + 1 >= paidCarol, "C32: payout independent of call order");
        assertTrue(market.seriesState(id).collateral >= market.seriesState(id).insurance, "insurance still held");
    }

    function _fees() internal view returns (uint256) {
        return market.seriesState(id).fees;
    }

    /// C30 (finding 2): the price limit lets the mark lag a published index. After the index fell 18 % (the bundled
    /// March 2025 repricing) the mark is 4 % down; the attacker then trades with itself at the lagging mark: its long
    /// posted initial margin at the mark (10 %) but is 14.6 % under water at the index it is heading to, so it
    /// defaults while its short collects, paid by insurance (measured: +2,775 USDC per 35k notional with nobody
    /// liquidating; a liquidator stepping in takes over the known loss instead). Now a leg that adds risk (and a
    /// margin removal) must meet initial margin at the index as well as at the mark: the long stays solvent all the
    /// way down and the insurance is untouched.
    function test_C30_selfTradeAtTheLaggingMarkAfterAGapNeverDefaults() public {
        _fund(alice, 20_000 * USDC);
        _fund(bob, 20_000 * USDC);
        _fund(carol, 5_000 * USDC);
        vm.prank(carol);
        market.fundInsurance(params, 5_000 * USDC);
        _trade(alice, bob, true, 1, INDEX); // a first trade sets the mark at the index
        uint256 target = INDEX * 82 / 100;
        _warp(clock + 1);
        oracle.set(INDEX_ID, target, uint64(clock));
        uint256 mark = market.updateMark(params);
        assertEq(mark, INDEX * 96 / 100, "the mark lags: one limit step");
        _trade(alice, bob, true, 10, mark); // alice long at the lagging mark
        for (uint256 k; k < 20 && _mark() != target; ++k) {
            _warp(clock + 1);
            oracle.set(INDEX_ID, target, uint64(clock));
            market.updateMark(params);
        }
        (int256 equity,,) = market.accountHealth(params, alice, target);
        assertTrue(equity >= 0, "C30: the long opened at the lagging mark is solvent at the index");
        _settleAndCloseOut([alice, bob, bob]);
        assertEq(market.seriesState(id).insuranceUsed, 0, "C30: insurance untouched");
        assertEq(market.seriesState(id).insurance, 5_000 * USDC, "C30: insurance whole");
    }
}
