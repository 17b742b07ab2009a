// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IIndexOracle} from "../../../contracts/oracle/IIndexOracle.sol";
import {IndexOracle} from "../../../contracts/oracle/IndexOracle.sol";
import {FuturesMarket} from "../../../contracts/futures/FuturesMarket.sol";
import {SeriesParams} from "../../../contracts/futures/IFuturesMarket.sol";
import {MockUSDC} from "../../../contracts/mocks/MockUSDC.sol";
import {OracleTestBase} from "./OracleTestBase.sol";
import {TestSeries} from "../utils/TestSeries.sol";

/// @notice Review 10 (independent attacker), the oracle as the market's settlement source: no finding. A window round
/// is recorded through the real IndexOracle's `verifyFixing`, so these pin what a recorder cannot do there: replay a
/// round signed for another index with the same operator list (the list hash does not name the index), for another
/// oracle deployment or for another methodology version (C02, G); and, with f colluding operators, choose a subset
/// that puts the recorded value outside the honest values it submitted (C28).
contract OracleReview10Test is OracleTestBase {
    bytes32 internal constant OTHER = "ATPB";
    uint256 internal constant LEVEL = 3.5e18;

    FuturesMarket internal market;
    SeriesParams internal series;

    /// @dev Series on OTHER (expiry T0 + 1 day) in a market reading `oracle`, where INDEX and OTHER share the same
    /// `count` operators with fault tolerance `f`; both indexes hold a first fixing at LEVEL.
    function _setUpMarket(uint256 count, uint256 f) internal {
        _deploy(count, f);
        oracle.createIndex(OTHER, _params(f), ops);
        oracle.postFixing(INDEX, uint64(T0), VERSION, ops, _allSign(oracle, count, LEVEL, uint64(T0)));
        oracle.postFixing(OTHER, uint64(T0), VERSION, ops, _signAll(oracle, OTHER, VERSION, LEVEL, uint64(T0)));
        market = new FuturesMarket(address(this), IERC20(address(new MockUSDC())), oracle);
        series = TestSeries.params(OTHER, uint64(T0 + 1 days));
        market.listSeries(series);
        vm.warp(series.expiry);
    }

    /// @dev Every operator signs `value` for (`indexId`, `version`, `timestamp`) on `target`.
    function _signAll(IndexOracle target, bytes32 indexId, uint32 version, uint256 value, uint64 timestamp)
        internal
        view
        returns (IIndexOracle.Observation[] memory obs)
    {
        obs = new IIndexOracle.Observation[](keys.length);
        for (uint256 i; i < keys.length; ++i) {
            obs[i] = _signOne(target, indexId, version, keys[i], value, timestamp);
        }
        _sortByValue(obs);
    }

    function _signOne(IndexOracle target, bytes32 indexId, uint32 version, uint256 key, uint256 value, uint64 timestamp)
        internal
        view
        returns (IIndexOracle.Observation memory)
    {
        bytes32 inputsHash = keccak256(abi.encode(key, timestamp, value));
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(key, target.observationDigest(indexId, timestamp, version, value, inputsHash));
        return IIndexOracle.Observation(value, inputsHash, r, _compactVs(v, s));
    }

    /// @dev The selector a record of `obs` reverts with, or 0 when it is recorded.
    function _recordSelector(uint64 timestamp, IIndexOracle.Observation[] memory obs) internal returns (bytes4 sel) {
        try market.recordSettlementFixing(series, timestamp, VERSION, ops, obs) {} catch (bytes memory err) {
            assembly ("memory-safe") {
                sel := mload(add(err, 0x20))
            }
            _assertTrue(sel != 0, "a typed revert");
        }
    }

    /// C02 / G (no finding): INDEX and OTHER have the same operator list, so the list check passes for either; a round
    /// signed for INDEX, for OTHER on a second oracle with the same operators, or for OTHER under another methodology
    /// version recovers no operator when recorded for the OTHER series, and the genuine round is recorded once.
    function test_C02_windowRoundOfAnotherIndexOracleOrVersionIsRejected() public {
        _setUpMarket(3, 1);
        uint64 ts = series.expiry;
        IndexOracle twin = new IndexOracle(address(this));
        twin.createIndex(OTHER, _params(1), ops);
        bytes4 unknown = IIndexOracle.UnknownSigner.selector;
        _assertTrue(_recordSelector(ts, _signAll(oracle, INDEX, VERSION, LEVEL, ts)) == unknown, "C02: another index");
        _assertTrue(_recordSelector(ts, _signAll(twin, OTHER, VERSION, LEVEL, ts)) == unknown, "C02: another oracle");
        _assertTrue(_recordSelector(ts, _signAll(oracle, OTHER, VERSION + 1, LEVEL, ts)) == unknown, "another version");
        _assertTrue(_recordSelector(ts, _signAll(oracle, OTHER, VERSION, LEVEL, ts)) == 0, "the genuine round");
        _assertEq(market.seriesState(keccak256(abi.encode(series))).fixingCount, 1, "counted once");
    }

    /// C28 (no finding): 7 operators, f = 2 (quorum 5). The honest five sign values within a quarter of the spread
    /// tolerance around LEVEL, the two colluders any values from one tolerance below LEVEL to two above it (inside and beyond the
    /// tolerance from the honest ones); the recorder submits any subset
    /// of at least five that holds both colluders. Either the record reverts typed (the values disagree), or the
    /// value it adds to the window lies within the honest values it submitted.
    function testFuzz_C28_collusionAndTheRecordersSubsetStayInTheHonestRange(
        uint256[5] memory honest,
        uint256[2] memory bad,
        uint256 subsetSeed
    ) public {
        _setUpMarket(7, 2);
        uint64 ts = series.expiry;
        // Subset: both colluders (operators 0 and 1) and at least three of the five honest ones.
        uint256 dropped = _bound(subsetSeed, 0, 2);
        uint256 size = 7 - dropped;
        IIndexOracle.Observation[] memory obs = new IIndexOracle.Observation[](size);
        uint256 lo = type(uint256).max;
        uint256 hi;
        for (uint256 i; i < size; ++i) {
            uint256 value = i < 2
                ? _bound(bad[i], LEVEL - LEVEL * SPREAD_BPS / 10_000, LEVEL + 2 * LEVEL * SPREAD_BPS / 10_000)
                : LEVEL + _bound(honest[i - 2], 0, LEVEL * SPREAD_BPS / 4 / 10_000);
            if (i >= 2) (lo, hi) = (value < lo ? value : lo, value > hi ? value : hi);
            obs[i] = _signOne(oracle, OTHER, VERSION, keys[i], value, ts);
        }
        _sortByValue(obs);
        bytes4 sel = _recordSelector(ts, obs);
        if (sel != 0) {
            _assertTrue(sel == IIndexOracle.ObservationsDisagree.selector, "C28: only a value error");
            return;
        }
        uint256 recorded = market.seriesState(keccak256(abi.encode(series))).fixingSum;
        _assertTrue(recorded >= lo && recorded <= hi, "C28: the recorded value lies within the honest values");
    }
}
