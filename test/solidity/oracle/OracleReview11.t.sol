// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IIndexOracle} from "../../../contracts/oracle/IIndexOracle.sol";
import {IndexOracle} from "../../../contracts/oracle/IndexOracle.sol";
import {FuturesMarket} from "../../../contracts/futures/FuturesMarket.sol";
import {IFuturesMarket, SeriesParams} from "../../../contracts/futures/IFuturesMarket.sol";
import {MockUSDC} from "../../../contracts/mocks/MockUSDC.sol";
import {OracleTestBase} from "./OracleTestBase.sol";
import {TestSeries} from "../utils/TestSeries.sol";

/// @notice Review 11 (independent attacker), the real IndexOracle end to end and as the market's settlement source.
/// Two findings, both fixed since (`verifyFixing` applies no breaker; the held round may be posted again signed by
/// every operator); the tests below show the fixed behaviour:
/// - (medium, C24 / C32) with the default parameters (hourly rounds, settlementWindow = breakerDelay = 1 h) a move
///   beyond the breaker at the expiry round that not every operator signed (one operator down, or one faulty
///   operator withholding, both inside f = 1) is held; no window round can then be recorded (BeyondBreaker until the
///   confirmation round, which lands after the window), so since the fallback change the series settles at the last
///   mark instead of the limit price: one price limit (4 % of the notional) moves from the winners to the losers;
/// - (low, C12) anyone turns a move that every operator signed (stored at once by design) into a hold of
///   `breakerDelay` by front-running the post with a quorum subset of the same signatures.
/// The other tests pin the most dangerous attempts that failed (named after the threat ids).
contract OracleReview11Test is OracleTestBase {
    bytes32 internal constant OTHER = "ATPB";
    uint256 internal constant LEVEL = 3.5e18;
    /// @dev -11.4 % from LEVEL: beyond the 10 % breaker and the 4 % price limit.
    uint256 internal constant CRASH = 3.1e18;
    uint64 internal constant EXPIRY = uint64(T0 + 1 days);

    FuturesMarket internal market;
    SeriesParams internal series;

    /* HELPERS */

    /// @dev `count` operators (f = 1, quorum 3), a market on INDEX with the default series parameters of
    /// scripts/lib/deploy.ts (limit 4 %, window 1 h, grace 1 day), expiring at EXPIRY, marked at LEVEL one hourly
    /// round before expiry.
    function _setUpSeries(uint256 count) internal {
        _deploy(count, 1);
        market = new FuturesMarket(address(this), IERC20(address(new MockUSDC())), oracle);
        series = TestSeries.params(INDEX, EXPIRY);
        (series.priceBandBps, series.maxFixingAge) = (1_000, 7 days); // the deployment defaults
        market.listSeries(series);
        uint64 before = EXPIRY - 3_600;
        vm.warp(before);
        oracle.postFixing(INDEX, before, VERSION, ops, _allSign(oracle, count, LEVEL, before));
        market.updateMark(series);
    }

    function _seriesState() internal view returns (IFuturesMarket.SeriesState memory) {
        return market.seriesState(keccak256(abi.encode(series)));
    }

    /// @dev The selector `postFixing` reverts with, or 0 when it passes.
    function _postSelector(bytes32 indexId, uint64 ts, uint32 version, IIndexOracle.Observation[] memory obs)
        internal
        returns (bytes4 sel)
    {
        try oracle.postFixing(indexId, ts, version, ops, obs) {} catch (bytes memory err) {
            sel = _selectorOf(err);
        }
    }

    /// @dev The selector a record of round `ts` reverts with, or 0 when it is recorded.
    /// @dev Settles the series after its window and checks the final price is the limit price below LEVEL.
    function _settlesAtTheLimitPrice(string memory message) internal {
        vm.warp(uint256(EXPIRY) + series.settlementWindow + 1);
        market.settle(series);
        _assertEq(_seriesState().finalPrice, LEVEL - LEVEL * series.priceLimitBps / 10_000, message);
    }

    function _recordSelector(uint64 ts, IIndexOracle.Observation[] memory obs) internal returns (bytes4 sel) {
        try market.recordSettlementFixing(series, ts, VERSION, ops, obs) {} catch (bytes memory err) {
            sel = _selectorOf(err);
        }
    }

    function _selectorOf(bytes memory err) internal pure returns (bytes4 sel) {
        _assertTrue(err.length >= 4, "a typed revert");
        assembly ("memory-safe") {
            sel := mload(add(err, 0x20))
        }
    }

    /// @dev The first `count` of `obs` (still ascending).
    function _prefix(IIndexOracle.Observation[] memory obs, uint256 count)
        internal
        pure
        returns (IIndexOracle.Observation[] memory out)
    {
        out = new IIndexOracle.Observation[](count);
        for (uint256 i; i < count; ++i) {
            out[i] = obs[i];
        }
    }

    function _signFor(IndexOracle target, bytes32 indexId, uint32 version, uint256 key, uint256 value, uint64 ts)
        internal
        view
        returns (IIndexOracle.Observation memory)
    {
        bytes32 inputsHash = keccak256(abi.encode(key, ts, value));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, target.observationDigest(indexId, ts, version, value, inputsHash));
        return IIndexOracle.Observation(value, inputsHash, r, _compactVs(v, s));
    }

    /* FINDING 1 (medium, fixed: `verifyFixing` applies no breaker): a held expiry round forced the fallback */

    /// C24 / C32 (medium, fixed): the expiry round E crashes 11.4 % (beyond the 10 % breaker); operator 3 is down (or
    /// withholds its signature: one faulty operator is inside f = 1), so the round holds three signatures and the
    /// oracle holds it. Before the fix `verifyFixing` refused it (BeyondBreaker) for the whole window (the
    /// confirmation needs a round stamped E + breakerDelay, signed only once chain time reached it, after the
    /// window), so the series fell back to the last mark 3.5 although the index sits at 3.1: 4 % of the notional
    /// (1,400 USDC on 10 contracts) went from the shorts to the longs, decided by one absent or faulty operator. Now
    /// the quorum-signed round records in the window (its value lies within the round's honest values) and the
    /// series settles at the limit price 3.36; the same verdict at every second of the window.
    function test_C24_C32_heldExpiryRoundWithOneOperatorAbsentSettlesAtTheLimitPrice() public {
        _setUpSeries(4);
        vm.warp(EXPIRY);
        IIndexOracle.Observation[] memory round = _allSign(oracle, 3, CRASH, EXPIRY); // operator 3 absent
        oracle.postFixing(INDEX, EXPIRY, VERSION, ops, round);
        (uint256 held,,) = oracle.heldFixing(INDEX);
        _assertEq(held, CRASH, "the expiry round is held");
        for (uint256 t = EXPIRY; t <= uint256(EXPIRY) + 3_600; t += 1_200) {
            vm.warp(t);
            _assertEq(oracle.verifyFixing(INDEX, EXPIRY, VERSION, ops, round), CRASH, "verifies at every second of the window");
        }
        vm.warp(uint256(EXPIRY) + 1_800);
        market.recordSettlementFixing(series, EXPIRY, VERSION, ops, round);
        _settlesAtTheLimitPrice("C24 / C32: a genuine beyond-breaker move at expiry settles at the limit price, not at the last mark");
    }

    /// C24 / C32 (medium, fixed; the same finding without any faulty operator): an index with n = 2f + 1 = 3
    /// operators (allowed by the contract; docs/oracle.md only recommends 3f + 1) has no all-signed bypass
    /// (n = quorum), so every honest operator signing the expiry crash still gets it held; it records in the window
    /// all the same and the series settles at the limit price 3.36, not at the last mark 3.5.
    function test_C24_C32_threeOperatorIndexAllSignedExpiryCrashSettlesAtTheLimitPrice() public {
        _setUpSeries(3);
        vm.warp(EXPIRY);
        IIndexOracle.Observation[] memory round = _allSign(oracle, 3, CRASH, EXPIRY);
        oracle.postFixing(INDEX, EXPIRY, VERSION, ops, round);
        market.recordSettlementFixing(series, EXPIRY, VERSION, ops, round);
        _settlesAtTheLimitPrice("C24 / C32: an all-signed crash at expiry settles at the limit price, not at the last mark");
    }

    /// Control for finding 1 (passes): with all four operators up the same crash is stored at once, the expiry round is
    /// recorded and the series settles at the limit price 3.36.
    function test_C24_control_allSignedExpiryCrashSettlesAtTheLimitPrice() public {
        _setUpSeries(4);
        vm.warp(EXPIRY);
        IIndexOracle.Observation[] memory round = _allSign(oracle, 4, CRASH, EXPIRY);
        oracle.postFixing(INDEX, EXPIRY, VERSION, ops, round);
        _assertTrue(_recordSelector(EXPIRY, round) == 0, "recorded");
        vm.warp(uint256(EXPIRY) + series.settlementWindow + 1);
        market.settle(series);
        _assertEq(_seriesState().finalPrice, LEVEL - LEVEL * series.priceLimitBps / 10_000, "the limit price");
    }

    /* FINDING 2 (low, fixed: the held round may be posted again signed by every operator): any poster turned an
       all-signed move into a hold */

    /// C12 (low): every operator signed a 12 % move, which the oracle stores at once ("a genuine move with everyone up
    /// needs no delay", docs/oracle.md). A front-runner copies three of the four observations from the keeper's
    /// pending post and posts them first: the round is held, and the keeper's all-signed post of the same round then
    /// reverts `TimestampNotNewer`. The move reaches `latest` one confirmation round (1 h) late; meanwhile the market
    /// keeps trading, liquidating and releasing margin at the old value while `FixingHeld` tells everyone the new one
    /// (known issue 14's last look, stretched from one block to `breakerDelay`). No key is needed. A fix: let an
    /// all-signed batch of the held round's own timestamp replace the hold (store it).
    function test_C12_frontRunnerCannotTurnAnAllSignedMoveIntoAHold() public {
        _deploy(4, 1);
        oracle.postFixing(INDEX, uint64(T0), VERSION, ops, _allSign(oracle, 4, LEVEL, uint64(T0)));
        uint64 t1 = uint64(T0 + 3_600);
        vm.warp(t1);
        uint256 moved = LEVEL * 112 / 100;
        IIndexOracle.Observation[] memory all = _allSign(oracle, 4, moved, t1);
        oracle.postFixing(INDEX, t1, VERSION, ops, _prefix(all, 3)); // the front-runner
        _postSelector(INDEX, t1, VERSION, all); // the keeper's all-signed post
        (uint256 value,) = oracle.latest(INDEX);
        _assertEq(value, moved, "C12: an all-signed move is stored at once, whoever posts first");
    }

    /* PINS: the oracle's integrity */

    /// C01 / C03 (no finding): `eip712Domain()` (ERC-5267) reports fields 0x0f, "tokenfutures-oracle", "1", the current
    /// chain id and the oracle, and hashes to `DOMAIN_SEPARATOR()`, from which `observationDigest` follows the
    /// EIP-712 rule; after a chain id change (a fork) both follow the new id and a round signed on the old chain
    /// recovers no operator.
    function test_C01_C03_eip712DomainMatchesTheSeparatorAndForksDoNotReplay() public {
        _deploy(4, 1);
        uint64 ts = uint64(T0);
        IIndexOracle.Observation[] memory signedBefore = _allSign(oracle, 4, LEVEL, ts);
        uint256 chain = block.chainid;
        _checkDomain(chain);
        bytes32 oldSeparator = oracle.DOMAIN_SEPARATOR();
        vm.chainId(chain + 1);
        _checkDomain(chain + 1);
        _assertTrue(oracle.DOMAIN_SEPARATOR() != oldSeparator, "C01: the separator follows the chain id");
        _assertTrue(
            _postSelector(INDEX, ts, VERSION, signedBefore) == IIndexOracle.UnknownSigner.selector,
            "C01: a round signed on the old chain recovers no operator"
        );
        _assertTrue(_postSelector(INDEX, ts, VERSION, _allSign(oracle, 4, LEVEL, ts)) == 0, "re-signed: posts");
    }

    function _checkDomain(uint256 chainId) internal view {
        (bytes1 fields, string memory name, string memory version, uint256 id, address vc, bytes32 salt, uint256[] memory ext) =
            oracle.eip712Domain();
        _assertTrue(fields == 0x0f && salt == 0 && ext.length == 0, "C03: name, version, chain id, contract");
        _assertTrue(keccak256(bytes(name)) == keccak256("tokenfutures-oracle"), "C03: name");
        _assertTrue(keccak256(bytes(version)) == keccak256("1"), "C03: version");
        _assertEq(id, chainId, "C03: chain id");
        _assertTrue(vc == address(oracle), "C03: verifying contract");
        bytes32 separator = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256(bytes(name)),
                keccak256(bytes(version)),
                id,
                vc
            )
        );
        _assertTrue(separator == oracle.DOMAIN_SEPARATOR(), "C03: the reported domain hashes to the separator");
        bytes32 structHash = keccak256(
            abi.encode(oracle.OBSERVATION_TYPEHASH(), INDEX, uint64(T0), VERSION, LEVEL, bytes32(uint256(7)))
        );
        _assertTrue(
            oracle.observationDigest(INDEX, uint64(T0), VERSION, LEVEL, bytes32(uint256(7)))
                == keccak256(abi.encodePacked("\x19\x01", separator, structHash)),
            "C03: the digest follows EIP-712"
        );
    }

    /// C02 / C11 (no finding): OTHER has the same operator list as INDEX (so the list check passes for either). A round
    /// signed for INDEX, under another methodology version, or for a second oracle deployment recovers no operator on
    /// OTHER; the same operator twice reverts `DuplicateSigner`; the genuine round posts once and its replay reverts
    /// `TimestampNotNewer`.
    function test_C02_C11_roundsDoNotReplayAcrossIndexesVersionsOrDeployments() public {
        _deploy(4, 1);
        oracle.createIndex(OTHER, _params(1), ops);
        IndexOracle twin = new IndexOracle(address(this));
        twin.createIndex(OTHER, _params(1), ops);
        uint64 ts = uint64(T0);
        IIndexOracle.Observation[] memory obs = new IIndexOracle.Observation[](3);
        bytes4 unknown = IIndexOracle.UnknownSigner.selector;
        for (uint256 i; i < 3; ++i) obs[i] = _signFor(oracle, INDEX, VERSION, keys[i], LEVEL, ts);
        _assertTrue(_postSelector(OTHER, ts, VERSION, obs) == unknown, "C02: another index");
        for (uint256 i; i < 3; ++i) obs[i] = _signFor(oracle, OTHER, VERSION + 1, keys[i], LEVEL, ts);
        _assertTrue(_postSelector(OTHER, ts, VERSION, obs) == unknown, "another version");
        for (uint256 i; i < 3; ++i) obs[i] = _signFor(twin, OTHER, VERSION, keys[i], LEVEL, ts);
        _assertTrue(_postSelector(OTHER, ts, VERSION, obs) == unknown, "C02: another deployment");
        for (uint256 i; i < 3; ++i) obs[i] = _signFor(oracle, OTHER, VERSION, keys[i], LEVEL, ts);
        obs[2] = obs[1];
        _assertTrue(_postSelector(OTHER, ts, VERSION, obs) == IIndexOracle.DuplicateSigner.selector, "C11: duplicate");
        obs[2] = _signFor(oracle, OTHER, VERSION, keys[2], LEVEL, ts);
        _assertTrue(_postSelector(OTHER, ts, VERSION, obs) == 0, "the genuine round");
        _assertTrue(_postSelector(OTHER, ts, VERSION, obs) == IIndexOracle.TimestampNotNewer.selector, "C11: replay");
    }

    /// C04 (no finding): the high-s twin (r, n - s, v flipped) of a valid observation recovers no operator (n - s
    /// does not fit the compact form's 255 bits: it reads as another, low s, or is refused `InvalidSignature`), and
    /// an observation whose r is zero reverts `InvalidSignature`; the batch never counts the operator twice.
    function test_C04_highSAndUnrecoverableSignaturesAreRefused() public {
        _deploy(4, 1);
        uint64 ts = uint64(T0);
        IIndexOracle.Observation[] memory obs = _allSign(oracle, 3, LEVEL, ts);
        IIndexOracle.Observation memory original = obs[1];
        uint256 vs = uint256(original.vs);
        uint256 s = vs & HALF_N_MASK;
        obs[1].vs = bytes32((N - s) | ((vs >> 255 == 0 ? uint256(1) : 0) << 255));
        bytes4 twin = _postSelector(INDEX, ts, VERSION, obs);
        _assertTrue(
            twin == IIndexOracle.InvalidSignature.selector || twin == IIndexOracle.UnknownSigner.selector,
            "C04: the high-s twin recovers no operator"
        );
        obs[1] = original;
        obs[1].r = bytes32(0);
        _assertTrue(_postSelector(INDEX, ts, VERSION, obs) == IIndexOracle.InvalidSignature.selector, "C04: r = 0");
    }

    uint256 internal constant HALF_N_MASK = type(uint256).max >> 1;

    /// C10 (no finding): a round stamped exactly `maxFutureSkew` ahead of the block posts and verifies, one second more
    /// reverts `TimestampInFuture` in both; once stored, a round of the same or an older timestamp reverts
    /// `TimestampNotNewer`, and `latestFresh` reports age 0 for the stamp ahead.
    function test_C10_timestampsAtTheSkewEdge() public {
        _deploy(4, 1);
        uint64 edge = uint64(T0 + SKEW);
        IIndexOracle.Observation[] memory late = _allSign(oracle, 3, LEVEL, edge + 1);
        _assertTrue(_postSelector(INDEX, edge + 1, VERSION, late) == IIndexOracle.TimestampInFuture.selector, "C10: +1");
        try oracle.verifyFixing(INDEX, edge + 1, VERSION, ops, late) {
            revert("C10: verify refuses beyond the skew");
        } catch {}
        IIndexOracle.Observation[] memory atEdge = _allSign(oracle, 3, LEVEL, edge);
        _assertEq(oracle.verifyFixing(INDEX, edge, VERSION, ops, atEdge), LEVEL, "C10: verify at the edge");
        _assertTrue(_postSelector(INDEX, edge, VERSION, atEdge) == 0, "C10: at the edge");
        (, uint64 ts) = oracle.latestFresh(INDEX, 0);
        _assertEq(ts, edge, "age 0 ahead");
        _assertTrue(
            _postSelector(INDEX, edge - 1, VERSION, _allSign(oracle, 3, LEVEL, edge - 1))
                == IIndexOracle.TimestampNotNewer.selector,
            "C10: older"
        );
    }

    /// C11 / C28 / bounds (no finding): n in [4, 10], f = (n - 1) / 3; the f colluders sign, one time in four, anything
    /// from just below the lower bound to just above the upper one, else values from one spread tolerance below the
    /// level to two above it; the honest ones values within a fifth of the spread of a level that lies anywhere
    /// from 15 % below to 15 % above the stored value (so the round is stored or held); the poster submits any
    /// subset of at least the quorum holding every colluder. Either the post reverts for the values (spread, bounds)
    /// or the value stored or held lies within the honest values submitted.
    function testFuzz_C28_C11_storedOrHeldValueStaysInTheHonestRange(
        uint256 nSeed,
        uint256 levelSeed,
        uint256[10] memory values,
        uint256 dropSeed
    ) public {
        uint256 n = _bound(nSeed, 4, 10);
        uint256 f = (n - 1) / 3;
        _deploy(n, f);
        oracle.setBounds(INDEX, 1e15, 1e22);
        oracle.postFixing(INDEX, uint64(T0), VERSION, ops, _allSign(oracle, n, LEVEL, uint64(T0)));
        uint256 level = _bound(levelSeed, LEVEL * 85 / 100, LEVEL * 115 / 100);
        uint256 size = n - _bound(dropSeed, 0, n - _bar(n, f));
        uint64 ts = uint64(T0 + 3_600);
        vm.warp(ts);
        IIndexOracle.Observation[] memory obs = new IIndexOracle.Observation[](size);
        (uint256 lo, uint256 hi) = (type(uint256).max, 0);
        for (uint256 i; i < size; ++i) {
            uint256 value = level + _bound(values[i], 0, level * SPREAD_BPS / 5 / 10_000);
            if (i < f) {
                // A colluder: an extreme (possibly out of bounds) value one time in four, else up to one tolerance
                // below the level or two above it.
                uint256 width = level * SPREAD_BPS / 10_000;
                value = values[i] % 4 == 0 ? _bound(values[i] >> 2, 1e15 - 1, 1e22 + 1)
                    : _bound(values[i] >> 2, level - width, level + 2 * width);
            }
            if (i >= f) (lo, hi) = (value < lo ? value : lo, value > hi ? value : hi);
            obs[i] = _sign(oracle, keys[i], ts, value);
        }
        _sortByValue(obs);
        bytes4 sel = _postSelector(INDEX, ts, VERSION, obs);
        if (sel != 0) {
            _assertTrue(
                sel == IIndexOracle.ObservationsDisagree.selector || sel == IIndexOracle.ValueOutOfBounds.selector,
                "C28: only a value error"
            );
            return;
        }
        (uint256 stored,) = oracle.latest(INDEX);
        (uint256 held,,) = oracle.heldFixing(INDEX);
        uint256 result = held != 0 ? held : stored;
        _assertTrue(result >= lo && result <= hi, "C28: the stored or held value lies within the honest values");
    }

    /// Breaker (no finding): a glitch every honest operator signed (120 % of the stored value, three of four) is held;
    /// an hour later the honest values are back at the stored level: the faulty fourth operator's glitch value cannot
    /// join a batch with them (spread), its old held round cannot be posted again, and the honest round is stored
    /// and drops the hold. A hold's start never moves forward by an update within the breaker, and an update stamped
    /// ahead at the confirmation time but posted before it does not confirm.
    function test_C12_breakerFaultyOperatorAndTimingCannotConfirmOrRefreshAGlitch() public {
        _deploy(4, 1);
        oracle.postFixing(INDEX, uint64(T0), VERSION, ops, _allSign(oracle, 4, LEVEL, uint64(T0)));
        uint64 t1 = uint64(T0 + 3_600);
        vm.warp(t1);
        uint256 glitch = LEVEL * 120 / 100;
        IIndexOracle.Observation[] memory glitchRound = _allSign(oracle, 3, glitch, t1);
        oracle.postFixing(INDEX, t1, VERSION, ops, glitchRound);
        (,, uint64 confirmableFrom) = oracle.heldFixing(INDEX);
        _assertEq(confirmableFrom, t1 + BREAKER_DELAY, "held until t1 + delay");
        // An update within the breaker of the held value, half-way: the start stays.
        uint64 half = t1 + BREAKER_DELAY / 2;
        vm.warp(half);
        oracle.postFixing(INDEX, half, VERSION, ops, _allSign(oracle, 3, glitch * 105 / 100, half));
        (,, uint64 after1) = oracle.heldFixing(INDEX);
        _assertEq(after1, confirmableFrom, "an update does not refresh the hold");
        // A round stamped at the confirmation time, posted SKEW seconds before it: an update, not a confirmation.
        vm.warp(confirmableFrom - SKEW);
        oracle.postFixing(INDEX, confirmableFrom, VERSION, ops, _allSign(oracle, 3, glitch, confirmableFrom));
        (uint256 stillStored,) = oracle.latest(INDEX);
        _assertEq(stillStored, LEVEL, "not confirmed ahead of block time");
        // The honest values come back; the faulty operator 3 still signs the glitch.
        uint64 t2 = confirmableFrom + 3_600;
        vm.warp(t2);
        uint256[] memory signers = new uint256[](3);
        uint256[] memory vals = new uint256[](3);
        (signers[0], signers[1], signers[2]) = (0, 1, 3);
        (vals[0], vals[1], vals[2]) = (LEVEL, LEVEL, glitch);
        _assertTrue(
            _postSelector(INDEX, t2, VERSION, _round(oracle, signers, vals, t2))
                == IIndexOracle.ObservationsDisagree.selector,
            "the faulty value does not join the honest ones"
        );
        _assertTrue(
            _postSelector(INDEX, t1, VERSION, glitchRound) == IIndexOracle.TimestampNotNewer.selector,
            "the old held round"
        );
        _assertTrue(_postSelector(INDEX, t2, VERSION, _allSign(oracle, 3, LEVEL, t2)) == 0, "the honest round");
        (uint256 stored,) = oracle.latest(INDEX);
        (uint256 held,,) = oracle.heldFixing(INDEX);
        _assertTrue(stored == LEVEL && held == 0, "stored, hold dropped");
    }

    /// Operator changes during a hold (no finding): the absent operator 3 is removed while a crash is held. A post on the
    /// old list reverts `OperatorSetMismatch`, the removed operator's observation `UnknownSigner`; the hold keeps its
    /// start and a confirmation round of the remaining three at the delay confirms it. With n = 3 = quorum nothing
    /// bypasses the breaker; an operator added during the next hold does not restart or confirm it alone.
    function test_C28_operatorChangesDuringAHold() public {
        _deploy(4, 1);
        oracle.postFixing(INDEX, uint64(T0), VERSION, ops, _allSign(oracle, 4, LEVEL, uint64(T0)));
        uint64 t1 = uint64(T0 + 3_600);
        vm.warp(t1);
        oracle.postFixing(INDEX, t1, VERSION, ops, _allSign(oracle, 3, CRASH, t1));
        (,, uint64 confirmableFrom) = oracle.heldFixing(INDEX);
        address[] memory oldOps = ops;
        oracle.removeOperator(INDEX, ops[3]);
        ops.pop();
        uint64 t2 = t1 + BREAKER_DELAY;
        vm.warp(t2);
        IIndexOracle.Observation[] memory confirmRound = _allSign(oracle, 3, CRASH, t2);
        try oracle.postFixing(INDEX, t2, VERSION, oldOps, confirmRound) {
            revert("the old list posts");
        } catch (bytes memory err) {
            _assertTrue(_selectorOf(err) == IIndexOracle.OperatorSetMismatch.selector, "old list");
        }
        IIndexOracle.Observation[] memory withRemoved = _allSign(oracle, 3, CRASH, t2);
        withRemoved[0] = _sign(oracle, keys[3], t2, CRASH);
        _assertTrue(
            _postSelector(INDEX, t2, VERSION, withRemoved) == IIndexOracle.UnknownSigner.selector, "removed operator"
        );
        (,, uint64 sameStart) = oracle.heldFixing(INDEX);
        _assertEq(sameStart, confirmableFrom, "the hold keeps its start");
        _assertTrue(_postSelector(INDEX, t2, VERSION, confirmRound) == 0, "confirmed by the remaining three");
        (uint256 stored,) = oracle.latest(INDEX);
        _assertEq(stored, CRASH, "confirmed");
        // Next hold; a new operator joins. Its single observation (plus nothing) is below the quorum of 4 operators.
        uint64 t3 = t2 + 3_600;
        vm.warp(t3);
        oracle.postFixing(INDEX, t3, VERSION, ops, _allSign(oracle, 3, LEVEL, t3));
        keys.push(0xBEEF);
        ops.push(vm.addr(0xBEEF));
        oracle.addOperator(INDEX, ops[3]);
        (,, uint64 start3) = oracle.heldFixing(INDEX);
        uint64 t4 = t3 + 60;
        vm.warp(t4);
        IIndexOracle.Observation[] memory lone = new IIndexOracle.Observation[](1);
        lone[0] = _sign(oracle, 0xBEEF, t4, LEVEL);
        _assertTrue(_postSelector(INDEX, t4, VERSION, lone) == IIndexOracle.TooFewSignatures.selector, "alone");
        (,, uint64 start4) = oracle.heldFixing(INDEX);
        _assertEq(start4, start3, "the hold is unchanged");
    }

    /// Bounds (no finding): an observation below the lower bound or above the upper bound reverts
    /// `ValueOutOfBounds` even when it is not the median (it cannot hide in a batch); values at the bounds post.
    function test_C28_boundsBindEveryObservation() public {
        _deploy(4, 1);
        oracle.setBounds(INDEX, uint96(LEVEL - 1e15), uint96(LEVEL + 1e15));
        uint64 ts = uint64(T0);
        uint256[] memory signers = new uint256[](4);
        uint256[] memory vals = new uint256[](4);
        (signers[0], signers[1], signers[2], signers[3]) = (0, 1, 2, 3);
        (vals[0], vals[1], vals[2], vals[3]) = (LEVEL - 1e15 - 1, LEVEL, LEVEL, LEVEL);
        _assertTrue(
            _postSelector(INDEX, ts, VERSION, _round(oracle, signers, vals, ts)) == IIndexOracle.ValueOutOfBounds.selector,
            "below"
        );
        (vals[0], vals[3]) = (LEVEL, LEVEL + 1e15 + 1);
        _assertTrue(
            _postSelector(INDEX, ts, VERSION, _round(oracle, signers, vals, ts)) == IIndexOracle.ValueOutOfBounds.selector,
            "above"
        );
        (vals[0], vals[3]) = (LEVEL - 1e15, LEVEL + 1e15);
        _assertTrue(_postSelector(INDEX, ts, VERSION, _round(oracle, signers, vals, ts)) == 0, "at the bounds");
    }
}
