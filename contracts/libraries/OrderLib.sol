// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Order} from "../futures/IFuturesMarket.sol";

/// @title OrderLib
/// @notice EIP-712 hashing of orders and strict signature recovery.
library OrderLib {
    /// @dev keccak256 of the canonical EIP-712 type string (checked against the SDK in tests).
    bytes32 internal constant ORDER_TYPEHASH = keccak256(
        "Order(address maker,bytes32 seriesId,bool isBuy,uint64 size,uint128 limitPrice,uint64 expiry,uint64 nonce,uint16 maxFeeBps)"
    );

    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant NAME_HASH = keccak256("tokenfutures");
    bytes32 internal constant VERSION_HASH = keccak256("1");

    /// @notice The EIP-712 domain separator of a market at `market` on the current chain.
    function domainSeparator(address market) internal view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, market));
    }

    /// @notice `keccak256("\x19\x01" || domainSeparator || structHash)`.
    function digest(bytes32 separator, bytes32 structHash_) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(hex"1901", separator, structHash_));
    }

    /// @notice EIP-712 `hashStruct(order)` = keccak256(ORDER_TYPEHASH || the 8 fields as 32-byte words).
    /// @dev Every field is static, so `encodeData` is the struct's calldata words; they are hashed directly. For
    /// canonical calldata this equals `keccak256(abi.encode(ORDER_TYPEHASH, order))`; dirty high bits give another
    /// digest, which no maker signed, so such an order never fills.
    function structHash(Order calldata order) internal pure returns (bytes32 h) {
        bytes32 typeHash = ORDER_TYPEHASH;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, typeHash)
            calldatacopy(add(ptr, 0x20), order, 256) // 8 fields x 32 bytes
            h := keccak256(ptr, 288)
        }
    }

    /// @notice `structHash` through `abi.encode`, which reverts on non-canonical calldata: used by `cancel`, so a
    /// malformed encoding can never cancel a digest other than the one the maker means.
    function structHashStrict(Order calldata order) internal pure returns (bytes32) {
        return keccak256(abi.encode(ORDER_TYPEHASH, order));
    }

    /// @notice The signer of `hash`, or address(0) for anything but a canonical 65-byte or 64-byte (EIP-2098)
    /// signature with low s and v in {27, 28}.
    function recover(bytes32 hash, bytes calldata signature) internal pure returns (address signer) {
        (uint8 v, bytes32 r, bytes32 s) = ECDSA.parseCalldata(signature);
        (signer,,) = ECDSA.tryRecover(hash, v, r, s);
    }
}
