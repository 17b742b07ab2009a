// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IIndexOracle} from "../oracle/IIndexOracle.sol";
import {IFuturesMarket, SeriesParams} from "./IFuturesMarket.sol";
import {MarginMath} from "../libraries/MarginMath.sol";
import {SeriesLib} from "../libraries/SeriesLib.sol";
import {OrderLib} from "../libraries/OrderLib.sol";
import {Order} from "./IFuturesMarket.sol";

/// @title MarketCore
/// @notice Storage and the internal accounting shared by trading, liquidation and settlement.
abstract contract MarketCore is IFuturesMarket, ReentrancyGuardTransient {
    using SafeCast for uint256;
    using SafeCast for int256;

    /// @notice Liquidations stay blocked this long after an unpause, so accounts can add margin first.
    uint256 public constant LIQUIDATION_GRACE = 1 hours;
    /// @notice Claims open this long after the final price is set; underwater accounts are closed out before.
    uint256 public constant CLOSEOUT_PERIOD = 1 hours;
    /// @dev `filled` value of a cancelled order.
    uint64 internal constant CANCELLED = type(uint64).max;

    IIndexOracle internal immutable _oracle;
    uint256 private immutable _deployChainId;
    bytes32 private immutable _deployDomainSeparator;

    /// @dev An account's free balance and order nonce floor share one slot: a fill that tops up a maker's margin
    /// reads both, so the second read is warm (saves a cold SLOAD, 2,100 gas, per maker). `free` is the low part.
    struct Account {
        uint192 free;
        uint64 minNonce;
    }

    mapping(address account => Account) internal _accounts;
    mapping(bytes32 orderHash => uint64) internal _filled;
    mapping(bytes32 seriesId => SeriesState) internal _series;
    mapping(bytes32 seriesId => mapping(address account => Position)) internal _positions;

    constructor(IIndexOracle oracle_) {
        _oracle = oracle_;
        _deployChainId = block.chainid;
        _deployDomainSeparator = OrderLib.domainSeparator(address(this));
    }

    /* EIP-712 */

    /// @dev Cached at deployment, rebuilt whenever the chain id differs (a fork), so orders never replay (C01).
    function _domainSeparator() internal view returns (bytes32) {
        if (block.chainid == _deployChainId) return _deployDomainSeparator;
        return OrderLib.domainSeparator(address(this));
    }

    function _orderDigest(Order calldata order) internal view returns (bytes32) {
        return OrderLib.digest(_domainSeparator(), OrderLib.structHash(order));
    }

    /* SERIES AND INDEX */

    /// @dev The id of a listed series.
    function _listed(SeriesParams calldata p) internal view returns (bytes32 id) {
        id = SeriesLib.id(p);
        if (!_series[id].listed) revert SeriesNotListed(id);
    }

    /// @dev Reverts unless the series `id` (the id of `p`) is listed and still trades (block.timestamp < expiry).
    function _checkTradable(SeriesParams calldata p, bytes32 id) internal view {
        if (!_series[id].listed) revert SeriesNotListed(id);
        if (block.timestamp >= p.expiry) revert SeriesExpired(id, p.expiry, block.timestamp);
    }

    /// @dev The latest index value and its timestamp (any age).
    function _index(SeriesParams calldata p) internal view returns (uint256 value, uint64 ts) {
        (value, ts) = _oracle.latest(p.indexId);
    }

    /// @dev Reverts with `StaleIndex` when a fixing of time `ts` is older than `maxFixingAge`.
    function _requireFresh(SeriesParams calldata p, uint64 ts) internal view {
        if (uint256(ts) + p.maxFixingAge < block.timestamp) {
            revert StaleIndex(p.indexId, ts, block.timestamp, p.maxFixingAge);
        }
    }

    function _freshIndex(SeriesParams calldata p) internal view returns (uint256 value) {
        uint64 ts;
        (value, ts) = _oracle.latest(p.indexId);
        _requireFresh(p, ts);
    }

    /// @dev Execution prices lie on the tick and within index +- band.
    function _checkPrice(SeriesParams calldata p, uint256 price, uint256 index) internal pure {
        if (price % p.tickSize != 0) revert OffTick(price, p.tickSize);
        uint256 band = MarginMath.mulDivDown(index, p.priceBandBps, MarginMath.BPS);
        if (price + band < index || price > index + band) revert OutsidePriceBand(price, index, p.priceBandBps);
    }

    /* MARGIN */

    function _assetsOf(SeriesState storage s, uint256 shares) internal view returns (uint256) {
        (uint256 totalAssets, uint256 totalShares) = _readPool(s);
        return MarginMath.toAssetsDown(shares, totalAssets, totalShares);
    }

    /// @dev The margin pool (`marginAssets`, `marginShares`: the low 192 bits of the series' first slot) in one
    /// SLOAD. Equals `(s.marginAssets, s.marginShares)`.
    function _readPool(SeriesState storage s) internal view returns (uint256 assets, uint256 shares) {
        assembly ("memory-safe") {
            let word := sload(s.slot)
            assets := and(word, 0xffffffffffffffffffffffff) // bits 0..95
            shares := and(shr(96, word), 0xffffffffffffffffffffffff) // bits 96..191
        }
    }

    /// @dev Writes the margin pool in one SSTORE, keeping the slot's top 64 bits (fees, listed, paused). Equals
    /// `s.marginAssets = uint96(assets); s.marginShares = uint96(shares);`; callers pass values below 2^96.
    function _writePool(SeriesState storage s, uint256 assets, uint256 shares) internal {
        assembly ("memory-safe") {
            let slot := s.slot
            sstore(slot, or(shl(192, shr(192, sload(slot))), or(assets, shl(96, shares))))
        }
    }

    /// @dev Equity of a position at `mark`, rounded down.
    function _equity(SeriesParams calldata p, SeriesState storage s, Position memory pos, uint256 mark)
        internal
        view
        returns (int256)
    {
        return int256(_assetsOf(s, pos.shares)) + MarginMath.valueDown(pos.size, mark, p.contractSize) - pos.cost;
    }

    /// @dev Adds `amount` to a position's margin (new shares rounded down) and returns the new share count.
    function _creditMargin(SeriesState storage s, uint256 shares, uint256 amount) internal returns (uint256) {
        if (amount == 0) return shares;
        (uint256 totalAssets, uint256 totalShares) = _readPool(s);
        uint256 minted = MarginMath.toSharesDown(amount, totalAssets, totalShares);
        _writePool(s, (totalAssets + amount).toUint96(), (totalShares + minted).toUint96());
        return shares + minted;
    }

    /// @dev Takes `amount` from a position's margin (shares burnt rounded up); reverts if the margin is short.
    function _debitMargin(SeriesState storage s, address account, uint256 shares, uint256 amount)
        internal
        returns (uint256)
    {
        if (amount == 0) return shares;
        (uint256 totalAssets, uint256 totalShares) = _readPool(s);
        uint256 burnt = MarginMath.toSharesUp(amount, totalAssets, totalShares);
        if (burnt > shares) {
            revert InsufficientMargin(account, amount, MarginMath.toAssetsDown(shares, totalAssets, totalShares));
        }
        // burnt <= shares <= totalShares, and amount <= assets of `shares` <= totalAssets.
        _writePool(s, totalAssets - amount, totalShares - burnt);
        return shares - burnt;
    }

    /// @dev Removes all of a position's shares from the pool and returns their assets (rounded down).
    function _removeAllShares(SeriesState storage s, uint256 shares) internal returns (uint256 assets) {
        if (shares == 0) return 0;
        (uint256 totalAssets, uint256 totalShares) = _readPool(s);
        assets = MarginMath.toAssetsDown(shares, totalAssets, totalShares);
        _writePool(s, totalAssets - assets, totalShares - shares); // checked: reverts if shares > totalShares
    }

    /// @dev Takes `amount` from an account's free balance in one SLOAD and one SSTORE. Equals:
    /// `if (acc.free < amount) revert ...; acc.free -= uint192(amount);`. `free` is the slot's low 192 bits, so
    /// subtracting `amount <= free` from the whole word never borrows from `minNonce` above it.
    function _takeFree(address account, uint256 amount) internal {
        Account storage acc = _accounts[account];
        uint256 word;
        assembly ("memory-safe") {
            word := sload(acc.slot)
        }
        uint256 available = uint192(word);
        if (available < amount) revert InsufficientFreeBalance(account, amount, available);
        assembly ("memory-safe") {
            sstore(acc.slot, sub(word, amount))
        }
    }

    /// @dev Credits `amount` to an account's free balance (reverts past 2^192 units, far above any token supply).
    function _addFree(address account, uint256 amount) internal {
        Account storage acc = _accounts[account];
        acc.free = (acc.free + amount).toUint192();
    }

    /* TRADES */

    /// @notice Inputs of one account's side of a trade.
    struct Leg {
        address account;
        int256 delta;
        uint256 price;
        uint256 fee;
        /// @dev Added to the account's margin (a liquidation reward).
        uint256 bonus;
        /// @dev The liquidator's leg: exempt from the dust rule, so a liquidation never reverts on it.
        bool liquidator;
        /// @dev Output: collateral moved from the free balance into margin (> 0) or released to it (< 0).
        int256 moved;
    }

    /// @dev Applies one side of a trade. A leg that strictly reduces the position needs no fresh index and
    /// works while paused, but must pay its realized loss and fee from its margin. Any other leg needs a
    /// fresh index, an unpaused market and ends at >= initial margin; the shortfall (plus one unit for share
    /// rounding) moves from the free balance. A position that reaches zero releases its margin. The amount moved
    /// is returned in `leg.moved` and reported by the caller's trade event.
    function _applyLeg(SeriesParams calldata p, bytes32 id, Leg memory leg, uint256 index, uint64 indexTime) internal {
        SeriesState storage s = _series[id];
        Position memory pos = _positions[id][leg.account];
        bool reduces = pos.size != 0 && (pos.size > 0) != (leg.delta > 0)
            && MarginMath.abs(leg.delta) <= MarginMath.abs(pos.size);
        int256 pnl;
        {
            int256 newCost;
            (newCost, pnl) = MarginMath.applyFill(pos.size, pos.cost, leg.delta, leg.price, p.contractSize);
            pos.cost = newCost.toInt96();
            pos.size = (pos.size + leg.delta).toInt64();
        }
        pnl = pnl + int256(leg.bonus) - int256(leg.fee);

        if (pos.size == 0) {
            int256 released = int256(_removeAllShares(s, pos.shares)) + pnl;
            if (released < 0) revert InsufficientMargin(leg.account, uint256(-pnl), uint256(released - pnl));
            delete _positions[id][leg.account];
            if (released > 0) {
                _addFree(leg.account, uint256(released));
                leg.moved = -released;
            }
            return;
        }
        if (MarginMath.abs(pos.size) < p.minSize && !leg.liquidator) revert DustPosition(leg.account, pos.size, p.minSize);

        uint256 topUp;
        if (!reduces) {
            if (s.paused) revert SeriesPaused(id);
            _requireFresh(p, indexTime);
            topUp = _shortfall(p, s, pos, pnl, index);
        }
        int256 net = pnl + int256(topUp);
        if (net >= 0) pos.shares = _creditMargin(s, pos.shares, uint256(net)).toUint96();
        else pos.shares = _debitMargin(s, leg.account, pos.shares, uint256(-net)).toUint96();
        if (topUp != 0) {
            _takeFree(leg.account, topUp);
            leg.moved = int256(topUp);
        }
        _positions[id][leg.account] = pos;
    }

    /// @dev What the free balance must add so that the position (new size and cost, margin = current margin +
    /// `pnl`) reaches initial margin at `index`: the shortfall plus one unit for share rounding, or 0.
    function _shortfall(SeriesParams calldata p, SeriesState storage s, Position memory pos, int256 pnl, uint256 index)
        internal
        view
        returns (uint256)
    {
        uint256 required = MarginMath.requirementUp(pos.size, index, p.contractSize, p.initialMarginBps);
        int256 equity = _equity(p, s, pos, index) + pnl;
        return equity < int256(required) ? uint256(int256(required) - equity) + 1 : 0;
    }

    /* LOSSES */

    /// @dev Loss waterfall for a deficit realised in a series: the series' insurance fund, then a pro-rata cut of
    /// every margin in the series (lowering `marginAssets`), the rest recorded as unbacked.
    function _absorbDeficit(bytes32 id, address account, uint256 deficit) internal {
        if (deficit == 0) return;
        SeriesState storage s = _series[id];
        uint256 fromInsurance = Math.min(deficit, s.insurance);
        uint256 rest = deficit - fromInsurance;
        uint256 socialised = Math.min(rest, s.marginAssets);
        uint256 unbacked = rest - socialised;
        s.insurance -= uint128(fromInsurance);
        s.marginAssets -= uint96(socialised);
        s.totalDeficit += deficit.toUint128();
        s.insuranceUsed += uint128(fromInsurance);
        s.socialisedLoss += uint128(socialised);
        s.unbackedLoss += unbacked.toUint128();
        emit DeficitRecorded(id, account, deficit, fromInsurance, socialised, unbacked);
    }
}
