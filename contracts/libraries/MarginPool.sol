// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MarginMath} from "./MarginMath.sol";
import {IFuturesMarket} from "../futures/IFuturesMarket.sol";

/// @title MarginPool
/// @notice A series' first storage slot as one word: margin pool assets (bits 0..95), pool shares (96..191),
/// accrued fees (192..239), `listed` (240..247) and `paused` (248..255), the layout of the first five fields of
/// `IFuturesMarket.SeriesState`; the only way the market reads or writes that slot. `listed` is set at listing,
/// so the word is never zero when a trade writes it (no 20,000-gas SSTORE from zero inside a trade). A trade loads the word once, updates it on the stack for both legs and stores it
/// once. Share conversions round as MarginMath's (minting down, burning up, reading assets down).
library MarginPool {
    uint256 internal constant MASK96 = type(uint96).max;
    uint256 internal constant MASK48 = type(uint48).max;

    /// @notice The pool's assets, shares, fees or the value would not fit its field.
    error MarginPoolOverflow(uint256 value);

    function assets(uint256 word) internal pure returns (uint256) {
        return word & MASK96;
    }

    function shares(uint256 word) internal pure returns (uint256) {
        return (word >> 96) & MASK96;
    }

    function fees(uint256 word) internal pure returns (uint256) {
        return (word >> 192) & MASK48;
    }

    function listed(uint256 word) internal pure returns (bool) {
        return (word >> 240) & 0xff != 0;
    }

    function paused(uint256 word) internal pure returns (bool) {
        return word >> 248 != 0;
    }

    /// @notice The word of a newly listed series.
    function listedWord() internal pure returns (uint256) {
        return uint256(1) << 240;
    }

    /// @notice The word with `paused` set to `value`.
    function withPaused(uint256 word, bool value) internal pure returns (uint256) {
        return (word & ~(uint256(0xff) << 248)) | (value ? uint256(1) << 248 : 0);
    }

    /// @notice The word with the accrued fees set to zero (they were collected).
    function withoutFees(uint256 word) internal pure returns (uint256) {
        return word & ~(MASK48 << 192);
    }

    /// @notice The word with `amount` taken from the pool's assets (shares kept): a pro-rata haircut of every
    /// margin in the series.
    function withHaircut(uint256 word, uint256 amount) internal pure returns (uint256) {
        return withPool(word, assets(word) - amount, shares(word));
    }

    /// @notice The word with `amount` paid out of the pool's assets (a claim), shares, fees and flags kept; reverts
    /// if the pool holds less. Assets are the low 96 bits, so the subtraction touches no other field.
    function withAssetsPaid(uint256 word, uint256 amount) internal pure returns (uint256) {
        if (amount > assets(word)) revert MarginPoolOverflow(amount);
        unchecked {
            return word - amount;
        }
    }

    /// @notice The word with the pool set to (`assets_`, `shares_`), fees and flags kept.
    function withPool(uint256 word, uint256 assets_, uint256 shares_) internal pure returns (uint256) {
        if (assets_ > MASK96) revert MarginPoolOverflow(assets_);
        if (shares_ > MASK96) revert MarginPoolOverflow(shares_);
        return (word >> 192 << 192) | (shares_ << 96) | assets_;
    }

    /// @notice The word with `amount` more fees accrued.
    /// @dev `amount` < 2^240 (a fee in the market's notional domain), so the sum cannot overflow.
    function addFees(uint256 word, uint256 amount) internal pure returns (uint256) {
        unchecked {
            uint256 total = fees(word) + amount;
            if (total > MASK48) revert MarginPoolOverflow(total);
            return word + (amount << 192); // amount <= total < 2^48 and no carry: the fee field holds `total`
        }
    }

    /// @notice Assets of `posShares` shares, rounded down.
    function assetsOf(uint256 word, uint256 posShares) internal pure returns (uint256) {
        if (posShares == 0) return 0;
        return MarginMath.toAssetsDown(posShares, assets(word), shares(word));
    }

    /// @notice Adds `amount` of margin to a position holding `posShares` (new shares rounded down).
    function credit(uint256 word, uint256 posShares, uint256 amount) internal pure returns (uint256, uint256) {
        if (amount == 0) return (word, posShares);
        uint256 a = assets(word);
        uint256 s = shares(word);
        uint256 minted = MarginMath.toSharesDown(amount, a, s);
        // a, s < 2^96 and amount, minted < 2^240 (bounded by the caller's notional domain): no overflow.
        unchecked {
            return (withPool(word, a + amount, s + minted), posShares + minted);
        }
    }

    /// @notice Takes `amount` of margin from `account`'s position holding `posShares` (shares burnt rounded up);
    /// reverts with `InsufficientMargin` if the position's margin is short.
    function debit(uint256 word, address account, uint256 posShares, uint256 amount)
        internal
        pure
        returns (uint256, uint256)
    {
        if (amount == 0) return (word, posShares);
        uint256 a = assets(word);
        uint256 s = shares(word);
        uint256 burnt = MarginMath.toSharesUp(amount, a, s);
        if (burnt > posShares) {
            revert IFuturesMarket.InsufficientMargin(account, amount, MarginMath.toAssetsDown(posShares, a, s));
        }
        // burnt <= posShares <= s, and amount <= assets of posShares <= a.
        unchecked {
            return (withPool(word, a - amount, s - burnt), posShares - burnt);
        }
    }

    /// @notice Removes all of a position's shares from the pool; returns the word and their assets (rounded down).
    function removeAll(uint256 word, uint256 posShares) internal pure returns (uint256, uint256 out) {
        if (posShares == 0) return (word, 0);
        uint256 a = assets(word);
        uint256 s = shares(word);
        out = MarginMath.toAssetsDown(posShares, a, s);
        // Checked: reverts if posShares > s (cannot happen: every position's shares are part of the pool).
        return (withPool(word, a - out, s - posShares), out);
    }
}
