// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {OrderLib} from "../../../contracts/libraries/OrderLib.sol";
import {TestBase} from "./utils/Vm.sol";

/// @dev Exposes the assembly `OrderLib.recover`/`digest` and their OpenZeppelin reference with calldata inputs.
contract RecoverHarness {
    function recover(bytes32 hash, bytes calldata signature) external view returns (address) {
        return OrderLib.recover(hash, signature);
    }

    function reference_(bytes32 hash, bytes calldata signature) external pure returns (address signer) {
        (uint8 v, bytes32 r, bytes32 s) = ECDSA.parseCalldata(signature);
        (signer,,) = ECDSA.tryRecover(hash, v, r, s);
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

    /// Canonical 65-byte and 64-byte (EIP-2098) signatures recover the signer; the high-s twin, a wrong v, a
    /// tampered r and arbitrary bytes give what OpenZeppelin gives (address(0) for the first two).
    function testFuzz_C04_recoverEqualsOpenZeppelin(uint256 keySeed, bytes32 hash, uint8 form, bytes32 noise) public view {
        uint256 key = bound(keySeed, 1, N - 1);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, hash);
        address signer = vm.addr(key);
        form = uint8(bound(form, 0, 5));
        bytes memory sig;
        address expected = address(0);
        if (form == 0) {
            sig = abi.encodePacked(r, s, v);
            expected = signer;
        } else if (form == 1) {
            sig = abi.encodePacked(r, bytes32(uint256(s) | (uint256(v - 27) << 255)));
            expected = signer;
        } else if (form == 2) {
            sig = abi.encodePacked(r, bytes32(N - uint256(s)), v == 27 ? uint8(28) : uint8(27)); // malleable twin
        } else if (form == 3) {
            sig = abi.encodePacked(r, s, uint8(v + 2));
        } else if (form == 4) {
            sig = abi.encodePacked(r ^ noise, s, v);
            expected = h.reference_(hash, sig);
        } else {
            sig = abi.encodePacked(noise, r, s, v);
            uint256 len = bound(uint256(noise), 0, sig.length);
            assembly {
                mstore(sig, len)
            }
        }
        address got = h.recover(hash, sig);
        assertEq(uint256(uint160(got)), uint256(uint160(h.reference_(hash, sig))), "recover equals OpenZeppelin");
        if (form <= 4) assertEq(uint256(uint160(got)), uint256(uint160(expected)), "expected signer");
    }

    /// The digest equals keccak256(0x1901 || separator || structHash) and leaves the free memory pointer alone.
    function testFuzz_C03_digestEqualsEncodePacked(bytes32 separator, bytes32 structHash) public view {
        (bytes32 d, uint256 moved) = h.digest(separator, structHash);
        assertEq(d, keccak256(abi.encodePacked(hex"1901", separator, structHash)), "digest");
        assertEq(moved, 0, "free memory pointer restored");
    }
}
