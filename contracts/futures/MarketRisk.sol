// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IFuturesMarket, SeriesParams} from "./IFuturesMarket.sol";
import {MarginPool} from "../libraries/MarginPool.sol";
import {MarketCore} from "./MarketCore.sol";
import {MarginMath} from "../libraries/MarginMath.sol";
import {SeriesLib} from "../libraries/SeriesLib.sol";

/// @title MarketRisk
/// @notice Liquidation, insurance and final settlement (see IFuturesMarket for the docs).
abstract contract MarketRisk is MarketCore {
    using SafeCast for uint256;
    using SafeCast for int256;

    /* LIQUIDATION */

    /// @inheritdoc IFuturesMarket
    function liquidate(SeriesParams calldata params, address account, uint64 maxSize)
        external
        whenNotEntered
        returns (uint64 size)
    {
        (SeriesParams memory p, bytes32 id) = SeriesLib.load(params);
        _requireListed(id);
        SeriesState storage s = _series[id];
        if (s.settledAt != 0) revert AlreadySettled(id);
        if (s.paused) revert SeriesPaused(id);
        if (block.timestamp < uint256(s.unpausedAt) + LIQUIDATION_GRACE) {
            revert LiquidationGrace(uint256(s.unpausedAt) + LIQUIDATION_GRACE);
        }
        if (account == msg.sender) revert SelfTrade(account);
        (uint256 mark, uint64 markTime) = _mark(p, id, s);
        _requireFresh(p, markTime);

        Position memory pos = _positions[id][account];
        if (pos.size == 0) revert NoPosition(id, account);
        int256 equity = _equity(p, s, pos, mark);
        uint256 maintenance =
            MarginMath.requirementUp(pos.size, mark, p.contractSize, p.maintenanceMarginBps);
        if (equity >= int256(maintenance)) revert AccountHealthy(account, equity, maintenance);

        size = _liquidationSize(p, MarginMath.abs(pos.size), equity, maintenance, mark, maxSize);
        if (size == 0) revert NothingToLiquidate(account);
        int256 delta = pos.size > 0 ? -int256(uint256(size)) : int256(uint256(size));
        _transferLiquidated(p, id, pos, Leg(account, delta, mark, 0, 0, false, 0, 0, 0), markTime);
    }

    /// @dev Moves `closed.delta` of the liquidated position to the caller at the mark `closed.price`, books both
    /// sides' margin moves in the series' collateral and emits, in this order (docs/contracts.md): DeficitRecorded
    /// (inside _closeLiquidated, when the closed part was bankrupt), then Liquidated with both margin changes.
    function _transferLiquidated(SeriesParams memory p, bytes32 id, Position memory pos, Leg memory closed, uint64 markTime)
        internal
    {
        (uint256 reward, uint256 deficit) = _closeLiquidated(p, id, pos, closed);
        Leg memory leg = Leg(msg.sender, -closed.delta, closed.price, 0, reward, true, 0, 0, 0);
        _applyLegStored(p, id, leg, closed.price, markTime);
        _moveCollateral(_series[id], id, leg.moved + closed.moved);
        emit Liquidated(
            id, closed.account, msg.sender, uint64(MarginMath.abs(closed.delta)), closed.price, reward, deficit,
            _marginChange(closed), _marginChange(leg)
        );
    }

    /// @dev Contracts to liquidate: the fewest that restore maintenance margin (all when equity <= 0), at most
    /// `maxSize`, never leaving a remainder below `minSize` (then all, or all but `minSize` if `maxSize` binds).
    function _liquidationSize(
        SeriesParams memory p,
        uint256 absSize,
        int256 equity,
        uint256 maintenance,
        uint256 mark,
        uint64 maxSize
    ) internal pure returns (uint64) {
        uint256 size = absSize;
        // Each liquidated contract lowers the requirement by its maintenance margin and equity by the penalty.
        uint256 relief = Math.mulDiv(
            mark, uint256(p.contractSize) * (p.maintenanceMarginBps - p.liquidationPenaltyBps), MarginMath.WAD * MarginMath.BPS
        );
        if (equity > 0 && relief != 0) size = Math.min(absSize, Math.ceilDiv(maintenance - uint256(equity), relief));
        size = Math.min(size, maxSize);
        uint256 rest = absSize - size;
        if (rest != 0 && rest < p.minSize) {
            // All, or all but minSize (0 when the position is exactly minSize: nothing to liquidate); a position
            // already below minSize (a liquidator's leg is exempt from the dust rule) keeps a smaller remainder.
            if (absSize <= maxSize) size = absSize;
            else if (absSize >= p.minSize) size = absSize - p.minSize;
        }
        return uint64(size); // Safe: size <= maxSize.
    }

    /// @dev The liquidated side: realises PnL at the mark, pays the reward (bounded by what is left of its
    /// margin), and sends any deficit through the waterfall. Never transfers tokens; a close to zero releases the
    /// rest of the margin to the free balance (`leg.moved`, booked against the collateral by the caller). `leg`
    /// holds the account, delta and mark on entry and the share and asset deltas of its margin on return.
    function _closeLiquidated(SeriesParams memory p, bytes32 id, Position memory pos, Leg memory leg)
        internal
        returns (uint256 reward, uint256 deficit)
    {
        SeriesState storage s = _series[id];
        (address account, int256 delta, uint256 mark) = (leg.account, leg.delta, leg.price);
        (int256 newCost, int256 pnl) = MarginMath.applyFill(pos.size, pos.cost, delta, mark, p.contractSize);
        int256 margin = int256(_assetsOf(s, pos.shares)) + pnl;
        int256 sharesBefore = int256(uint256(pos.shares));
        int256 assetsBefore = int256(MarginPool.assets(_loadPool(s)));
        pos.size += delta.toInt64();
        pos.cost = newCost.toInt96();
        if (margin <= 0) {
            // Bankrupt on the closed part: all margin is gone, the shortfall is a recorded deficit.
            _removeAllShares(s, pos.shares);
            pos.shares = 0;
            deficit = uint256(-margin);
            // Measured before the waterfall: the haircut is reported by DeficitRecorded.
            leg.assetsDelta = int256(MarginPool.assets(_loadPool(s))) - assetsBefore;
            _absorbDeficit(id, account, deficit);
        } else {
            reward = Math.min(_penalty(p, delta, mark), uint256(margin));
            // margin - reward >= 0, so the net change never exceeds the position's margin.
            pnl -= int256(reward);
            if (pos.size == 0) {
                uint256 released = uint256(int256(_removeAllShares(s, pos.shares)) + pnl);
                pos.shares = 0;
                if (released != 0) {
                    _addFree(account, released);
                    leg.moved = -int256(released);
                }
            } else if (pnl >= 0) {
                pos.shares = _creditMargin(s, pos.shares, uint256(pnl)).toUint96();
            } else {
                pos.shares = _debitMargin(s, account, pos.shares, uint256(-pnl)).toUint96();
            }
            leg.assetsDelta = int256(MarginPool.assets(_loadPool(s))) - assetsBefore;
        }
        leg.sharesDelta = int256(uint256(pos.shares)) - sharesBefore;
        _storePosition(_positions[id][account], pos.size, pos.cost, pos.shares);
    }

    /// @dev Liquidation penalty on `delta` contracts at `mark`: liquidationPenaltyBps of the notional, rounded down.
    function _penalty(SeriesParams memory p, int256 delta, uint256 mark) internal pure returns (uint256) {
        uint256 amount = MarginMath.notionalDown(MarginMath.abs(delta), mark, p.contractSize);
        return MarginMath.mulDivDown(amount, p.liquidationPenaltyBps, MarginMath.BPS);
    }

    /* INSURANCE */

    /// @inheritdoc IFuturesMarket
    function fundInsurance(SeriesParams calldata params, uint256 amount) external whenNotEntered {
        if (amount == 0) revert ZeroAmount();
        bytes32 id = _listed(params);
        _takeFree(msg.sender, amount);
        _series[id].insurance += amount.toUint128();
        _moveCollateral(_series[id], id, int256(amount));
        emit InsuranceFunded(id, msg.sender, amount);
    }

    /* SETTLEMENT */

    /// @inheritdoc IFuturesMarket
    function recordSettlementFixing(SeriesParams calldata params) external whenNotEntered {
        (SeriesParams memory p, bytes32 id) = SeriesLib.load(params);
        _requireListed(id);
        SeriesState storage s = _series[id];
        if (s.settledAt != 0) revert AlreadySettled(id);
        (uint256 value, uint64 ts) = _index(p);
        uint64 windowEnd = p.expiry + p.settlementWindow;
        if (ts < p.expiry || ts > windowEnd) revert FixingOutsideWindow(ts, p.expiry, windowEnd);
        if (ts <= s.lastFixingTime) revert FixingNotNewer(ts, s.lastFixingTime);
        s.fixingSum += value.toUint128();
        s.lastFixingTime = ts;
        uint32 count = s.fixingCount + 1;
        s.fixingCount = count;
        emit SettlementFixingRecorded(id, value, ts, count);
    }

    /// @inheritdoc IFuturesMarket
    function settle(SeriesParams calldata params) external whenNotEntered {
        (SeriesParams memory p, bytes32 id) = SeriesLib.load(params);
        _requireListed(id);
        SeriesState storage s = _series[id];
        if (s.settledAt != 0) revert AlreadySettled(id);
        uint256 windowEnd = uint256(p.expiry) + p.settlementWindow;
        if (block.timestamp <= windowEnd) revert SettlementWindowOpen(windowEnd);
        uint256 price;
        uint32 count = s.fixingCount;
        if (count != 0) {
            price = s.fixingSum / count;
        } else {
            uint256 fallbackAfter = uint256(p.expiry) + p.settlementGrace;
            if (block.timestamp <= fallbackAfter) revert NoSettlementFixing(fallbackAfter);
            (price,) = _index(p);
        }
        price -= price % p.tickSize;
        if (price == 0) price = p.tickSize;
        s.finalPrice = price.toUint128();
        s.settledAt = uint64(block.timestamp);
        emit SeriesSettled(id, price, count, count == 0);
    }

    /// @inheritdoc IFuturesMarket
    function closeOut(SeriesParams calldata params, address account) external whenNotEntered {
        (SeriesParams memory p, bytes32 id) = SeriesLib.load(params);
        SeriesState storage s = _settled(id);
        Position memory pos = _positions[id][account];
        int256 payout = _equity(p, s, pos, s.finalPrice);
        if (payout >= 0) revert NotUnderwater(account, payout);
        _removeAllShares(s, pos.shares);
        _storePosition(_positions[id][account], 0, 0, 0);
        emit ClosedOut(id, account, uint256(-payout));
        _absorbDeficit(id, account, uint256(-payout));
    }

    /// @inheritdoc IFuturesMarket
    function claim(SeriesParams calldata params) external whenNotEntered returns (uint256 payout) {
        (SeriesParams memory p, bytes32 id) = SeriesLib.load(params);
        SeriesState storage s = _settled(id);
        uint256 opensAt = uint256(s.settledAt) + CLOSEOUT_PERIOD;
        if (block.timestamp < opensAt) revert ClaimsNotOpen(opensAt);
        Position memory pos = _positions[id][msg.sender];
        if (pos.size == 0 && pos.shares == 0) revert NoPosition(id, msg.sender);
        int256 value = _equity(p, s, pos, s.finalPrice);
        if (value < 0) revert Underwater(msg.sender, value);
        _removeAllShares(s, pos.shares);
        _storePosition(_positions[id][msg.sender], 0, 0, 0);
        payout = uint256(value);
        _moveCollateral(s, id, -int256(payout));
        _addFree(msg.sender, payout);
        emit Claimed(id, msg.sender, payout);
    }

    /// @dev The state of a listed and settled series.
    function _settled(bytes32 id) internal view returns (SeriesState storage s) {
        _requireListed(id);
        s = _series[id];
        if (s.settledAt == 0) revert NotSettled(id);
    }
}
