// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IIndexOracle} from "../../../contracts/oracle/IIndexOracle.sol";
import {IndexOracle} from "../../../contracts/oracle/IndexOracle.sol";
import {OracleTestBase} from "./OracleTestBase.sol";

/// @dev C01-C04: domain binding, typehash and signature canonicality of IndexOracle.postFixing.
contract OracleSignaturesTest is OracleTestBase {
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    function setUp() public {
        _deploy(3, 1);
    }

    function _expectedDomain(uint256 chainId, address verifyingContract) private pure returns (bytes32) {
        return keccak256(
            abi.encode(
                DOMAIN_TYPEHASH, keccak256("tokenfutures-oracle"), keccak256("1"), chainId, verifyingContract
            )
        );
    }

    /// C01: a fixing signed on chain A is rejected after the chain id changes to B; the separator is rebuilt.
    function test_C01_chainIdChange_rejectsSignatureFromOtherChain(uint64 chainB) public {
        uint256 chainA = block.chainid;
        vm.assume(chainB != chainA && chainB != 0);
        _assertTrue(oracle.DOMAIN_SEPARATOR() == _expectedDomain(chainA, address(oracle)), "domain on chain A");
        IIndexOracle.Observation[] memory signedOnA = _allSign(oracle, 3, 2e18, uint64(T0));

        vm.chainId(chainB);
        _assertTrue(oracle.DOMAIN_SEPARATOR() == _expectedDomain(chainB, address(oracle)), "domain rebuilt on B");
        // The signature recovers some other address on chain B: not an operator.
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.UnknownSigner.selector, INDEX, _recover(oracle, signedOnA[0])));
        oracle.postFixing(INDEX, uint64(T0), VERSION, ops, signedOnA);

        // Signed for chain B, the same round is accepted.
        oracle.postFixing(INDEX, uint64(T0), VERSION, ops, _allSign(oracle, 3, 2e18, uint64(T0)));
        (uint256 value,) = oracle.latest(INDEX);
        _assertEq(value, 2e18, "value posted on B");
    }

    /// C02: the same operators registered on two deployments; a signature for one is rejected by the other.
    function test_C02_twoDeployments_rejectSignatureForTheOther(uint256 value) public {
        value = _bound(value, 1, type(uint96).max);
        IndexOracle second = new IndexOracle(address(this));
        second.createIndex(INDEX, _params(1), ops);
        _assertTrue(second.DOMAIN_SEPARATOR() != oracle.DOMAIN_SEPARATOR(), "distinct domains");

        IIndexOracle.Observation[] memory forFirst = _allSign(oracle, 3, value, uint64(T0));
        vm.expectRevert(
            abi.encodeWithSelector(IIndexOracle.UnknownSigner.selector, INDEX, _recover(second, forFirst[0]))
        );
        second.postFixing(INDEX, uint64(T0), VERSION, ops, forFirst);

        oracle.postFixing(INDEX, uint64(T0), VERSION, ops, forFirst);
        (, uint64 secondTimestamp) = _latestOrZero(second);
        _assertEq(secondTimestamp, 0, "second deployment untouched");
    }

    function _latestOrZero(IndexOracle target) private view returns (uint256, uint64) {
        IIndexOracle.Fixing memory fixing = target.latestFixing(INDEX);
        return (fixing.value, fixing.timestamp);
    }

    /// C03: the typehash is the keccak of the canonical type string.
    function test_C03_typehashIsCanonical() public view {
        _assertTrue(
            oracle.OBSERVATION_TYPEHASH()
                == keccak256(
                    "Observation(bytes32 indexId,uint64 timestamp,uint32 methodologyVersion,uint256 value,bytes32 inputsHash)"
                ),
            "typehash"
        );
    }

    /// C03: the digest is the EIP-712 hash of the struct, and changing any field changes it.
    function test_C03_digestBindsEveryField(
        bytes32 indexId,
        uint64 timestamp,
        uint32 version,
        uint256 value,
        bytes32 inputsHash,
        uint8 field
    ) public view {
        bytes32 structHash =
            keccak256(abi.encode(oracle.OBSERVATION_TYPEHASH(), indexId, timestamp, version, value, inputsHash));
        bytes32 digest = oracle.observationDigest(indexId, timestamp, version, value, inputsHash);
        _assertTrue(
            digest == keccak256(abi.encodePacked("\x19\x01", oracle.DOMAIN_SEPARATOR(), structHash)), "EIP-712 digest"
        );

        field = field % 5;
        if (field == 0) indexId = bytes32(uint256(indexId) ^ 1);
        else if (field == 1) timestamp ^= 1;
        else if (field == 2) version ^= 1;
        else if (field == 3) value ^= 1;
        else inputsHash = bytes32(uint256(inputsHash) ^ 1);
        _assertTrue(oracle.observationDigest(indexId, timestamp, version, value, inputsHash) != digest, "field bound");
    }

    /// C04: a high-s signature is rejected while its low-s twin (n - s, v flipped) from the same signer is accepted.
    /// @dev The twin of a normal (low-s) signature has s > 2**255 and cannot even be written in EIP-2098 form, so
    /// the test builds the high-s signature first, for an operator known only by the address it recovers to.
    function test_C04_highSVariantRejected(uint256 seed, bool odd) public {
        bytes32 index = "MALLEABLE";
        uint256 highS = _bound(seed, HALF_N + 1, (1 << 255) - 1);
        uint8 v = odd ? 28 : 27;
        bytes32 inputsHash = keccak256("inputs");
        bytes32 digest = oracle.observationDigest(index, uint64(T0), VERSION, 2e18, inputsHash);
        // Any valid x-coordinate works as r: take one from a real signature.
        (, bytes32 r,) = vm.sign(keys[0], keccak256(abi.encode(seed)));
        address[] memory single = new address[](1);
        single[0] = ecrecover(digest, v, r, bytes32(highS));
        vm.assume(single[0] != address(0));
        oracle.createIndex(index, _params(0), single);

        IIndexOracle.Observation[] memory observations = new IIndexOracle.Observation[](1);
        observations[0] = IIndexOracle.Observation(2e18, inputsHash, r, _compactVs(v, bytes32(highS)));
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.InvalidSignature.selector, uint256(0)));
        oracle.postFixing(index, uint64(T0), VERSION, single, observations);

        observations[0].vs = _compactVs(v == 27 ? 28 : 27, bytes32(N - highS));
        oracle.postFixing(index, uint64(T0), VERSION, single, observations);
        (uint256 stored,) = oracle.latest(index);
        _assertEq(stored, 2e18, "low-s twin accepted");
    }

    /// C04: flipping the v bit of a compact signature recovers another address (or none): rejected.
    function test_C04_vShiftedVariantRejected(uint256 value) public {
        value = _bound(value, 1, type(uint96).max);
        IIndexOracle.Observation[] memory observations = _allSign(oracle, 3, value, uint64(T0));
        observations[0].vs = bytes32(uint256(observations[0].vs) ^ (1 << 255));
        address recovered = _recover(oracle, observations[0]);
        if (recovered == address(0)) {
            vm.expectRevert(abi.encodeWithSelector(IIndexOracle.InvalidSignature.selector, uint256(0)));
        } else {
            vm.expectRevert(abi.encodeWithSelector(IIndexOracle.UnknownSigner.selector, INDEX, recovered));
        }
        oracle.postFixing(INDEX, uint64(T0), VERSION, ops, observations);
    }

    /// C04: a signature from which ecrecover returns address(0) (r = 0) is rejected.
    function test_C04_zeroRecoveredAddressRejected() public {
        IIndexOracle.Observation[] memory observations = _allSign(oracle, 3, 2e18, uint64(T0));
        observations[1].r = bytes32(0);
        _assertTrue(_recover(oracle, observations[1]) == address(0), "ecrecover gives 0");
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.InvalidSignature.selector, uint256(1)));
        oracle.postFixing(INDEX, uint64(T0), VERSION, ops, observations);
    }

    /// @dev The address the raw ecrecover precompile yields for `o` under `target`'s domain (no low-s check).
    function _recover(IndexOracle target, IIndexOracle.Observation memory o) private view returns (address) {
        bytes32 digest = target.observationDigest(INDEX, uint64(T0), VERSION, o.value, o.inputsHash);
        uint8 v = uint8(uint256(o.vs) >> 255) + 27;
        bytes32 s = bytes32(uint256(o.vs) & (type(uint256).max >> 1));
        return ecrecover(digest, v, o.r, s);
    }
}
