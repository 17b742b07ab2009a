// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IFuturesMarket, SeriesParams} from "./IFuturesMarket.sol";
import {IIndexOracle} from "../oracle/IIndexOracle.sol";
import {MarginPool} from "../libraries/MarginPool.sol";
import {SeriesMark} from "../libraries/SeriesMark.sol";
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
        if (s.paused) revert SeriesPaused(id);
        if (block.timestamp < uint256(s.unpausedAt) + LIQUIDATION_GRACE) {
            revert LiquidationGrace(uint256(s.unpausedAt) + LIQUIDATION_GRACE);
        }
        if (account == msg.sender) revert SelfTrade(account);
        (uint256 mark, uint64 markTime) = _mark(p, id, s); // AlreadySettled once settled, SeriesExpired from expiry
        _requireFresh(p, markTime);

        Position memory pos = _positions[id][account];
        if (pos.size == 0) revert NoPosition(id, account);
        int256 equity = _equity(p, s, pos, mark);
        uint256 maintenance =
            MarginMath.requirementUp(pos.size, mark, p.contractSize, p.maintenanceMarginBps);
        if (equity >= int256(maintenance)) revert AccountHealthy(account, equity, maintenance);
        if (equity < 0 && uint256(-equity) > s.insurance) {
            // A bankrupt account whose deficit the insurance cannot cover (C16, C31, C32): nobody takes it over and no
            // margin is cut during trading (a cut would make other losers bankrupt and pass their loss on to whoever
            // liquidates them next). The series settles at the mark; the account is resolved there like any other and
            // the claims bear the shortfall pro rata, so no winner exits before it and no later margin pays a gain.
            _settleAt(id, s, _loadMarkWord(s), mark, mark, SettlementKind.UnbackedLoss);
            return 0;
        }

        uint256 absSize = MarginMath.abs(pos.size);
        size = _liquidationSize(p, absSize, equity, maintenance, mark, maxSize);
        if (size == 0) revert NothingToLiquidate(account);
        int256 delta = pos.size > 0 ? -int256(uint256(size)) : int256(uint256(size));
        // The reward is at most the closed part's share of the equity (C14): liquidating in small parts can never
        // pay out more than one liquidation of the whole, nor push the rest into a deficit.
        uint256 rewardCap = equity > 0 ? uint256(equity) * size / absSize : 0;
        _transferLiquidated(p, id, pos, Leg(account, delta, mark, 0, 0, false, 0, 0, 0, 0), markTime, rewardCap);
    }

    /// @dev Moves `closed.delta` of the liquidated position to the caller at the mark `closed.price`, books both
    /// sides' margin moves and closed positions in the series' mark word and emits, in this order (docs/contracts.md): DeficitRecorded
    /// (inside _closeLiquidated, when the closed part was bankrupt), then Liquidated with both margin changes.
    function _transferLiquidated(
        SeriesParams memory p,
        bytes32 id,
        Position memory pos,
        Leg memory closed,
        uint64 markTime,
        uint256 rewardCap
    ) internal {
        (uint256 reward, uint256 deficit) = _closeLiquidated(p, id, pos, closed, rewardCap);
        Leg memory leg = Leg(msg.sender, -closed.delta, closed.price, 0, reward, true, 0, 0, 0, 0);
        _applyLegStored(p, id, leg, closed.price, markTime);
        _moveCollateral(_series[id], id, leg.moved + closed.moved, leg.positionsDelta + closed.positionsDelta);
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

    /// @dev The liquidated side: realises PnL at the mark, pays the reward (the penalty, at most `rewardCap` and
    /// what is left of its margin), and sends any deficit through the waterfall. Never transfers tokens; a close to
    /// zero releases the rest of the margin to the free balance (`leg.moved`, booked against the collateral by the
    /// caller). `leg` holds the account, delta and mark on entry and the share and asset deltas of its margin on
    /// return.
    function _closeLiquidated(SeriesParams memory p, bytes32 id, Position memory pos, Leg memory leg, uint256 rewardCap)
        internal
        returns (uint256 reward, uint256 deficit)
    {
        SeriesState storage s = _series[id];
        (int256 newCost, int256 pnl) = MarginMath.applyFill(pos.size, pos.cost, leg.delta, leg.price, p.contractSize);
        int256 margin = int256(_assetsOf(s, pos.shares)) + pnl;
        int256 sharesBefore = int256(uint256(pos.shares));
        int256 assetsBefore = int256(MarginPool.assets(_loadPool(s)));
        pos.size += leg.delta.toInt64();
        pos.cost = newCost.toInt96();
        if (margin <= 0) {
            // Bankrupt on the closed part: all margin is gone, the shortfall is a recorded deficit (within the
            // insurance, checked by liquidate, up to share rounding).
            deficit = uint256(-margin);
            _removeAllShares(s, pos.shares);
            pos.shares = 0;
            // Measured before the waterfall: the haircut is reported by DeficitRecorded.
            leg.assetsDelta = int256(MarginPool.assets(_loadPool(s))) - assetsBefore;
            _absorbDeficit(id, leg.account, deficit);
        } else {
            reward = Math.min(Math.min(_penalty(p, leg.delta, leg.price), rewardCap), uint256(margin));
            // margin - reward >= 0, so the net change never exceeds the position's margin.
            pnl -= int256(reward);
            if (pos.size == 0) {
                uint256 released = uint256(int256(_removeAllShares(s, pos.shares)) + pnl);
                pos.shares = 0;
                if (released != 0) {
                    _addFree(leg.account, released);
                    leg.moved = -int256(released);
                }
            } else if (pnl >= 0) {
                pos.shares = _creditMargin(s, pos.shares, uint256(pnl)).toUint96();
            } else {
                pos.shares = _debitMargin(s, leg.account, pos.shares, uint256(-pnl)).toUint96();
            }
            leg.assetsDelta = int256(MarginPool.assets(_loadPool(s))) - assetsBefore;
        }
        leg.sharesDelta = int256(uint256(pos.shares)) - sharesBefore;
        _storePosition(_positions[id][leg.account], pos.size, pos.cost, pos.shares);
        if (pos.size == 0) leg.positionsDelta = -1;
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
        _series[id].insurance += amount.toUint128(); // held apart: it joins the collateral only to pay a deficit
        emit InsuranceFunded(id, msg.sender, amount);
    }

    /* SETTLEMENT */

    /// @inheritdoc IFuturesMarket
    function recordSettlementFixing(
        SeriesParams calldata params,
        uint64 timestamp,
        uint32 methodologyVersion,
        address[] calldata operatorList,
        IIndexOracle.Observation[] calldata observations
    ) external whenNotEntered {
        (SeriesParams memory p, bytes32 id) = SeriesLib.load(params);
        _requireListed(id);
        uint256 windowEnd = uint256(p.expiry) + p.settlementWindow;
        if (block.timestamp > windowEnd) revert SettlementWindowClosed(windowEnd);
        if (timestamp < p.expiry) revert FixingOutsideWindow(timestamp, p.expiry, windowEnd);
        if (timestamp > block.timestamp) revert FixingNotYetDue(timestamp, block.timestamp);
        if (_settlementRounds[id][timestamp]) revert FixingAlreadyRecorded(id, timestamp);
        SeriesState storage s = _series[id];
        if (s.settledAt != 0) revert AlreadySettled(id); // settled early (limit move, unbacked loss)
        uint256 value = _oracle.verifyFixing(p.indexId, timestamp, methodologyVersion, operatorList, observations);
        if (value > type(uint96).max) revert IndexOutOfRange(p.indexId, value);
        _settlementRounds[id][timestamp] = true;
        s.fixingSum += value.toUint128();
        uint32 count = s.fixingCount + 1;
        s.fixingCount = count;
        emit SettlementFixingRecorded(id, value, timestamp, count);
    }

    /// @inheritdoc IFuturesMarket
    function settle(SeriesParams calldata params) external whenNotEntered {
        (SeriesParams memory p, bytes32 id) = SeriesLib.load(params);
        _requireListed(id);
        SeriesState storage s = _series[id];
        if (s.settledAt != 0) revert AlreadySettled(id);
        uint256 windowEnd = uint256(p.expiry) + p.settlementWindow;
        if (block.timestamp <= windowEnd) revert SettlementWindowOpen(windowEnd);
        uint32 count = s.fixingCount;
        uint256 word = _loadMarkWord(s);
        uint256 lastMark = SeriesMark.mark(word);
        uint256 price = _finalPrice(p, s, count, lastMark);
        // Within one price limit of the last mark (C30): an account that met maintenance there is solvent at it.
        uint256 finalPrice = SeriesMark.nextMark(lastMark, price, p.priceLimitBps);
        _settleAt(id, s, word, finalPrice, price, count == 0 ? SettlementKind.Fallback : SettlementKind.Window);
    }

    /// @dev The window price: the average of the `count` recorded rounds, or, with none after the grace, the last
    /// mark, frozen since expiry (C24: funds can always leave, with no oracle call; C32: no caller picks the
    /// fallback by the time he calls, as he would the oracle's latest value); rounded down to the tick, at least
    /// one tick.
    function _finalPrice(SeriesParams memory p, SeriesState storage s, uint32 count, uint256 lastMark)
        internal
        view
        returns (uint256 price)
    {
        if (count != 0) {
            price = s.fixingSum / count;
        } else {
            uint256 fallbackAfter = uint256(p.expiry) + p.settlementGrace;
            if (block.timestamp <= fallbackAfter) revert NoSettlementFixing(fallbackAfter);
            price = lastMark;
        }
        price -= price % p.tickSize;
        if (price == 0) price = p.tickSize;
    }

    /// @dev Settles the series at `price` (< 2^96): the final price, the mark word's mark and `closed` flag (so no
    /// call reads the oracle for the series again), `settledAt`; finalised at once when no account holds a position.
    /// `word` is the series' current mark word.
    function _settleAt(bytes32 id, SeriesState storage s, uint256 word, uint256 price, uint256 referencePrice, SettlementKind kind)
        internal
    {
        s.finalPrice = uint128(price);
        s.settledAt = uint64(block.timestamp);
        word = SeriesMark.withSettlement(word, price);
        _storeMarkWord(s, word);
        emit SeriesSettled(id, price, referencePrice, s.fixingCount, kind);
        if (SeriesMark.openPositions(word) == 0) _finalise(id, s);
    }

    /// @inheritdoc IFuturesMarket
    function closeOut(SeriesParams calldata params, address account) external whenNotEntered {
        (SeriesParams memory p, bytes32 id) = SeriesLib.load(params);
        SeriesState storage s = _settled(id);
        Position memory pos = _positions[id][account];
        if (pos.size == 0) revert NoPosition(id, account);
        uint256 margin = _assetsOf(s, pos.shares);
        int256 equity = int256(margin) + MarginMath.valueDown(pos.size, s.finalPrice, p.contractSize) - pos.cost;
        _storePosition(_positions[id][account], 0, 0, 0);
        s.resolvedMargin += margin.toUint128();
        if (equity > 0) {
            _owed[id][account] = uint256(equity);
            s.owedTotal += uint256(equity).toUint128();
        } else if (equity < 0) {
            s.settlementDeficit += uint256(-equity).toUint128();
        }
        uint256 word = SeriesMark.withPositionsDelta(_loadMarkWord(s), -1);
        _storeMarkWord(s, word);
        uint256 remaining = SeriesMark.openPositions(word);
        emit ClosedOut(id, account, equity, remaining);
        if (remaining == 0) _finalise(id, s);
    }

    /// @inheritdoc IFuturesMarket
    function claim(SeriesParams calldata params) external whenNotEntered returns (uint256 payout) {
        bytes32 id = SeriesLib.id(params);
        SeriesState storage s = _series[id];
        uint256 owed = _owed[id][msg.sender];
        // Only a resolved account of a settled series is owed anything: the checks below give the precise error.
        if (owed == 0) _settled(id);
        uint256 markWord = _loadMarkWord(s);
        uint256 remaining = SeriesMark.openPositions(markWord);
        if (remaining != 0) revert AccountsUnresolved(id, remaining);
        if (owed == 0) revert NothingToClaim(id, msg.sender);
        delete _owed[id][msg.sender];
        unchecked {
            // owed <= owedTotal and payableTotal <= owedTotal are below 2^128: the product fits (rounded down).
            payout = owed * s.payableTotal / s.owedTotal;
        }
        // The pool holds payableTotal for the claims since `_finalise` (rounding down keeps the sum within it).
        uint256 word = _loadPool(s);
        word = MarginPool.withAssetsPaid(word, payout);
        _storePool(s, word);
        _storeMarkWord(s, SeriesMark.withCollateralDelta(markWord, id, -int256(payout), MarginPool.fees(word)));
        _addFree(msg.sender, payout);
        emit Claimed(id, msg.sender, payout);
    }

    /// @dev Once every account is resolved. PnL is zero-sum, so the winners' owed equity exceeds what the series holds
    /// (resolved margins plus the losses realised into them earlier) by exactly the losers' deficit at F: insurance
    /// covers it first, the rest is a pro-rata haircut (`payableTotal < owedTotal`). The pool then holds the claims
    /// (`payableTotal`) plus the rounding residue of the frozen pool; no payout can exceed it.
    function _finalise(bytes32 id, SeriesState storage s) internal {
        uint256 owedTotal = s.owedTotal;
        uint256 deficit = s.settlementDeficit;
        uint256 fromInsurance = _spendInsurance(s, id, deficit);
        uint256 socialised = Math.min(deficit - fromInsurance, owedTotal);
        uint256 unbacked = deficit - fromInsurance - socialised;
        uint256 payable_ = owedTotal - socialised;
        // A loss left unbacked in trading (a liquidation beyond pool and insurance) is borne here as well: claims
        // share what the series holds beyond its fees, so none reverts and none depends on call order (C31, C32).
        // The cut moves that loss from unbacked to socialised.
        uint256 reserved = MarginPool.fees(_loadPool(s));
        uint256 held = SeriesMark.collateral(_loadMarkWord(s));
        held = held > reserved ? held - reserved : 0;
        if (payable_ > held) {
            uint256 borne = Math.min(payable_ - held, s.unbackedLoss);
            s.unbackedLoss -= uint128(borne);
            s.socialisedLoss += uint128(borne);
            payable_ = held;
        }
        s.payableTotal = uint64(payable_); // <= what the series holds <= its collateral < 2^64
        if (deficit != 0) {
            s.insuranceUsed += uint128(fromInsurance);
            s.socialisedLoss += uint128(socialised);
            s.unbackedLoss += uint128(unbacked);
            s.totalDeficit += uint128(deficit);
            emit DeficitRecorded(id, address(0), deficit, fromInsurance, socialised, unbacked);
        }
        uint256 word = _loadPool(s);
        uint256 residue = MarginPool.assets(word) - s.resolvedMargin; // share rounding: every margin read down
        _storePool(s, MarginPool.withPool(word, residue + payable_, 0));
        emit SettlementFinalised(id, owedTotal, payable_, deficit, fromInsurance, socialised);
    }

    /// @dev The state of a listed and settled series.
    function _settled(bytes32 id) internal view returns (SeriesState storage s) {
        _requireListed(id);
        s = _series[id];
        if (s.settledAt == 0) revert NotSettled(id);
    }
}
