// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IIndexOracle} from "../../../contracts/oracle/IIndexOracle.sol";
import {IndexOracle} from "../../../contracts/oracle/IndexOracle.sol";

/// @dev The cheatcodes these tests use (the npm forge-std does not work with Hardhat here, see TOOLCHAIN.md).
interface Vm {
    function addr(uint256 privateKey) external pure returns (address);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function chainId(uint256 newChainId) external;
    function warp(uint256 newTimestamp) external;
    function expectRevert(bytes calldata revertData) external;
    function expectEmit() external;
    function prank(address msgSender) external;
    function assume(bool condition) external pure;
}

/// @dev Shared set-up: one oracle owned by the test, operators with known keys, signing and sorting helpers.
abstract contract OracleTestBase {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    bytes32 internal constant INDEX = "ATPI";
    uint32 internal constant SKEW = 300;
    uint32 internal constant VERSION = 1;
    uint256 internal constant T0 = 1_750_000_000;
    /// @dev secp256k1 group order.
    uint256 internal constant N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    /// @dev floor(N / 2): the largest s the oracle accepts.
    uint256 internal constant HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    IndexOracle internal oracle;
    uint256[] internal keys;
    address[] internal ops;

    /// @dev The ATPI defaults of scripts/lib/deploy.ts: 0.5 % spread, 10 % breaker, one hour of delay.
    uint16 internal constant SPREAD_BPS = 50;
    uint16 internal constant BREAKER_BPS = 1_000;
    uint32 internal constant BREAKER_DELAY = 3_600;
    uint96 internal constant MAX_VALUE = type(uint96).max;

    /// @dev Index parameters with bounds [1, 2**96 - 1], the default tolerances and fault tolerance `f`.
    function _params(uint256 f) internal pure returns (IIndexOracle.IndexParams memory) {
        return IIndexOracle.IndexParams(1, MAX_VALUE, SKEW, uint8(f), SPREAD_BPS, BREAKER_BPS, BREAKER_DELAY);
    }

    /// @dev Deploys a fresh oracle with `count` operators for INDEX, fault tolerance `f`, `_params` otherwise.
    function _deploy(uint256 count, uint256 f) internal {
        vm.warp(T0);
        oracle = new IndexOracle(address(this));
        delete keys;
        delete ops;
        for (uint256 i; i < count; ++i) {
            keys.push(0xA11CE + i);
            ops.push(vm.addr(0xA11CE + i));
        }
        oracle.createIndex(INDEX, _params(f), ops);
    }

    /// @dev max(2f + 1, n / 2 + 1), computed independently of the contract.
    function _bar(uint256 n, uint256 f) internal pure returns (uint256) {
        return 2 * f + 1 > n / 2 + 1 ? 2 * f + 1 : n / 2 + 1;
    }

    function _sign(IndexOracle target, uint256 key, uint64 timestamp, uint256 value)
        internal
        view
        returns (IIndexOracle.Observation memory)
    {
        bytes32 inputsHash = keccak256(abi.encode(key, timestamp, value));
        bytes32 digest = target.observationDigest(INDEX, timestamp, VERSION, value, inputsHash);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return IIndexOracle.Observation(value, inputsHash, r, _compactVs(v, s));
    }

    /// @dev EIP-2098: the top bit of vs carries v - 27.
    function _compactVs(uint8 v, bytes32 s) internal pure returns (bytes32) {
        return bytes32(uint256(s) | (uint256(v - 27) << 255));
    }

    /// @dev Observations by operators `signers` (positions in `keys`) with `values`, sorted ascending by value.
    function _round(IndexOracle target, uint256[] memory signers, uint256[] memory values, uint64 timestamp)
        internal
        view
        returns (IIndexOracle.Observation[] memory observations)
    {
        observations = new IIndexOracle.Observation[](signers.length);
        for (uint256 i; i < signers.length; ++i) {
            observations[i] = _sign(target, keys[signers[i]], timestamp, values[i]);
        }
        _sortByValue(observations);
    }

    function _sortByValue(IIndexOracle.Observation[] memory observations) internal pure {
        for (uint256 i = 1; i < observations.length; ++i) {
            IIndexOracle.Observation memory current = observations[i];
            uint256 j = i;
            while (j > 0 && observations[j - 1].value > current.value) {
                observations[j] = observations[j - 1];
                --j;
            }
            observations[j] = current;
        }
    }

    /// @dev The first `count` operators, each signing `value`.
    function _allSign(IndexOracle target, uint256 count, uint256 value, uint64 timestamp)
        internal
        view
        returns (IIndexOracle.Observation[] memory)
    {
        uint256[] memory signers = new uint256[](count);
        uint256[] memory values = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            signers[i] = i;
            values[i] = value;
        }
        return _round(target, signers, values, timestamp);
    }

    /// @dev Maps `x` into [min, max] (inclusive).
    function _bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        return min + (x % (max - min + 1));
    }

    function _assertEq(uint256 a, uint256 b, string memory what) internal pure {
        if (a != b) revert(string.concat(what, ": values differ"));
    }

    function _assertTrue(bool condition, string memory what) internal pure {
        if (!condition) revert(what);
    }
}
