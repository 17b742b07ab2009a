// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IIndexOracle} from "../../../contracts/oracle/IIndexOracle.sol";
import {OracleTestBase} from "./OracleTestBase.sol";

/// @dev Operator-set bookkeeping under random add/remove sequences, and what a change does to posting.
contract OracleOperatorsTest is OracleTestBase {
    uint256 private constant POOL = 40;

    function setUp() public {
        _deploy(3);
    }

    /// After any sequence of adds and removes: the stored hash is the hash of `operators()`, the count and quorum
    /// follow the list, `isOperator` agrees with it, the list never empties and never exceeds MAX_OPERATORS.
    function testFuzz_operatorSetStaysConsistent(uint256 seed) public {
        for (uint256 step; step < 40; ++step) {
            uint256 r = uint256(keccak256(abi.encode(seed, step)));
            address candidate = vm.addr(0xA11CE + r % POOL);
            bool registered = oracle.isOperator(INDEX, candidate);
            uint256 count = oracle.operators(INDEX).length;
            if ((r >> 128) % 2 == 0) {
                if (registered) {
                    vm.expectRevert(
                        abi.encodeWithSelector(IIndexOracle.OperatorAlreadyRegistered.selector, INDEX, candidate)
                    );
                } else if (count == 32) {
                    vm.expectRevert(abi.encodeWithSelector(IIndexOracle.TooManyOperators.selector, INDEX, 33, 32));
                }
                oracle.addOperator(INDEX, candidate);
            } else {
                if (!registered) {
                    vm.expectRevert(abi.encodeWithSelector(IIndexOracle.NotAnOperator.selector, INDEX, candidate));
                } else if (count == 1) {
                    vm.expectRevert(abi.encodeWithSelector(IIndexOracle.LastOperator.selector, INDEX, candidate));
                }
                oracle.removeOperator(INDEX, candidate);
            }
            _checkConsistent();
        }
    }

    function _checkConsistent() private view {
        address[] memory list = oracle.operators(INDEX);
        (,,, uint16 count, bytes32 hash) = oracle.indexConfig(INDEX);
        _assertEq(count, list.length, "count");
        _assertTrue(list.length >= 1 && list.length <= 32, "size");
        _assertTrue(hash == keccak256(abi.encodePacked(list)), "hash");
        _assertEq(oracle.quorum(INDEX), list.length / 2 + 1, "quorum");
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
        uint256 needed = ops.length / 2 + 1;
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
