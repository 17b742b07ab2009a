// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IIndexOracle} from "../../../contracts/oracle/IIndexOracle.sol";
import {OracleTestBase} from "./OracleTestBase.sol";

/// @dev C28 (operator-set rules): random add / remove / fault-tolerance sequences keep every index postable
/// (n >= quorum) and f honest (f < quorum, so f operators never reach the bar alone); bookkeeping stays consistent.
contract OracleOperatorsTest is OracleTestBase {
    uint256 private constant POOL = 40;

    function setUp() public {
        _deploy(3, 1);
    }

    /// C28: after any sequence of adds, removes and f changes (the forbidden ones revert with their typed error):
    /// n >= 2f + 1, quorum = max(2f + 1, n / 2 + 1) with f < quorum <= n, the stored hash is the hash of
    /// `operators()`, `isOperator` agrees with it, and the list never exceeds MAX_OPERATORS.
    function testFuzz_C28_operatorSetStaysPostableAndHonest(uint256 seed) public {
        for (uint256 step; step < 40; ++step) {
            uint256 r = uint256(keccak256(abi.encode(seed, step)));
            address candidate = vm.addr(0xA11CE + r % POOL);
            bool registered = oracle.isOperator(INDEX, candidate);
            uint256 count = oracle.operators(INDEX).length;
            (uint8 f,,,) = oracle.tolerances(INDEX);
            uint256 action = (r >> 128) % 3;
            if (action == 0) {
                if (registered) {
                    vm.expectRevert(
                        abi.encodeWithSelector(IIndexOracle.OperatorAlreadyRegistered.selector, INDEX, candidate)
                    );
                } else if (count == 32) {
                    vm.expectRevert(abi.encodeWithSelector(IIndexOracle.TooManyOperators.selector, INDEX, 33, 32));
                }
                oracle.addOperator(INDEX, candidate);
            } else if (action == 1) {
                if (!registered) {
                    vm.expectRevert(abi.encodeWithSelector(IIndexOracle.NotAnOperator.selector, INDEX, candidate));
                } else if (count - 1 < 2 * uint256(f) + 1) {
                    vm.expectRevert(
                        abi.encodeWithSelector(IIndexOracle.NotEnoughOperators.selector, INDEX, count - 1, f)
                    );
                }
                oracle.removeOperator(INDEX, candidate);
            } else {
                uint8 newF = uint8((r >> 64) % 17);
                if (newF == f) {
                    vm.expectRevert(abi.encodeWithSelector(IIndexOracle.FaultToleranceUnchanged.selector, INDEX, newF));
                } else if (count < 2 * uint256(newF) + 1) {
                    vm.expectRevert(
                        abi.encodeWithSelector(IIndexOracle.NotEnoughOperators.selector, INDEX, count, newF)
                    );
                }
                oracle.setFaultTolerance(INDEX, newF);
            }
            _checkConsistent();
        }
    }

    function _checkConsistent() private view {
        address[] memory list = oracle.operators(INDEX);
        (,,, uint16 count, bytes32 hash) = oracle.indexConfig(INDEX);
        (uint8 f,,,) = oracle.tolerances(INDEX);
        uint256 bar = oracle.quorum(INDEX);
        _assertEq(count, list.length, "count");
        _assertTrue(list.length <= 32, "size");
        _assertTrue(list.length >= 2 * uint256(f) + 1, "n >= 2f + 1");
        _assertEq(bar, _bar(list.length, f), "quorum");
        _assertTrue(bar > f && bar <= list.length, "f < quorum <= n");
        _assertTrue(hash == keccak256(abi.encodePacked(list)), "hash");
        uint256 members;
        for (uint256 k; k < POOL; ++k) {
            address account = vm.addr(0xA11CE + k);
            bool inList;
            for (uint256 j; j < list.length; ++j) {
                if (list[j] == account) inList = true;
            }
            _assertTrue(inList == oracle.isOperator(INDEX, account), "isOperator");
            if (inList) ++members;
        }
        _assertEq(members, list.length, "no duplicates");
    }

    /// After a change, the current list with a quorum of current operators posts; the old list does not.
    function testFuzz_postAfterOperatorChange(uint256 added) public {
        added = _bound(added, 1, 5);
        address[] memory before = oracle.operators(INDEX);
        for (uint256 k; k < added; ++k) {
            keys.push(0xA11CE + 3 + k);
            oracle.addOperator(INDEX, vm.addr(0xA11CE + 3 + k));
        }
        ops = oracle.operators(INDEX);
        uint256 needed = _bar(ops.length, 1);
        IIndexOracle.Observation[] memory observations = _allSign(oracle, needed, 2e18, uint64(T0));

        vm.expectRevert(
            abi.encodeWithSelector(
                IIndexOracle.OperatorSetMismatch.selector,
                INDEX,
                keccak256(abi.encodePacked(ops)),
                keccak256(abi.encodePacked(before))
            )
        );
        oracle.postFixing(INDEX, uint64(T0), VERSION, before, observations);
        oracle.postFixing(INDEX, uint64(T0), VERSION, ops, observations);
    }
}
