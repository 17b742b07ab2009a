// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IIndexOracle} from "../../../contracts/oracle/IIndexOracle.sol";
import {OracleTestBase} from "./OracleTestBase.sol";

/// @dev Attacks on the circuit breaker's held state found in the adversarial review (C11, K06, C28). Default
/// deployment: 4 operators, f = 1, quorum 3, so a batch of 3 (not every operator) never bypasses the breaker.
contract OracleAttacksTest is OracleTestBase {
    uint256 internal constant BEFORE = 3.4378e18;
    uint256 internal constant AFTER = 2.8128e18; // the bundled March 2025 repricing, -18.2 %

    function setUp() public {
        _deploy(4, 1);
    }

    /// @dev A batch of the first three operators (a quorum, not every operator) each signing `value`.
    function _quorum(uint256 value, uint64 timestamp) internal view returns (IIndexOracle.Observation[] memory) {
        return _allSign(oracle, 3, value, timestamp);
    }

    function _assertHeld(uint256 value, uint64 timestamp, uint64 confirmableFrom) internal view {
        (uint256 heldValue, uint64 heldTimestamp, uint64 from) = oracle.heldFixing(INDEX);
        _assertEq(heldValue, value, "held value");
        _assertEq(heldTimestamp, timestamp, "held timestamp");
        _assertEq(from, confirmableFrom, "confirmable from");
    }

    /// C11: the poster kept back an honest round from before a genuine move; posting it during the hold must not
    /// drop the hold (which restarted the confirmation clock at the next round: one more interval of delay per
    /// kept-back round, and `latest` went back to a pre-move level older than the held round).
    function test_C11_staleRoundCannotReleaseHold() public {
        uint64 t1 = uint64(T0 - 3 hours);
        uint64 t2 = t1 + 1 hours; // pre-move round, signed and served by the peers, not posted
        uint64 t3 = t2 + 1 hours; // the move
        oracle.postFixing(INDEX, t1, VERSION, ops, _quorum(BEFORE, t1));
        IIndexOracle.Observation[] memory keptBack = _quorum(BEFORE, t2);

        oracle.postFixing(INDEX, t3, VERSION, ops, _quorum(AFTER, t3));
        _assertHeld(AFTER, t3, t3 + BREAKER_DELAY);

        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.TimestampNotNewer.selector, INDEX, t2, t3));
        oracle.postFixing(INDEX, t2, VERSION, ops, keptBack);
        _assertHeld(AFTER, t3, t3 + BREAKER_DELAY);

        // The confirmation round one delay after the move still stores it on time.
        uint64 t4 = t3 + BREAKER_DELAY;
        oracle.postFixing(INDEX, t4, VERSION, ops, _quorum(AFTER, t4));
        (uint256 value, uint64 stored) = oracle.latest(INDEX);
        _assertEq(value, AFTER, "move stored");
        _assertEq(stored, t4, "at the confirmation round");
    }

    /// C11: a round newer than the held one and back within breakerBps of the stored value still drops the hold.
    function test_C11_newerRoundBackInRangeStillDropsHold() public {
        uint64 t1 = uint64(T0 - 3 hours);
        oracle.postFixing(INDEX, t1, VERSION, ops, _quorum(BEFORE, t1));
        oracle.postFixing(INDEX, t1 + 1 hours, VERSION, ops, _quorum(BEFORE * 10, t1 + 1 hours)); // glitch: held
        oracle.postFixing(INDEX, t1 + 2 hours, VERSION, ops, _quorum(BEFORE, t1 + 2 hours));
        _assertHeld(0, 0, 0);
        (, uint64 stored) = oracle.latest(INDEX);
        _assertEq(stored, t1 + 2 hours, "newer round stored");
    }

    /// K06: a confirmation round stamped ahead of the chain (inside the future skew) used to confirm a held move
    /// up to maxFutureSkew before breakerDelay had passed in block time. It now only updates the hold; the
    /// first round posted at or after confirmableFrom (block time) confirms.
    function testFuzz_K06_futureStampedRoundCannotConfirmEarly(uint256 ahead) public {
        ahead = _bound(ahead, 1, SKEW);
        oracle.postFixing(INDEX, uint64(T0), VERSION, ops, _quorum(BEFORE, uint64(T0)));
        uint64 moved = uint64(T0 + 1);
        vm.warp(moved);
        oracle.postFixing(INDEX, moved, VERSION, ops, _quorum(AFTER, moved));
        uint64 confirmableFrom = moved + BREAKER_DELAY;
        _assertHeld(AFTER, moved, confirmableFrom);

        // Block time `ahead` seconds before confirmableFrom, the round stamped at confirmableFrom (within skew).
        vm.warp(confirmableFrom - ahead);
        oracle.postFixing(INDEX, confirmableFrom, VERSION, ops, _quorum(AFTER, confirmableFrom));
        (uint256 value,) = oracle.latest(INDEX);
        _assertEq(value, BEFORE, "not confirmed before the delay passed in block time");
        _assertHeld(AFTER, confirmableFrom, confirmableFrom);

        vm.warp(confirmableFrom);
        oracle.postFixing(INDEX, confirmableFrom + 1, VERSION, ops, _quorum(AFTER, confirmableFrom + 1));
        (value,) = oracle.latest(INDEX);
        _assertEq(value, AFTER, "confirmed once the delay passed");
    }

    /// C11 / C28: one malicious operator (f = 1) and the poster's choice of subset cannot restart or drop a hold
    /// of a genuine move: every batch of a round lies within the honest spread, far inside breakerBps of the held
    /// value, so the hold keeps its start and the round one delay later confirms.
    function testFuzz_C11_minorityCannotRefreshHold(uint256 seed) public {
        uint64 t = uint64(T0 - 4 hours);
        oracle.postFixing(INDEX, t, VERSION, ops, _quorum(BEFORE, t));
        uint64 start = t + 1 hours;
        for (uint64 r; r <= 2; ++r) {
            uint64 ts = start + r * 1200; // all before the delay is over
            seed = uint256(keccak256(abi.encode(seed, r)));
            // Operator 3 is malicious: anything the spread tolerance lets through next to the honest value.
            uint256 bad = seed % 2 == 0 ? AFTER + (AFTER * SPREAD_BPS) / 10_000 : AFTER - (AFTER * SPREAD_BPS) / 20_000;
            uint256 skipped = (seed >> 8) % 3; // the poster leaves out one honest operator
            uint256[] memory signers = new uint256[](3);
            uint256[] memory values = new uint256[](3);
            uint256 k;
            for (uint256 i; i < 3; ++i) {
                if (i == skipped) continue;
                (signers[k], values[k]) = (i, AFTER);
                ++k;
            }
            (signers[2], values[2]) = (3, bad);
            oracle.postFixing(INDEX, ts, VERSION, ops, _round(oracle, signers, values, ts));
            (,, uint64 from) = oracle.heldFixing(INDEX);
            _assertEq(from, start + BREAKER_DELAY, "hold keeps its start");
        }
        uint64 confirm = start + BREAKER_DELAY;
        oracle.postFixing(INDEX, confirm + 1, VERSION, ops, _quorum(AFTER, confirm + 1));
        (uint256 value,) = oracle.latest(INDEX);
        _assertEq(value, AFTER, "confirmed");
    }

    /// C11: with a breaker below the spread tolerance the poster (no key) blocked every genuine move for good: honest
    /// values of one level 0.4 % apart, a 10 bps breaker, and batches alternating between the low and the high
    /// honest values restart the hold each round (and front-run the all-operator batch). Such a config is refused.
    function test_C11_breakerBelowSpreadRefused() public {
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.BreakerBelowSpread.selector, INDEX, 10, SPREAD_BPS));
        oracle.setBreaker(INDEX, 10, BREAKER_DELAY);
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.BreakerBelowSpread.selector, INDEX, BREAKER_BPS, 1_001));
        oracle.setSpreadTolerance(INDEX, 1_001);
        IIndexOracle.IndexParams memory params = _params(1);
        params.breakerBps = SPREAD_BPS - 1;
        bytes32 other = "OTHER";
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.BreakerBelowSpread.selector, other, SPREAD_BPS - 1, SPREAD_BPS));
        oracle.createIndex(other, params, ops);
    }

    /// C11: at the limit (breaker == spread) the alternating poster of `test_C11_breakerBelowSpreadRefused` cannot
    /// restart the hold: batches of one honest level never lie beyond the breaker of each other.
    function testFuzz_C11_alternatingSubsetsCannotRestartHold(uint256 spreadBps) public {
        spreadBps = _bound(spreadBps, 1, BREAKER_BPS - 1);
        if (spreadBps != SPREAD_BPS) oracle.setSpreadTolerance(INDEX, uint16(spreadBps));
        oracle.setBreaker(INDEX, uint16(spreadBps), BREAKER_DELAY);
        uint64 t = uint64(T0 - 4 hours);
        oracle.postFixing(INDEX, t, VERSION, ops, _quorum(BEFORE, t));
        uint256 low = AFTER;
        uint256 high = AFTER + (AFTER * spreadBps) / 10_000; // within the spread of `low`
        uint64 start = t + 1 hours;
        for (uint64 r; r < 3; ++r) {
            uint64 ts = start + r * 1200;
            // Operators 0-1 read `low`, 2-3 read `high`; the poster takes three of one side's leaning.
            uint256[] memory signers = new uint256[](3);
            uint256[] memory values = new uint256[](3);
            (signers[0], signers[1], signers[2]) = r % 2 == 0 ? (0, 1, 2) : (1, 2, 3);
            (values[0], values[1], values[2]) = r % 2 == 0 ? (low, low, high) : (low, high, high);
            oracle.postFixing(INDEX, ts, VERSION, ops, _round(oracle, signers, values, ts));
            (,, uint64 from) = oracle.heldFixing(INDEX);
            _assertEq(from, start + BREAKER_DELAY, "hold keeps its start");
        }
    }
}
