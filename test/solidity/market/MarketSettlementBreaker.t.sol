// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IIndexOracle} from "../../../contracts/oracle/IIndexOracle.sol";
import {FuturesMarket} from "../../../contracts/futures/FuturesMarket.sol";
import {SeriesParams} from "../../../contracts/futures/IFuturesMarket.sol";
import {MockUSDC} from "../../../contracts/mocks/MockUSDC.sol";
import {OracleTestBase} from "../oracle/OracleTestBase.sol";

/// @notice Review 7 (C23, C32, known issue 16): which window rounds count must not depend on when they are recorded.
/// The real IndexOracle (5 operators, f = 1, quorum 3, breaker 10 %, delay 1 h) and a real market; a batch of three
/// operators (a quorum, not every operator) never bypasses the breaker. The series' last mark is 100.
contract MarketSettlementBreakerTest is OracleTestBase {
    uint256 internal constant MARK = 100e18;
    FuturesMarket internal market;
    SeriesParams internal params;

    function setUp() public {
        _deploy(5, 1);
        market = new FuturesMarket(address(this), IERC20(address(new MockUSDC())), IIndexOracle(address(oracle)));
        params = SeriesParams({
            indexId: INDEX,
            expiry: uint64(T0 + 1 days),
            contractSize: 1_000e6,
            tickSize: 1e15,
            minSize: 1,
            initialMarginBps: 1_000,
            maintenanceMarginBps: 500,
            makerFeeBps: 2,
            takerFeeBps: 5,
            priceBandBps: 500,
            priceLimitBps: 400,
            liquidationPenaltyBps: 200,
            maxFixingAge: 3_600,
            settlementWindow: 3_600,
            settlementGrace: 86_400
        });
        market.listSeries(params);
        uint64 before = params.expiry - 600;
        vm.warp(before);
        _post(MARK, before);
        market.updateMark(params);
        vm.warp(params.expiry);
    }

    function _quorum(uint256 value, uint64 timestamp) internal view returns (IIndexOracle.Observation[] memory) {
        return _allSign(oracle, 3, value, timestamp);
    }

    function _post(uint256 value, uint64 timestamp) internal {
        oracle.postFixing(INDEX, timestamp, VERSION, ops, _quorum(value, timestamp));
    }

    function _record(IIndexOracle.Observation[] memory round, uint64 timestamp) internal {
        market.recordSettlementFixing(params, timestamp, VERSION, ops, round);
    }

    function _expectBeyond(uint256 value) internal {
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.BeyondBreaker.selector, INDEX, value, MARK, BREAKER_BPS));
    }

    /// The review's case: round A (115) is held by the breaker and dropped by B (105) without confirmation. A then
    /// lay within the breaker of the stored value (9.52 % from 105), so it could be recorded, until C (95) moved the
    /// stored value away again: whether A counted depended on when someone recorded it (keepers retry every 30 s,
    /// and anyone holds A's signatures from the postFixing calldata). Fix: window rounds meet the breaker from the
    /// series' last mark, which is frozen from expiry on, so a round's verdict is the same whenever it is recorded.
    function test_C32_heldThenDroppedRoundNeverCountsWheneverRecorded() public {
        uint64 ta = params.expiry;
        IIndexOracle.Observation[] memory a = _quorum(115e18, ta);
        _post(115e18, ta);
        (uint256 heldValue,,) = oracle.heldFixing(INDEX);
        _assertEq(heldValue, 115e18, "A is held");
        _expectBeyond(115e18);
        _record(a, ta);

        vm.warp(ta + 600);
        _post(105e18, ta + 600); // B: stored, drops the hold
        (heldValue,,) = oracle.heldFixing(INDEX);
        _assertEq(heldValue, 0, "B dropped the hold");
        _expectBeyond(115e18);
        _record(a, ta);
        IIndexOracle.Observation[] memory b = _quorum(105e18, ta + 600);
        _record(b, ta + 600);

        vm.warp(ta + 1200);
        _post(95e18, ta + 1200); // C
        _expectBeyond(115e18);
        _record(a, ta);
        IIndexOracle.Observation[] memory c = _quorum(95e18, ta + 1200);
        _record(c, ta + 1200);

        _assertTrue(!market.settlementRoundRecorded(_id(), ta), "A never recorded");
        vm.warp(uint256(params.expiry) + params.settlementWindow + 1);
        market.settle(params);
        _assertEq(market.seriesState(_id()).finalPrice, 100e18, "the average of B and C");
    }

    /// The other side of the same rule: a quorum round within the breaker of the last mark counts even after the
    /// stored value has moved beyond the breaker from it (a genuine move inside the window: 100 -> 105 -> 110.2).
    /// Before the fix the unposted round U (99) verified while the stored value was 100 or 105 and not at 110.2.
    function test_C32_roundNearTheLastMarkCountsWheneverRecorded() public {
        uint64 tu = params.expiry + 60;
        IIndexOracle.Observation[] memory u = _quorum(99e18, tu); // gathered, never posted
        vm.warp(tu + 540);
        _post(105e18, tu + 540);
        vm.warp(tu + 1140);
        _post(110.2e18, tu + 1140); // within 10 % of 105: stored; 11.3 % from U
        _record(u, tu);
        _assertTrue(market.settlementRoundRecorded(_id(), tu), "U recorded");
        _record(_quorum(105e18, tu + 540), tu + 540);
        IIndexOracle.Observation[] memory far = _quorum(110.2e18, tu + 1140);
        _expectBeyond(110.2e18); // beyond the breaker from the last mark: counts only if every operator signs
        _record(far, tu + 1140);
        _record(_allSign(oracle, 5, 110.2e18, tu + 1140), tu + 1140);
        _assertEq(market.seriesState(_id()).fixingCount, 3, "U, 105 and the all-operator 110.2");
    }

    function _id() internal view returns (bytes32) {
        return keccak256(abi.encode(params));
    }
}
