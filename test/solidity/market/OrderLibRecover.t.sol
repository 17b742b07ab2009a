// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {OrderLib} from "../../../contracts/libraries/OrderLib.sol";
import {TestBase} from "./utils/Vm.sol";

/// @dev Exposes the assembly `OrderLib.recover`/`digest` and their OpenZeppelin reference.
contract RecoverHarness {
    function recover(bytes32 hash, bytes32 r, bytes32 vs) external view returns (address) {
        return OrderLib.recover(hash, r, vs);
    }

    function reference_(bytes32 hash, bytes32 r, bytes32 vs) external pure returns (address signer) {
        (signer,,) = ECDSA.tryRecover(hash, r, vs);
    }

    function digest(bytes32 separator, bytes32 structHash) external pure returns (bytes32 d, uint256 freePtrMoved) {
        uint256 before;
        assembly {
            before := mload(0x40)
        }
        d = OrderLib.digest(separator, structHash);
        uint256 afterPtr;
        assembly {
            afterPtr := mload(0x40)
        }
        freePtrMoved = afterPtr - before;
    }
}

/// @notice The precompile-direct signature recovery and the scratch-memory digest equal OpenZeppelin's (C04, C03).
contract OrderLibRecoverTest is TestBase {
    uint256 internal constant N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    RecoverHarness internal h;

    function setUp() public {
        h = new RecoverHarness();
    }

    /// A canonical compact (EIP-2098) signature recovers the signer; an s in the upper half of the curve order (the
    /// only high s the form can carry: the twin n - s of a real signature is >= 2^255 but for a 2^-128 fraction), the
    /// wrong parity, a tampered r and arbitrary words give what OpenZeppelin gives: address(0) for the high s,
    /// never the signer otherwise.
    function testFuzz_C04_recoverEqualsOpenZeppelin(uint256 keySeed, bytes32 hash, uint8 form, bytes32 noise, bytes32 noise2)
        public
        view
    {
        uint256 key = bound(keySeed, 1, N - 1);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, hash);
        address signer = vm.addr(key);
        uint256 parity = uint256(v - 27) << 255;
        form = uint8(bound(form, 0, 4));
        bytes32 vs = bytes32(uint256(s) | parity);
        if (form == 1) vs = bytes32(parity | (N / 2 + 1 + bound(uint256(noise), 0, (1 << 255) - N / 2 - 2))); // high s
        else if (form == 2) vs = bytes32(uint256(vs) ^ (1 << 255)); // wrong parity
        else if (form == 3) r ^= noise | bytes32(uint256(1)); // tampered r
        else if (form == 4) (r, vs) = (noise, noise2);
        address got = h.recover(hash, r, vs);
        assertEq(uint256(uint160(got)), uint256(uint160(h.reference_(hash, r, vs))), "recover equals OpenZeppelin");
        if (form == 0) assertEq(uint256(uint160(got)), uint256(uint160(signer)), "signer");
        if (form == 1) assertEq(uint256(uint160(got)), 0, "high s rejected");
        if (form == 2 || form == 3) assertTrue(got != signer, "not the signer");
    }

    /// The digest equals keccak256(0x1901 || separator || structHash) and leaves the free memory pointer alone.
    function testFuzz_C03_digestEqualsEncodePacked(bytes32 separator, bytes32 structHash) public view {
        (bytes32 d, uint256 moved) = h.digest(separator, structHash);
        assertEq(d, keccak256(abi.encodePacked(hex"1901", separator, structHash)), "digest");
        assertEq(moved, 0, "free memory pointer restored");
    }
}
