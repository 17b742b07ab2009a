// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Order} from "../futures/IFuturesMarket.sol";

/// @title OrderLib
/// @notice EIP-712 hashing of orders and strict signature recovery.
library OrderLib {
    /// @dev keccak256 of the canonical EIP-712 type string (checked against the SDK in tests).
    bytes32 internal constant ORDER_TYPEHASH = keccak256(
        "Order(address maker,bytes32 seriesId,bool isBuy,uint64 size,uint128 limitPrice,uint64 expiry,uint64 nonce,uint16 maxFeeBps)"
    );

    /// @notice The market's EIP-712 domain name and version (OpenZeppelin `EIP712` builds the separator).
    string internal constant NAME = "tokenfutures";
    string internal constant VERSION = "1";

    /// @notice `keccak256("\x19\x01" || domainSeparator || structHash)`.
    /// @dev Hashes in scratch memory (no allocation), as OpenZeppelin's `MessageHashUtils.toTypedDataHash`. Equals:
    /// `return keccak256(abi.encodePacked(hex"1901", separator, structHash_));`
    function digest(bytes32 separator, bytes32 structHash_) internal pure returns (bytes32 d) {
        assembly ("memory-safe") {
            let freePtr := mload(0x40)
            mstore(0x00, 0x1901) // bytes 0x1e..0x1f
            mstore(0x20, separator)
            mstore(0x40, structHash_)
            d := keccak256(0x1e, 0x42)
            mstore(0x40, freePtr) // restore the free memory pointer
        }
    }

    /// @notice `order` copied to memory as it is: its fields are then read from memory (masked to their type)
    /// instead of from calldata (validated on every read).
    /// @dev No field needs validation: the digest is computed from the same raw words (`structHash`), and a word
    /// with dirty high bits gives a digest that no EIP-712 signer produces, so such an order never fills unless
    /// its maker hand-signed that raw digest, and then its fields mean their masked values.
    function load(Order calldata order) internal pure returns (Order memory o) {
        assembly ("memory-safe") {
            calldatacopy(o, order, 256) // 8 static fields x 32 bytes
        }
    }

    /// @notice EIP-712 `hashStruct(order)` = keccak256(ORDER_TYPEHASH || the 8 fields as 32-byte words).
    /// @dev Every field is static, so `encodeData` is the struct's memory words (copied by `load`); they are
    /// hashed as they are. For a canonical order this equals `keccak256(abi.encode(ORDER_TYPEHASH, o))`.
    function structHash(Order memory o) internal pure returns (bytes32 h) {
        bytes32 typeHash = ORDER_TYPEHASH;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, typeHash)
            mcopy(add(ptr, 0x20), o, 256)
            h := keccak256(ptr, 288)
        }
    }

    /// @notice `structHash` through `abi.encode`, which reverts on non-canonical calldata: used by `cancel`, so a
    /// malformed encoding can never cancel a digest other than the one the maker means.
    function structHashStrict(Order calldata order) internal pure returns (bytes32) {
        return keccak256(abi.encode(ORDER_TYPEHASH, order));
    }

    /// @notice The signer of `hash` from an EIP-2098 compact signature `(r, vs)`, or address(0) when s is in the
    /// upper half of the curve order or the recovery fails.
    /// @dev Calls the ecrecover precompile directly (no memory allocation, no error tuple). Equals
    /// `(signer,,) = ECDSA.tryRecover(hash, r, vs)` (checked against OpenZeppelin by a differential fuzz test,
    /// test/solidity/market/OrderLibRecover.t.sol).
    function recover(bytes32 hash, bytes32 r, bytes32 vs) internal view returns (address signer) {
        assembly ("memory-safe") {
            // The top bit of `vs` is the y parity, the rest is s.
            let v := add(shr(255, vs), 27)
            let s := shr(1, shl(1, vs))
            // High s (the malleable twin of a valid signature) fails: v = 0 makes the precompile return nothing.
            if gt(s, 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0) { v := 0 }
            let m := mload(0x40) // scratch above the free memory pointer, not allocated
            mstore(m, hash)
            mstore(add(m, 0x20), v)
            mstore(add(m, 0x40), r)
            mstore(add(m, 0x60), s)
            // The precompile returns 32 bytes (the signer) on success and nothing on failure (bad v, r, s).
            let ok := staticcall(gas(), 0x01, m, 0x80, 0x00, 0x20)
            signer := mul(mload(0x00), and(ok, eq(returndatasize(), 0x20)))
        }
    }
}
