// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IIndexOracle} from "../../../contracts/oracle/IIndexOracle.sol";
import {OracleTestBase} from "./OracleTestBase.sol";

/// @dev C10 and C23 (oracle part): timestamp monotonicity, future skew boundary and staleness of reads.
contract OracleTimestampsTest is OracleTestBase {
    function setUp() public {
        _deploy(3, 1);
    }

    /// C23: a timestamp exactly at block.timestamp + maxFutureSkew is accepted; one second more is not.
    function testFuzz_C23_futureSkewBoundary(uint256 now_) public {
        now_ = _bound(now_, T0, type(uint32).max);
        vm.warp(now_);
        uint64 edge = uint64(now_ + SKEW);

        IIndexOracle.Observation[] memory tooEarly = _allSign(oracle, 3, 2e18, edge + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IIndexOracle.TimestampInFuture.selector, INDEX, edge + 1, now_, SKEW)
        );
        oracle.postFixing(INDEX, edge + 1, VERSION, ops, tooEarly);

        oracle.postFixing(INDEX, edge, VERSION, ops, _allSign(oracle, 3, 2e18, edge));
        (, uint64 stored) = oracle.latest(INDEX);
        _assertEq(stored, edge, "edge timestamp stored");
    }

    /// C10: a timestamp not newer than the last one (equal or older) is rejected.
    function testFuzz_C10_timestampMustIncrease(uint64 first, uint64 second) public {
        first = uint64(_bound(first, 1, T0));
        second = uint64(_bound(second, 0, first));
        oracle.postFixing(INDEX, first, VERSION, ops, _allSign(oracle, 3, 2e18, first));

        IIndexOracle.Observation[] memory old = _allSign(oracle, 3, 21e17, second);
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.TimestampNotNewer.selector, INDEX, second, first));
        oracle.postFixing(INDEX, second, VERSION, ops, old);

        oracle.postFixing(INDEX, first + 1, VERSION, ops, _allSign(oracle, 3, 21e17, first + 1));
        (uint256 value, uint64 stored) = oracle.latest(INDEX);
        _assertEq(value, 21e17, "newer value");
        _assertEq(stored, first + 1, "newer timestamp");
    }

    /// C10: latestFresh passes at age == maxAge and reverts StaleFixing one second later.
    function testFuzz_C10_latestFreshStaleBoundary(uint256 maxAge, uint256 lag) public {
        maxAge = _bound(maxAge, 0, 30 days);
        lag = _bound(lag, 0, 1 days);
        uint64 timestamp = uint64(T0 - lag);
        oracle.postFixing(INDEX, timestamp, VERSION, ops, _allSign(oracle, 3, 2e18, timestamp));

        vm.warp(timestamp + maxAge);
        (uint256 value,) = oracle.latestFresh(INDEX, maxAge);
        _assertEq(value, 2e18, "fresh at the boundary");

        vm.warp(timestamp + maxAge + 1);
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.StaleFixing.selector, INDEX, maxAge + 1, maxAge));
        oracle.latestFresh(INDEX, maxAge);
    }

    /// C10: a fixing stamped ahead of the block (within the skew) has age 0.
    function test_C10_futureStampedFixingIsFresh() public {
        uint64 ahead = uint64(T0 + SKEW);
        oracle.postFixing(INDEX, ahead, VERSION, ops, _allSign(oracle, 3, 2e18, ahead));
        (, uint64 stored) = oracle.latestFresh(INDEX, 0);
        _assertEq(stored, ahead, "fresh with maxAge 0");
    }
}
