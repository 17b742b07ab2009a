// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IFuturesMarket} from "../futures/IFuturesMarket.sol";

/// @title SeriesMark
/// @notice A series' second storage slot as one word, the only way the market reads or writes it: the mark
/// (bits 0..127), the oracle timestamp the mark was taken from (128..167), the series' collateral (168..247) and
/// `initialised` (248..255), the layout of `IFuturesMarket.SeriesState.mark`, `markTime`, `collateral` and
/// `initialised`. A trade loads the word once (mark, collateral), updates it on the stack and stores it once.
/// @dev Listing sets `initialised`, so the word is never zero when the first trade writes it (no 20,000-gas
/// SSTORE from zero inside a trade).
library SeriesMark {
    uint256 internal constant BPS = 10_000;
    uint256 internal constant MASK128 = type(uint128).max;
    uint256 internal constant MASK40 = type(uint40).max;
    uint256 internal constant MASK80 = type(uint80).max;
    uint256 internal constant TIME_SHIFT = 128;
    uint256 internal constant COLLATERAL_SHIFT = 168;
    uint256 internal constant INITIALISED_SHIFT = 248;

    /// @notice The series' collateral would not fit its 80-bit field (2^80 units: 1.2e18 USDC).
    error SeriesCollateralOverflow(uint256 value);

    function mark(uint256 word) internal pure returns (uint256) {
        return word & MASK128;
    }

    function markTime(uint256 word) internal pure returns (uint64) {
        return uint64((word >> TIME_SHIFT) & MASK40);
    }

    function collateral(uint256 word) internal pure returns (uint256) {
        return (word >> COLLATERAL_SHIFT) & MASK80;
    }

    /// @notice The word of a newly listed series: no mark, no collateral, `initialised` set.
    function initialWord() internal pure returns (uint256) {
        return uint256(1) << INITIALISED_SHIFT;
    }

    /// @notice The word with the mark set to `mark_` taken from the fixing of time `time` (`mark_` < 2^128 and
    /// `time` < 2^40: the market's index range check guarantees both).
    function withMark(uint256 word, uint256 mark_, uint64 time) internal pure returns (uint256) {
        return (word >> COLLATERAL_SHIFT << COLLATERAL_SHIFT) | (uint256(time) << TIME_SHIFT) | mark_;
    }

    /// @notice The word with the collateral changed by `delta` (> 0 in, < 0 out). Reverts with
    /// `SeriesCollateralShort` when more would leave than the series holds (isolation: C31).
    function withCollateralDelta(uint256 word, bytes32 seriesId, int256 delta) internal pure returns (uint256) {
        uint256 c = collateral(word);
        uint256 next;
        if (delta >= 0) {
            next = c + uint256(delta);
            if (next > MASK80) revert SeriesCollateralOverflow(next);
        } else {
            uint256 out = uint256(-delta);
            if (out > c) revert IFuturesMarket.SeriesCollateralShort(seriesId, out, c);
            next = c - out;
        }
        return (word & ~(MASK80 << COLLATERAL_SHIFT)) | (next << COLLATERAL_SHIFT);
    }

    /// @notice The price limit: the next mark is `index` clamped to `previous +- previous * limitBps / 10,000`
    /// (the step rounded down, so the limit never widens); the first mark (`previous == 0`) is the index.
    /// @dev limitBps < 10,000 (listing rule 11), so a previous mark >= 1 never steps down to 0.
    function nextMark(uint256 previous, uint256 index, uint256 limitBps) internal pure returns (uint256) {
        if (previous == 0) return index;
        unchecked {
            uint256 step = previous * limitBps / BPS; // previous < 2^128, limitBps < 2^16
            if (index > previous + step) return previous + step;
            if (index + step < previous) return previous - step;
            return index;
        }
    }
}
