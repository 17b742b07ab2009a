// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IIndexOracle} from "../../../contracts/oracle/IIndexOracle.sol";
import {OracleTestBase} from "./OracleTestBase.sol";

/// @dev C28 and C11: what f malicious operators and the poster's choice of subset can do to the stored value.
contract OracleMedianTest is OracleTestBase {
    uint256 private constant MAX_TEST_OPERATORS = 15;

    /// @dev One fuzz case, in storage to keep the stack small.
    struct Case {
        uint256 n;
        uint256 f;
        uint256 bar;
        uint256 base;
        bool[] malicious;
        uint256[] values;
    }

    Case private c;

    /// C28 / C11: n operators (3 to 15), f of them malicious (1 to (n - 1) / 2, a random subset) signing extreme
    /// values (0, 1 wei, the max bound, uint256 max, x1e6, /1e6, or just inside the spread tolerance on either side),
    /// the honest ones agreeing within the tolerance around a level that may have moved up to +-20 % since the stored
    /// fixing; the poster submits a random subset of at least the quorum (possibly with every malicious value in it).
    /// Then either the post reverts with a value error, or the value it stores (or the breaker holds) lies within
    /// [min, max] of the honest values it submitted. A subset without malicious values always posts, and
    /// verifyFixing agrees with postFixing on every case (a round the breaker holds does not verify).
    function testFuzz_C28_C11_anySubsetStaysInHonestRange(
        uint256 operatorCount,
        uint256 faults,
        uint256 base,
        uint256 move,
        uint256 seed,
        uint256 subsetSeed
    ) public {
        c.n = _bound(operatorCount, 3, MAX_TEST_OPERATORS);
        c.f = _bound(faults, 1, (c.n - 1) / 2);
        c.bar = _bar(c.n, c.f);
        c.base = _bound(base, 1e12, 1e24);
        _deploy(c.n, c.f);
        _assertEq(oracle.quorum(INDEX), c.bar, "quorum");

        // A stored fixing at `base`, every operator signing it.
        oracle.postFixing(INDEX, uint64(T0 - 1 days), VERSION, ops, _allSign(oracle, c.n, c.base, uint64(T0 - 1 days)));

        _pickRound(_bound(move, 8_000, 12_000), seed);
        uint256[] memory subset = _pickSubset(subsetSeed);
        _postAndCheck(subset);
    }

    /// @dev Chooses the f malicious operators and every operator's value for a round at `base * moveBps / 10_000`.
    function _pickRound(uint256 moveBps, uint256 seed) private {
        uint256 level = c.base * moveBps / 10_000;
        delete c.malicious;
        delete c.values;
        for (uint256 i; i < c.n; ++i) {
            c.malicious.push(false);
            // Honest values: level plus up to half the tolerance, so any two agree within it.
            c.values.push(level + _bound(uint256(keccak256(abi.encode(seed, "honest", i))), 0, level * SPREAD_BPS / 20_000));
        }
        // f distinct malicious positions (partial Fisher-Yates over the positions).
        uint256[] memory order = new uint256[](c.n);
        for (uint256 i; i < c.n; ++i) {
            order[i] = i;
        }
        for (uint256 k; k < c.f; ++k) {
            uint256 j = k + uint256(keccak256(abi.encode(seed, "pick", k))) % (c.n - k);
            (order[k], order[j]) = (order[j], order[k]);
            c.malicious[order[k]] = true;
        }
        (uint256 minHonest, uint256 maxHonest) = _honestRange(_everyone());
        for (uint256 i; i < c.n; ++i) {
            if (c.malicious[i]) {
                c.values[i] = _attack(uint256(keccak256(abi.encode(seed, "attack", i))), c.values[i], minHonest, maxHonest);
            }
        }
    }

    /// @dev An attacker's value. Kinds 6 and 7 are the furthest a value may lie from the honest ones and still pass
    /// the spread check together with all of them.
    function _attack(uint256 r, uint256 honest, uint256 minHonest, uint256 maxHonest) private pure returns (uint256) {
        uint256 kind = r % 8;
        if (kind == 0) return 0;
        if (kind == 1) return 1;
        if (kind == 2) return MAX_VALUE;
        if (kind == 3) return type(uint256).max;
        if (kind == 4) return honest * 1e6;
        if (kind == 5) return honest / 1e6;
        if (kind == 6) return (maxHonest * 10_000 + 10_000 + SPREAD_BPS - 1) / (10_000 + SPREAD_BPS); // just above the low edge
        return minHonest * (10_000 + SPREAD_BPS) / 10_000; // the high edge
    }

    /// @dev A random subset of size in [bar, n] (positions ascending); sometimes forced to hold every malicious one.
    function _pickSubset(uint256 seed) private view returns (uint256[] memory subset) {
        uint256 size = _bound(seed, c.bar, c.n);
        bool takeMalicious = (seed >> 128) % 2 == 0;
        bool[] memory chosen = new bool[](c.n);
        uint256 taken;
        if (takeMalicious) {
            for (uint256 i; i < c.n; ++i) {
                if (c.malicious[i]) {
                    chosen[i] = true;
                    ++taken;
                }
            }
        }
        for (uint256 k; taken < size; ++k) {
            uint256 i = uint256(keccak256(abi.encode(seed, "subset", k))) % c.n;
            if (!chosen[i]) {
                chosen[i] = true;
                ++taken;
            }
        }
        subset = new uint256[](size);
        uint256 next;
        for (uint256 i; i < c.n; ++i) {
            if (chosen[i]) subset[next++] = i;
        }
    }

    function _postAndCheck(uint256[] memory subset) private {
        uint256[] memory values = new uint256[](subset.length);
        bool anyMalicious;
        for (uint256 k; k < subset.length; ++k) {
            values[k] = c.values[subset[k]];
            anyMalicious = anyMalicious || c.malicious[subset[k]];
        }
        (uint256 minHonest, uint256 maxHonest) = _honestRange(subset);
        IIndexOracle.Observation[] memory observations = _round(oracle, subset, values, uint64(T0));

        // verifyFixing (the settlement path) accepts exactly what postFixing accepts (stores or holds), with the same median.
        bool verified;
        uint256 verifiedMedian;
        try oracle.verifyFixing(INDEX, uint64(T0), VERSION, ops, observations) returns (uint256 v) {
            (verified, verifiedMedian) = (true, v);
        } catch {}

        try oracle.postFixing(INDEX, uint64(T0), VERSION, ops, observations) returns (uint256 median) {
            _assertTrue(median >= minHonest && median <= maxHonest, "median outside the honest range");
            _assertEq(median, _referenceMedian(observations), "reference median");
            (uint256 stored, uint64 storedAt) = oracle.latest(INDEX);
            (uint256 held, uint64 heldAt,) = oracle.heldFixing(INDEX);
            // verifyFixing applies no breaker: a held round verifies too, with the same median.
            _assertTrue(verified && verifiedMedian == median, "verifyFixing parity");
            if (storedAt == T0) {
                _assertEq(stored, median, "stored value");
                _assertEq(heldAt, 0, "nothing held");
            } else {
                // Held by the breaker: the stored fixing is untouched.
                _assertEq(stored, c.base, "stored fixing unchanged");
                _assertEq(held, median, "held value");
                _assertEq(heldAt, T0, "held timestamp");
            }
        } catch (bytes memory reason) {
            _assertTrue(!verified, "verifyFixing parity (revert)");
            _assertTrue(anyMalicious, "a subset of honest values must post");
            bytes4 selector = bytes4(reason);
            _assertTrue(
                selector == IIndexOracle.ValueOutOfBounds.selector
                    || selector == IIndexOracle.ObservationsDisagree.selector,
                "unexpected revert"
            );
            (uint256 stored,) = oracle.latest(INDEX);
            _assertEq(stored, c.base, "nothing stored");
        }
    }

    function _everyone() private view returns (uint256[] memory all) {
        all = new uint256[](c.n);
        for (uint256 i; i < c.n; ++i) {
            all[i] = i;
        }
    }

    function _honestRange(uint256[] memory positions) private view returns (uint256 minHonest, uint256 maxHonest) {
        minHonest = type(uint256).max;
        for (uint256 k; k < positions.length; ++k) {
            if (c.malicious[positions[k]]) continue;
            uint256 v = c.values[positions[k]];
            if (v < minHonest) minHonest = v;
            if (v > maxHonest) maxHonest = v;
        }
    }

    function _referenceMedian(IIndexOracle.Observation[] memory sorted) private pure returns (uint256) {
        uint256 n = sorted.length;
        if (n % 2 == 1) return sorted[n / 2].value;
        // Mean rounded down, computed without overflow.
        uint256 a = sorted[n / 2 - 1].value;
        uint256 b = sorted[n / 2].value;
        return a / 2 + b / 2 + (a % 2 + b % 2) / 2;
    }

    /// C11 / C28: the bar is max(2f + 1, n / 2 + 1) of ALL registered operators: fewer valid distinct signatures
    /// always revert, and passing only the signers as the operator list does not lower it.
    function testFuzz_C11_quorumCountsAllOperators(uint256 operatorCount, uint256 faults, uint256 submitted) public {
        operatorCount = _bound(operatorCount, 1, MAX_TEST_OPERATORS);
        uint256 f = _bound(faults, 0, (operatorCount - 1) / 2);
        _deploy(operatorCount, f);
        uint256 needed = _bar(operatorCount, f);
        _assertEq(oracle.quorum(INDEX), needed, "quorum");
        submitted = _bound(submitted, 0, needed - 1);

        IIndexOracle.Observation[] memory observations = _allSign(oracle, submitted, 2e18, uint64(T0));
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.TooFewSignatures.selector, INDEX, submitted, needed));
        oracle.postFixing(INDEX, uint64(T0), VERSION, ops, observations);

        address[] memory signersOnly = new address[](submitted);
        for (uint256 i; i < submitted; ++i) {
            signersOnly[i] = ops[i];
        }
        bytes32 expected = keccak256(abi.encodePacked(ops));
        vm.expectRevert(
            abi.encodeWithSelector(
                IIndexOracle.OperatorSetMismatch.selector, INDEX, expected, keccak256(abi.encodePacked(signersOnly))
            )
        );
        oracle.postFixing(INDEX, uint64(T0), VERSION, signersOnly, observations);
    }

    /// C11: the same operator's observation twice is rejected even when that reaches the quorum count.
    function testFuzz_C11_duplicateSignerRejected(uint256 operatorCount, uint256 duplicated) public {
        operatorCount = _bound(operatorCount, 3, MAX_TEST_OPERATORS);
        _deploy(operatorCount, 1);
        uint256 needed = _bar(operatorCount, 1);
        // One of the first needed - 1 signers signs again in the last slot (needed >= 3).
        duplicated = _bound(duplicated, 0, needed - 2);
        uint256[] memory signers = new uint256[](needed);
        uint256[] memory values = new uint256[](needed);
        for (uint256 i; i < needed; ++i) {
            signers[i] = i;
            values[i] = 2e18;
        }
        signers[needed - 1] = duplicated;
        IIndexOracle.Observation[] memory observations = _round(oracle, signers, values, uint64(T0));
        vm.expectRevert(
            abi.encodeWithSelector(IIndexOracle.DuplicateSigner.selector, INDEX, ops[signers[needed - 1]])
        );
        oracle.postFixing(INDEX, uint64(T0), VERSION, ops, observations);
    }
}
