// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IIndexOracle} from "../../../contracts/oracle/IIndexOracle.sol";
import {OracleTestBase} from "./OracleTestBase.sol";

/// @dev C11: quorum over all registered operators and robustness of the median against a minority.
contract OracleMedianTest is OracleTestBase {
    uint256 private constant MAX_TEST_OPERATORS = 15;

    /// C11: with f <= floor((q - 1) / 2) adversarial values among q submitted observations, the stored median
    /// lies within [min, max] of the honest values, and equals the reference median of what was submitted.
    function testFuzz_C11_medianWithinHonestRange(
        uint256 operatorCount,
        uint256 submitted,
        uint256 adversaries,
        uint256 start,
        uint256 base,
        uint256 spreadSeed,
        uint256 attackSeed
    ) public {
        operatorCount = _bound(operatorCount, 1, MAX_TEST_OPERATORS);
        _deploy(operatorCount);
        submitted = _bound(submitted, operatorCount / 2 + 1, operatorCount);
        adversaries = _bound(adversaries, 0, (submitted - 1) / 2);
        base = _bound(base, 1, 1e27);

        uint256[] memory signers = new uint256[](submitted);
        uint256[] memory values = new uint256[](submitted);
        uint256 minHonest = type(uint256).max;
        uint256 maxHonest;
        for (uint256 k; k < submitted; ++k) {
            signers[k] = (start % operatorCount + k) % operatorCount;
            // Honest values: base plus up to 100% spread, each operator its own.
            uint256 honest = base + _bound(uint256(keccak256(abi.encode(spreadSeed, k))), 0, base);
            if (k < adversaries) {
                values[k] = _adversarial(honest, uint256(keccak256(abi.encode(attackSeed, k))));
            } else {
                values[k] = honest;
                if (honest < minHonest) minHonest = honest;
                if (honest > maxHonest) maxHonest = honest;
            }
        }

        IIndexOracle.Observation[] memory observations = _round(oracle, signers, values, uint64(T0));
        uint256 stored = oracle.postFixing(INDEX, uint64(T0), VERSION, ops, observations);

        _assertTrue(stored >= minHonest && stored <= maxHonest, "median outside the honest range");
        _assertEq(stored, _referenceMedian(observations), "reference median");
        (uint256 latestValue, uint64 latestTimestamp) = oracle.latest(INDEX);
        _assertEq(latestValue, stored, "stored value");
        _assertEq(latestTimestamp, T0, "stored timestamp");
    }

    /// @dev An attacker's value: tiny (1), huge (2**255), or the honest value scaled by 1e6 up or down.
    function _adversarial(uint256 honest, uint256 seed) private pure returns (uint256) {
        uint256 kind = seed % 4;
        if (kind == 0) return 1;
        if (kind == 1) return 1 << 255;
        if (kind == 2) return honest * 1e6;
        return honest / 1e6 == 0 ? 1 : honest / 1e6;
    }

    function _referenceMedian(IIndexOracle.Observation[] memory sorted) private pure returns (uint256) {
        uint256 n = sorted.length;
        if (n % 2 == 1) return sorted[n / 2].value;
        // Mean rounded down, computed without overflow.
        uint256 a = sorted[n / 2 - 1].value;
        uint256 b = sorted[n / 2].value;
        return a / 2 + b / 2 + (a % 2 + b % 2) / 2;
    }

    /// C11: the quorum is a majority of ALL registered operators: fewer valid distinct signatures always revert.
    function testFuzz_C11_quorumCountsAllOperators(uint256 operatorCount, uint256 submitted) public {
        operatorCount = _bound(operatorCount, 1, MAX_TEST_OPERATORS);
        _deploy(operatorCount);
        uint256 needed = operatorCount / 2 + 1;
        _assertEq(oracle.quorum(INDEX), needed, "quorum");
        submitted = _bound(submitted, 0, needed - 1);

        IIndexOracle.Observation[] memory observations = _allSign(oracle, submitted, 2e18, uint64(T0));
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.TooFewSignatures.selector, INDEX, submitted, needed));
        oracle.postFixing(INDEX, uint64(T0), VERSION, ops, observations);

        // Passing only the signers as the operator list does not lower the bar: the list must be the registered one.
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
        operatorCount = _bound(operatorCount, 2, MAX_TEST_OPERATORS);
        _deploy(operatorCount);
        uint256 needed = operatorCount / 2 + 1;
        // One of the first needed - 1 signers signs again in the last slot (needed >= 2).
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
