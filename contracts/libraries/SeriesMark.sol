// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IFuturesMarket} from "../futures/IFuturesMarket.sol";

/// @title SeriesMark
/// @notice A series' second storage slot as one word, the only way the market reads or writes it: the mark
/// (bits 0..95), the oracle timestamp the mark was taken from (96..135), the series' collateral (136..199), the
/// number of open positions (200..231), `initialised` (232..239) and `settled` (240..247; 248..255 unused), the layout
/// of `IFuturesMarket.SeriesState`'s `mark`, `markTime`, `collateral`, `openPositions`, `initialised` and `closed`. A trade loads the word once (mark,
/// collateral, positions opened or closed), updates it on the stack and stores it once.
/// @dev Listing sets `initialised`, so the word is never zero when the first trade writes it (no 20,000-gas
/// SSTORE from zero inside a trade).
library SeriesMark {
    uint256 internal constant BPS = 10_000;
    uint256 internal constant MASK96 = type(uint96).max;
    uint256 internal constant MASK40 = type(uint40).max;
    uint256 internal constant MASK64 = type(uint64).max;
    uint256 internal constant MASK32 = type(uint32).max;
    uint256 internal constant TIME_SHIFT = 96;
    uint256 internal constant COLLATERAL_SHIFT = 136;
    uint256 internal constant POSITIONS_SHIFT = 200;
    uint256 internal constant INITIALISED_SHIFT = 232;
    uint256 internal constant SETTLED_SHIFT = 240;

    /// @notice The series' collateral would not fit its 64-bit field (2^64 units: 1.8e13 USDC).
    error SeriesCollateralOverflow(uint256 value);

    function mark(uint256 word) internal pure returns (uint256) {
        return word & MASK96;
    }

    function markTime(uint256 word) internal pure returns (uint64) {
        return uint64((word >> TIME_SHIFT) & MASK40);
    }

    function collateral(uint256 word) internal pure returns (uint256) {
        return (word >> COLLATERAL_SHIFT) & MASK64;
    }

    /// @notice Accounts holding a position in the series (after settlement: those not yet resolved).
    function openPositions(uint256 word) internal pure returns (uint256) {
        return (word >> POSITIONS_SHIFT) & MASK32;
    }

    /// @notice The word with the open-position count changed by `delta` (-2..2: the two legs of a trade). A count
    /// never goes below zero or past 2^32 - 1 (each open position is a distinct account: far below that).
    function withPositionsDelta(uint256 word, int256 delta) internal pure returns (uint256) {
        unchecked {
            // Adds delta mod 2^256 to the field: the count stays in range, so no bit leaves the field.
            return word + (uint256(delta) << POSITIONS_SHIFT);
        }
    }

    /// @notice Whether the series is settled (its final price is the stored mark): no trade, margin move or
    /// liquidation reads the oracle again.
    function settled(uint256 word) internal pure returns (bool) {
        return (word >> SETTLED_SHIFT) & 0xff != 0;
    }

    /// @notice The word of a settled series: the mark set to the final price `price` (< 2^96), the settled flag set.
    function withSettlement(uint256 word, uint256 price) internal pure returns (uint256) {
        return (word >> TIME_SHIFT << TIME_SHIFT) | price | (uint256(1) << SETTLED_SHIFT);
    }

    /// @notice The word of a newly listed series: no mark, no collateral, `initialised` set.
    function initialWord() internal pure returns (uint256) {
        return uint256(1) << INITIALISED_SHIFT;
    }

    /// @notice The word with the mark set to `mark_` taken from the fixing of time `time` (`mark_` < 2^96 and
    /// `time` < 2^40: the market's index range check guarantees both).
    function withMark(uint256 word, uint256 mark_, uint64 time) internal pure returns (uint256) {
        return (word >> COLLATERAL_SHIFT << COLLATERAL_SHIFT) | (uint256(time) << TIME_SHIFT) | mark_;
    }

    /// @notice The word with the collateral changed by `delta` (> 0 in, < 0 out). Reverts with
    /// `SeriesCollateralShort` when a payout would leave less than `reserved` (the series' uncollected fees):
    /// margins are paid only from what backs them, never from the fees or another series (isolation: C31).
    function withCollateralDelta(uint256 word, bytes32 seriesId, int256 delta, uint256 reserved)
        internal
        pure
        returns (uint256)
    {
        uint256 c = collateral(word);
        uint256 next;
        if (delta >= 0) {
            next = c + uint256(delta);
            if (next > MASK64) revert SeriesCollateralOverflow(next);
        } else {
            uint256 out = uint256(-delta);
            uint256 available = c > reserved ? c - reserved : 0;
            if (out > available) revert IFuturesMarket.SeriesCollateralShort(seriesId, out, available);
            next = c - out;
        }
        return (word & ~(MASK64 << COLLATERAL_SHIFT)) | (next << COLLATERAL_SHIFT);
    }

    /// @notice The price limit: `index` clamped to `previous +- previous * limitBps / 10,000` (the step rounded
    /// down, so the limit never widens); with no previous mark (`previous == 0`) the index. A fixing beyond the
    /// limit settles the series at the clamped price (the limit price), and the final price is clamped the same way.
    /// @dev limitBps < 10,000 (listing rule 11), so a previous mark >= 1 never steps down to 0.
    function nextMark(uint256 previous, uint256 index, uint256 limitBps) internal pure returns (uint256) {
        if (previous == 0) return index;
        unchecked {
            uint256 step = previous * limitBps / BPS; // previous < 2^96, limitBps < 2^16
            if (index > previous + step) return previous + step;
            if (index + step < previous) return previous - step;
            return index;
        }
    }
}
