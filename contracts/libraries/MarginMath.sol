// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title MarginMath
/// @notice Notional, fee, requirement, PnL and margin-share conversions. Every function names its rounding;
/// directions are chosen so that the protocol never pays out more than it holds.
/// @dev Domain (the market guarantees it; the unchecked blocks rely on it): sizes |size| < 2^64, prices and marks
/// < 2^128, contract sizes < 2^96 (listing rule 3), bps <= 10^4, costs |cost| < 2^96, pool assets and shares
/// < 2^96. Then every notional is below 2^229 and no sum or difference of a few of them overflows an int256.
library MarginMath {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant BPS = 10_000;
    /// @dev Virtual share and asset of every margin pool: conversions never divide by zero, even after a haircut
    /// took all assets. No inflation attack applies: pool assets change only through the market's own accounting
    /// (no donations), so one virtual share suffices and shares stay ~1:1 with collateral units.
    uint256 internal constant VIRTUAL_SHARES = 1;
    uint256 internal constant VIRTUAL_ASSETS = 1;

    /// @notice `x * y / d` rounded down; `d` must be non-zero.
    /// @dev Fast path when `x * y` fits in 256 bits (every realistic size, price and amount); otherwise OpenZeppelin's
    /// 512-bit `mulDiv`. Both give exactly `floor(x * y / d)`.
    function mulDivDown(uint256 x, uint256 y, uint256 d) internal pure returns (uint256 z) {
        bool fits;
        assembly ("memory-safe") {
            let p := mul(x, y)
            fits := or(iszero(x), eq(div(p, x), y))
            z := div(p, d)
        }
        if (!fits) z = Math.mulDiv(x, y, d);
    }

    /// @notice `x * y / d` rounded up (same fast path as `mulDivDown`); `d` must be non-zero.
    function mulDivUp(uint256 x, uint256 y, uint256 d) internal pure returns (uint256 z) {
        bool fits;
        assembly ("memory-safe") {
            let p := mul(x, y)
            fits := or(iszero(x), eq(div(p, x), y))
            // p / d < 2^256 - 1 for d >= 1 unless p = 2^256 - 1 and d = 1, where p % d = 0: no overflow.
            z := add(div(p, d), iszero(iszero(mod(p, d))))
        }
        if (!fits) z = Math.mulDiv(x, y, d, Math.Rounding.Ceil);
    }

    /// @notice `size * price * contractSize / 1e18` rounded down. Exact when `price` is a multiple of a listed tick.
    function notionalDown(uint256 size, uint256 price, uint256 contractSize) internal pure returns (uint256) {
        unchecked {
            return mulDivDown(size * price, contractSize, WAD); // size < 2^64, price < 2^128: no overflow
        }
    }

    /// @notice `size * price * contractSize / 1e18` rounded up.
    function notionalUp(uint256 size, uint256 price, uint256 contractSize) internal pure returns (uint256) {
        unchecked {
            return mulDivUp(size * price, contractSize, WAD);
        }
    }

    /// @notice Signed value of `size` contracts at `price`, rounded toward minus infinity.
    function valueDown(int256 size, uint256 price, uint256 contractSize) internal pure returns (int256) {
        unchecked {
            if (size >= 0) return int256(notionalDown(uint256(size), price, contractSize));
            return -int256(notionalUp(uint256(-size), price, contractSize));
        }
    }

    /// @notice Signed value of `size` contracts at `price`, rounded toward plus infinity.
    function valueUp(int256 size, uint256 price, uint256 contractSize) internal pure returns (int256) {
        unchecked {
            if (size >= 0) return int256(notionalUp(uint256(size), price, contractSize));
            return -int256(notionalDown(uint256(-size), price, contractSize));
        }
    }

    /// @notice A fee of `bps` on `amount`, rounded up (charged per fill, so fee(a) + fee(b) >= fee(a + b)).
    function feeUp(uint256 amount, uint256 bps) internal pure returns (uint256) {
        return mulDivUp(amount, bps, BPS);
    }

    /// @notice Margin requirement of a position: |size| * price * contractSize * bps / 1e22, rounded up.
    function requirementUp(int256 size, uint256 price, uint256 contractSize, uint256 bps)
        internal
        pure
        returns (uint256)
    {
        unchecked {
            // |size| * price < 2^192 and contractSize * bps < 2^110.
            return mulDivUp(abs(size) * price, contractSize * bps, WAD * BPS);
        }
    }

    /// @notice Applies a fill of `delta` contracts at `price` to a position (size, cost).
    /// @return newCost The position's cost after the fill: the closed part leaves at its pro-rata cost (rounded
    /// toward plus infinity), the opened part enters at its value rounded toward plus infinity.
    /// @return realized PnL of the closed part: its value rounded down minus its pro-rata cost rounded up.
    function applyFill(int256 size, int256 cost, int256 delta, uint256 price, uint256 contractSize)
        internal
        pure
        returns (int256 newCost, int256 realized)
    {
        unchecked {
            if (size == 0 || (size > 0) == (delta > 0)) {
                return (cost + valueUp(delta, price, contractSize), 0);
            }
            uint256 absSize = abs(size);
            uint256 absDelta = abs(delta);
            uint256 closed = absDelta < absSize ? absDelta : absSize;
            int256 closedCost = closed == absSize ? cost : proRataUp(cost, closed, absSize);
            int256 closedSize = size > 0 ? int256(closed) : -int256(closed);
            realized = valueDown(closedSize, price, contractSize) - closedCost;
            newCost = cost - closedCost;
            if (absDelta > closed) {
                // Flip: the rest of the fill opens a position on the other side.
                newCost += valueUp(delta + closedSize, price, contractSize);
            }
        }
    }

    /// @notice `cost * part / whole` rounded toward plus infinity.
    function proRataUp(int256 cost, uint256 part, uint256 whole) internal pure returns (int256) {
        unchecked {
            if (cost >= 0) return int256(mulDivUp(uint256(cost), part, whole));
            return -int256(mulDivDown(uint256(-cost), part, whole));
        }
    }

    function toSharesDown(uint256 assets, uint256 totalAssets, uint256 totalShares) internal pure returns (uint256) {
        unchecked {
            return mulDivDown(assets, totalShares + VIRTUAL_SHARES, totalAssets + VIRTUAL_ASSETS);
        }
    }

    function toSharesUp(uint256 assets, uint256 totalAssets, uint256 totalShares) internal pure returns (uint256) {
        unchecked {
            return mulDivUp(assets, totalShares + VIRTUAL_SHARES, totalAssets + VIRTUAL_ASSETS);
        }
    }

    function toAssetsDown(uint256 shares, uint256 totalAssets, uint256 totalShares) internal pure returns (uint256) {
        unchecked {
            return mulDivDown(shares, totalAssets + VIRTUAL_ASSETS, totalShares + VIRTUAL_SHARES);
        }
    }

    /// @notice |x| for |x| < 2^255 (every value in the domain).
    function abs(int256 x) internal pure returns (uint256) {
        unchecked {
            return x >= 0 ? uint256(x) : uint256(-x);
        }
    }
}
