// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SeriesParams} from "../futures/IFuturesMarket.sol";

/// @title SeriesLib
/// @notice Series id derivation and listing rules.
library SeriesLib {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant BPS = 10_000;
    uint256 internal constant MAX_FEE_BPS = 1_000;

    /// @notice `keccak256(abi.encode(params))`.
    /// @dev Hashes the 15 calldata words directly. For canonical calldata this equals `abi.encode`; a call with
    /// dirty high bits hashes to an id that was never listed (listing decodes and validates every field).
    function id(SeriesParams calldata params) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, params, 480) // 15 static fields x 32 bytes
            h := keccak256(ptr, 480)
        }
    }

    /// @notice `params` copied to memory as they are, and their id (`keccak256(abi.encode(params))`).
    /// @dev One copy of the 15 words (over the struct the compiler allocates and zeroes for `p`), hashed where it
    /// lies; fields are then read from memory (masked to their type) instead of from calldata (validated on every
    /// read). No field needs validation: a word with dirty high bits gives an id that was never listed (listing
    /// decodes and validates every field), so every call that passes the listed check ran on canonical parameters.
    /// Callers that need only the id use `id` (no copy kept).
    function load(SeriesParams calldata params) internal pure returns (SeriesParams memory p, bytes32 h) {
        assembly ("memory-safe") {
            calldatacopy(p, params, 480)
            h := keccak256(p, 480)
        }
    }

    /// @notice The number of the first listing rule `params` break, or 0 when all hold.
    /// 1 index set; 2 expiry in the future; 3 0 < contract size < 2^96 and tick > 0; 4 tick * contractSize is a multiple
    /// of 1e18 (exact notionals); 5 minSize > 0; 6 0 < penalty < maintenance < initial <= 100 %;
    /// 7 fees <= 10 %; 8 0 < band <= 100 %; 9 maxFixingAge > 0; 10 0 < window <= grace; 11 0 < price limit <
    /// maintenance (the gap rule: a mark step of at most the limit cannot take an account at maintenance below zero
    /// equity, see docs/contracts.md).
    function firstBrokenRule(SeriesParams calldata p, uint256 nowTs) internal pure returns (uint256) {
        if (p.indexId == bytes32(0)) return 1;
        if (p.expiry <= nowTs) return 2;
        if (p.contractSize == 0 || p.contractSize >= 2 ** 96 || p.tickSize == 0) return 3;
        if ((uint256(p.tickSize) * p.contractSize) % WAD != 0) return 4;
        if (p.minSize == 0) return 5;
        if (
            p.liquidationPenaltyBps == 0 || p.liquidationPenaltyBps >= p.maintenanceMarginBps
                || p.maintenanceMarginBps >= p.initialMarginBps || p.initialMarginBps > BPS
        ) return 6;
        if (p.makerFeeBps > MAX_FEE_BPS || p.takerFeeBps > MAX_FEE_BPS) return 7;
        if (p.priceBandBps == 0 || p.priceBandBps > BPS) return 8;
        if (p.maxFixingAge == 0) return 9;
        if (p.settlementWindow == 0 || p.settlementGrace < p.settlementWindow) return 10;
        if (p.priceLimitBps == 0 || p.priceLimitBps >= p.maintenanceMarginBps) return 11;
        return 0;
    }
}
