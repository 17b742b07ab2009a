// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IIndexOracle} from "../oracle/IIndexOracle.sol";
import {IFuturesMarket, SeriesParams, MarginChange} from "./IFuturesMarket.sol";
import {MarginMath} from "../libraries/MarginMath.sol";
import {SeriesLib} from "../libraries/SeriesLib.sol";
import {MarginPool} from "../libraries/MarginPool.sol";
import {SeriesMark} from "../libraries/SeriesMark.sol";
import {OrderLib} from "../libraries/OrderLib.sol";
import {Order} from "./IFuturesMarket.sol";

/// @title MarketCore
/// @notice Storage and the internal accounting shared by trading, liquidation and settlement.
abstract contract MarketCore is IFuturesMarket, ReentrancyGuardTransient, EIP712 {
    using SafeCast for uint256;
    using SafeCast for int256;

    /// @notice Liquidations stay blocked this long after an unpause, so accounts can add margin first.
    uint256 public constant LIQUIDATION_GRACE = 1 hours;
    /// @dev `filled` value of a cancelled order.
    uint64 internal constant CANCELLED = type(uint64).max;

    IIndexOracle internal immutable _oracle;

    /// @dev An account's free balance and order nonce floor share one slot: a fill that tops up a maker's margin
    /// reads both, so the second read is warm (saves a cold SLOAD, 2,100 gas, per maker). `free` is the low part.
    struct Account {
        uint192 free;
        uint64 minNonce;
    }

    mapping(address account => Account) internal _accounts;
    /// @dev Filled size of each order by digest (`CANCELLED` once cancelled): a `uint64` value held in a `uint256`,
    /// so that recording a fill stores the whole slot without reading it again (a `uint64` value type is stored by
    /// read-modify-write: one more warm SLOAD per order filled). Every value written is a `uint64`.
    mapping(bytes32 orderHash => uint256) internal _filled;
    mapping(bytes32 seriesId => SeriesState) internal _series;
    mapping(bytes32 seriesId => mapping(address account => Position)) internal _positions;
    /// @dev Settlement rounds recorded per series, by round timestamp (each counts once).
    mapping(bytes32 seriesId => mapping(uint64 timestamp => bool)) internal _settlementRounds;
    /// @dev What a resolved account is owed at the final price before the haircut; cleared by its claim.
    mapping(bytes32 seriesId => mapping(address account => uint256)) internal _owed;

    /// @dev The EIP-712 domain ("tokenfutures", "1", chain id, this contract) is OpenZeppelin's `EIP712`, which also
    /// serves ERC-5267 `eip712Domain()` to wallets.
    constructor(IIndexOracle oracle_) EIP712(OrderLib.NAME, OrderLib.VERSION) {
        _oracle = oracle_;
    }

    /// @dev Guard of every state-changing function that calls no contract able to re-enter (no token transfer;
    /// the oracle is read by STATICCALL, ecrecover is a precompile). Only `deposit` and `withdraw` call the token,
    /// and they take the full `nonReentrant` lock; everything else refuses to run while that lock is held (C19: a
    /// token hook re-entering `fillSignedOrder` reverts) without taking it, which saves two transient writes.
    modifier whenNotEntered() {
        if (_reentrancyGuardEntered()) revert ReentrancyGuardReentrantCall();
        _;
    }

    /* EIP-712 */

    /// @dev OpenZeppelin's separator: cached at deployment, rebuilt whenever the chain id (or the address) differs
    /// (a fork), so orders never replay (C01).
    function _domainSeparator() internal view returns (bytes32) {
        return _domainSeparatorV4();
    }

    function _orderDigest(Order memory o) internal view returns (bytes32) {
        return OrderLib.digest(_domainSeparator(), OrderLib.structHash(o));
    }

    /* SERIES AND INDEX */

    /// @dev The id of a listed series.
    function _listed(SeriesParams calldata params) internal view returns (bytes32 id) {
        id = SeriesLib.id(params);
        _requireListed(id);
    }

    function _requireListed(bytes32 id) internal view {
        if (!MarginPool.listed(_loadPool(_series[id]))) revert SeriesNotListed(id);
    }

    /// @dev The latest index value and its timestamp (any age). Values are below 2^96 (the mark word's field, within
    /// MarginMath's domain; the oracle's bounds are below it too) and timestamps below 2^40 (year 36812).
    /// Equals `(value, ts) = _oracle.latest(p.indexId)` plus the range check, through a direct STATICCALL with
    /// the arguments and the result in scratch memory; an oracle revert is bubbled up unchanged.
    function _index(SeriesParams memory p) internal view returns (uint256 value, uint64 ts) {
        address oracle_ = address(_oracle);
        bytes4 selector = IIndexOracle.latest.selector;
        bytes32 indexId = p.indexId;
        uint256 rawTs;
        bool ok;
        assembly ("memory-safe") {
            mstore(0x00, selector)
            mstore(0x04, indexId)
            ok := staticcall(gas(), oracle_, 0x00, 0x24, 0x00, 0x40)
            ok := and(ok, iszero(lt(returndatasize(), 0x40))) // after the call: Yul evaluates arguments right to left
            value := mload(0x00)
            rawTs := mload(0x20)
            if iszero(ok) {
                returndatacopy(0x00, 0x00, returndatasize())
                revert(0x00, returndatasize())
            }
        }
        if (value > type(uint96).max || rawTs > type(uint40).max) revert IndexOutOfRange(indexId, value);
        ts = uint64(rawTs);
    }

    /// @dev Reverts with `StaleIndex` when a fixing of time `ts` is older than `maxFixingAge`.
    function _requireFresh(SeriesParams memory p, uint64 ts) internal view {
        uint256 freshUntil;
        unchecked {
            freshUntil = uint256(ts) + p.maxFixingAge; // < 2^64 + 2^32
        }
        if (freshUntil < block.timestamp) revert StaleIndex(p.indexId, ts, block.timestamp, p.maxFixingAge);
    }

    /// @dev The series' mark and the oracle time it stands for, given the series' mark word `word`, and the word
    /// with that mark in it (the caller stores it): a fixing newer than the one the stored mark was taken from and
    /// stamped before expiry becomes the mark (the first mark is the index); otherwise the stored mark stands, with
    /// its own time (fixings stamped at or after expiry are the settlement's: the last mark before expiry anchors
    /// the final price, whoever calls first). Reverts with `AlreadySettled` once the series settled and with
    /// `LimitMove` when the new fixing lies beyond the price limit: then `updateMark` settles the series at the limit
    /// price (C30), so no trade, margin removal or liquidation ever runs at a price the index has left behind.
    function _markAt(SeriesParams memory p, bytes32 id, uint256 word)
        internal
        view
        returns (uint256, uint256 mark, uint64 ts)
    {
        if (SeriesMark.settled(word)) revert AlreadySettled(id);
        (uint256 index, uint64 time) = _index(p);
        mark = SeriesMark.mark(word);
        ts = SeriesMark.markTime(word);
        if (_becomesMark(p, word, time)) {
            if (SeriesMark.nextMark(mark, index, p.priceLimitBps) != index) revert LimitMove(id, mark, index);
            (mark, ts) = (index, time);
            word = SeriesMark.withMark(word, mark, ts);
        }
        return (word, mark, ts);
    }

    /// @dev Whether the fixing of time `time` becomes the mark of a series whose mark word is `word`: the first one
    /// (no mark yet), or one newer than the mark, stamped before expiry and seen before expiry. From expiry on the
    /// mark is frozen (a round stamped before expiry but posted after it is not taken in): it anchors the final
    /// price's clamp, so no caller after expiry, with the window's rounds in sight, moves it, and it is a mark at
    /// which liquidations were open (they stop at expiry), so the gap rule covers the step to the final price.
    function _becomesMark(SeriesParams memory p, uint256 word, uint64 time) internal view returns (bool) {
        return (time > SeriesMark.markTime(word) && time < p.expiry && block.timestamp < p.expiry)
            || SeriesMark.mark(word) == 0;
    }

    /// @dev `_markAt` on the stored mark word, storing the new mark: the mark of every call that needs one outside
    /// a trade (margin removal, liquidation). Both stop at expiry with trading (`SeriesExpired`, after `AlreadySettled`):
    /// every account is then resolved at the final price, no liquidator picks the last mark over the window's price,
    /// and no winner who sees the window head for a deficit takes margin out first and shifts the haircut.
    function _mark(SeriesParams memory p, bytes32 id, SeriesState storage s) internal returns (uint256 mark, uint64 ts) {
        uint256 before = _loadMarkWord(s);
        uint256 word;
        (word, mark, ts) = _markAt(p, id, before);
        if (block.timestamp >= p.expiry) revert SeriesExpired(id, p.expiry, block.timestamp);
        _storeMarkWord(s, word);
        _emitMarkIfMoved(id, before, word);
    }

    /// @dev Emits `MarkUpdated` when `word` holds a mark taken from a newer fixing than `before`.
    function _emitMarkIfMoved(bytes32 id, uint256 before, uint256 word) internal {
        uint64 time = SeriesMark.markTime(word);
        if (time != SeriesMark.markTime(before)) emit MarkUpdated(id, SeriesMark.mark(word), time);
    }

    /// @dev Execution prices lie on the tick and within mark +- band.
    function _checkPrice(SeriesParams memory p, uint256 price, uint256 mark) internal pure {
        if (price % p.tickSize != 0) revert OffTick(price, p.tickSize);
        unchecked {
            // mark < 2^96 and band <= mark; price < 2^128 (a uint128 limit or a mark): no overflow.
            uint256 band = mark * p.priceBandBps / MarginMath.BPS;
            if (price + band < mark || price > mark + band) revert OutsidePriceBand(price, mark, p.priceBandBps);
        }
    }

    /* MARGIN POOL AND POSITIONS */

    /// @dev The series' first slot (margin pool, fees, flags) as one word; see MarginPool.
    function _loadPool(SeriesState storage s) internal view returns (uint256 word) {
        assembly ("memory-safe") {
            word := sload(s.slot)
        }
    }

    function _storePool(SeriesState storage s, uint256 word) internal {
        assembly ("memory-safe") {
            sstore(s.slot, word)
        }
    }

    /// @dev The series' second slot (mark, mark time, collateral, open positions) as one word; see SeriesMark.
    function _loadMarkWord(SeriesState storage s) internal view returns (uint256 word) {
        assembly ("memory-safe") {
            word := sload(add(s.slot, 1))
        }
    }

    function _storeMarkWord(SeriesState storage s, uint256 word) internal {
        assembly ("memory-safe") {
            sstore(add(s.slot, 1), word)
        }
    }

    /// @dev Changes the series' collateral by `delta` (> 0: tokens attributed to the series; < 0: a payout, which
    /// reverts with `SeriesCollateralShort` beyond what the series holds less its uncollected fees) and its
    /// open-position count by `positions`.
    function _moveCollateral(SeriesState storage s, bytes32 id, int256 delta, int256 positions) internal {
        uint256 word = SeriesMark.withCollateralDelta(_loadMarkWord(s), id, delta, MarginPool.fees(_loadPool(s)));
        _storeMarkWord(s, SeriesMark.withPositionsDelta(word, positions));
    }

    /// @dev A position's fields in one SLOAD (`Position` packing: size bits 0..63, cost 64..159, shares 160..255).
    function _loadPosition(Position storage ref) internal view returns (int256 size, int256 cost, uint256 shares) {
        assembly ("memory-safe") {
            let word := sload(ref.slot)
            size := signextend(7, word)
            cost := signextend(11, shr(64, word))
            shares := shr(160, word)
        }
    }

    /// @dev Stores a position's fields in one SSTORE (all zero clears the slot); reverts if a field does not fit.
    function _storePosition(Position storage ref, int256 size, int256 cost, uint256 shares) internal {
        bool fits;
        assembly ("memory-safe") {
            fits := and(and(eq(signextend(7, size), size), eq(signextend(11, cost), cost)), iszero(shr(96, shares)))
        }
        if (!fits) {
            if (size != int64(size)) revert SafeCast.SafeCastOverflowedIntDowncast(64, size);
            if (cost != int96(cost)) revert SafeCast.SafeCastOverflowedIntDowncast(96, cost);
            revert SafeCast.SafeCastOverflowedUintDowncast(96, shares);
        }
        assembly ("memory-safe") {
            let low := or(and(size, 0xffffffffffffffff), shl(64, and(cost, 0xffffffffffffffffffffffff)))
            sstore(ref.slot, or(low, shl(160, shares)))
        }
    }

    function _assetsOf(SeriesState storage s, uint256 shares) internal view returns (uint256) {
        return MarginPool.assetsOf(_loadPool(s), shares);
    }

    /// @dev Equity of a position at `mark`, rounded down.
    function _equity(SeriesParams memory p, SeriesState storage s, Position memory pos, uint256 mark)
        internal
        view
        returns (int256)
    {
        return int256(_assetsOf(s, pos.shares)) + MarginMath.valueDown(pos.size, mark, p.contractSize) - pos.cost;
    }

    /// @dev Adds `amount` to a position's margin (new shares rounded down) and returns the new share count.
    function _creditMargin(SeriesState storage s, uint256 shares, uint256 amount) internal returns (uint256) {
        uint256 word;
        (word, shares) = MarginPool.credit(_loadPool(s), shares, amount);
        _storePool(s, word);
        return shares;
    }

    /// @dev Takes `amount` from a position's margin (shares burnt rounded up); reverts if the margin is short.
    function _debitMargin(SeriesState storage s, address account, uint256 shares, uint256 amount)
        internal
        returns (uint256)
    {
        uint256 word;
        (word, shares) = MarginPool.debit(_loadPool(s), account, shares, amount);
        _storePool(s, word);
        return shares;
    }

    /// @dev Removes all of a position's shares from the pool and returns their assets (rounded down).
    function _removeAllShares(SeriesState storage s, uint256 shares) internal returns (uint256 assets) {
        uint256 word;
        (word, assets) = MarginPool.removeAll(_loadPool(s), shares);
        _storePool(s, word);
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

    /// @dev Credits `amount` to an account's free balance (reverts past 2^192 units, far above any token supply) in
    /// one SLOAD and one SSTORE. Equals `acc.free = (acc.free + amount).toUint192();`: once the sum is checked to fit
    /// 192 bits, adding `amount` to the whole word never carries into `minNonce` above it.
    function _addFree(address account, uint256 amount) internal {
        Account storage acc = _accounts[account];
        uint256 word;
        assembly ("memory-safe") {
            word := sload(acc.slot)
        }
        uint256 next = uint256(uint192(word)) + amount; // amount < 2^230 (MarketCore bounds): no overflow
        if (next > type(uint192).max) revert SafeCast.SafeCastOverflowedUintDowncast(192, next);
        assembly ("memory-safe") {
            sstore(acc.slot, add(word, amount))
        }
    }

    /* TRADES */

    /// @notice Inputs of one account's side of a trade. The order of fields is relied on: the event encoders of
    /// FuturesMarket copy `moved`, `sharesDelta` and `assetsDelta` (words 6 to 8) as one block.
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
        /// @dev Output: change of the account's margin pool shares.
        int256 sharesDelta;
        /// @dev Output: change of the margin pool's assets through this leg (PnL, fee, bonus, top-up, release).
        int256 assetsDelta;
        /// @dev Output: +1 when the account's position opened, -1 when it closed (the series' open-position count).
        int256 positionsDelta;
    }

    /// @dev A leg's outputs as reported in the trade and liquidation events.
    function _marginChange(Leg memory leg) internal pure returns (MarginChange memory) {
        return MarginChange(leg.moved, leg.sharesDelta, leg.assetsDelta);
    }

    /// @dev `_applyLeg` on the series' stored pool word (a trade of one leg: the liquidator's).
    function _applyLegStored(
        SeriesParams memory p,
        bytes32 id,
        Leg memory leg,
        uint256 mark,
        uint64 markTime
    ) internal {
        SeriesState storage s = _series[id];
        _storePool(s, _applyLeg(p, id, _loadPool(s), leg, mark, markTime));
    }

    /// @dev Applies one side of a trade to the series' pool word `pool` (see MarginPool) and returns the updated
    /// word; the caller stores it. The trade rule (dYdX P1, C29): afterwards the account either meets initial
    /// margin at the mark, or it reduced its risk (same side, smaller |size|) without lowering its margin ratio
    /// (equity / notional at the mark) and with equity >= 0. A reducing leg that keeps the ratio needs no fresh
    /// index and works while paused; its realized loss and fee are paid from its margin. Any other leg needs a fresh
    /// index and an unpaused market and is brought to initial margin: the shortfall (plus one unit for share
    /// rounding) moves from the free balance. A position that reaches zero releases its margin (equity >= 0). The
    /// amount moved is returned in `leg.moved` and a position opened or closed in `leg.positionsDelta` (the caller
    /// books both in the series' mark word, the amount also in its event).
    /// Bounds (why the unchecked blocks cannot overflow): |size|, |delta| < 2^64; prices < 2^128 and contract
    /// sizes < 2^96 (listing rule 3), so every notional, cost, PnL, fee and bonus is below 2^230 in magnitude.
    function _applyLeg(
        SeriesParams memory p,
        bytes32 id,
        uint256 pool,
        Leg memory leg,
        uint256 mark,
        uint64 markTime
    ) internal returns (uint256) {
        Position storage ref = _positions[id][leg.account];
        (int256 size, int256 cost, uint256 shares) = _loadPosition(ref);
        unchecked {
            // Shares and assets < 2^96: the deltas are the final values minus these.
            leg.sharesDelta = -int256(shares);
            leg.assetsDelta = -int256(MarginPool.assets(pool));
        }
        int256 delta = leg.delta;
        if (size == 0 && delta != 0) leg.positionsDelta = 1; // a position opens
        uint256 contractSize = p.contractSize;
        uint256 absBefore = MarginMath.abs(size);
        // Reduces: same side afterwards, smaller |size| (a close to zero is handled below).
        bool reduces = size != 0 && (size > 0) != (delta > 0) && MarginMath.abs(delta) < absBefore;
        int256 equityBefore;
        unchecked {
            // Rounded up (against the account: the ratio it must keep is the higher one).
            if (reduces) {
                equityBefore =
                    int256(MarginPool.assetsOf(pool, shares)) + MarginMath.valueUp(size, mark, contractSize) - cost;
            }
        }
        int256 pnl;
        (cost, pnl) = MarginMath.applyFill(size, cost, delta, leg.price, contractSize);
        unchecked {
            size += delta;
            pnl = pnl + int256(leg.bonus) - int256(leg.fee);
        }

        if (size == 0) {
            if (delta != 0) leg.positionsDelta = -1; // a position closed (it was non-zero: delta != 0)
            uint256 assets;
            (pool, assets) = MarginPool.removeAll(pool, shares);
            int256 released;
            unchecked {
                released = int256(assets) + pnl;
            }
            if (released < 0) revert InsufficientMargin(leg.account, uint256(-pnl), assets);
            _storePosition(ref, 0, 0, 0);
            if (released > 0) {
                _addFree(leg.account, uint256(released));
                leg.moved = -released;
            }
            unchecked {
                leg.assetsDelta += int256(MarginPool.assets(pool));
            }
            return pool;
        }
        if (MarginMath.abs(size) < p.minSize && !leg.liquidator) revert DustPosition(leg.account, size, p.minSize);

        uint256 topUp;
        int256 margin;
        int256 equity;
        unchecked {
            // Margin and equity after the leg, before the share rounding of the credit or debit below (at most one
            // unit: the top-up adds one, the ratio test takes one off, both against the account).
            margin = int256(MarginPool.assetsOf(pool, shares)) + pnl;
            equity = margin + MarginMath.valueDown(size, mark, contractSize) - cost;
        }
        // A reduction the rule accepts keeps a margin >= 0 (its realized loss and fee are paid from it).
        if (!(reduces && margin >= 0 && _ratioKept(equityBefore, absBefore, equity - 1, MarginMath.abs(size)))) {
            _requireRiskAllowed(p, id, pool, markTime);
            // What the free balance must add so that the position reaches initial margin at the mark.
            uint256 required = MarginMath.requirementUp(size, mark, contractSize, p.initialMarginBps);
            unchecked {
                if (equity < int256(required)) topUp = uint256(int256(required) - equity) + 1;
            }
        }
        int256 net;
        unchecked {
            net = pnl + int256(topUp);
        }
        if (net >= 0) (pool, shares) = MarginPool.credit(pool, shares, uint256(net));
        else (pool, shares) = MarginPool.debit(pool, leg.account, shares, uint256(-net));
        if (topUp != 0) {
            _takeFree(leg.account, topUp);
            leg.moved = int256(topUp);
        }
        _storePosition(ref, size, cost, shares);
        unchecked {
            leg.sharesDelta += int256(shares);
            leg.assetsDelta += int256(MarginPool.assets(pool));
        }
        return pool;
    }

    /// @dev New risk needs an unpaused series and a fresh index.
    function _requireRiskAllowed(SeriesParams memory p, bytes32 id, uint256 pool, uint64 markTime) internal view {
        if (MarginPool.paused(pool)) revert SeriesPaused(id);
        _requireFresh(p, markTime);
    }

    /// @dev The dYdX reduce rule: equity after >= 0 and equityAfter / absAfter >= equityBefore / absBefore, compared
    /// by cross-multiplication (rounded against the account: `equityBefore` was rounded up, `equityAfter` down).
    function _ratioKept(int256 equityBefore, uint256 absBefore, int256 equityAfter, uint256 absAfter)
        internal
        pure
        returns (bool)
    {
        if (equityAfter < 0) return false;
        if (equityBefore <= 0) return true;
        // equityBefore * absAfter <= equityAfter * absBefore  <=>  ceil(equityBefore * absAfter / absBefore) <= equityAfter.
        return MarginMath.mulDivUp(uint256(equityBefore), absAfter, absBefore) <= uint256(equityAfter);
    }

    /* LOSSES */

    /// @dev Takes up to `deficit` from the series' insurance fund and moves it into the series' collateral (it now
    /// backs the winners' margins or claims); returns the amount. The one way insurance pays (trading and settlement).
    function _spendInsurance(SeriesState storage s, bytes32 id, uint256 deficit) internal returns (uint256 amount) {
        amount = Math.min(deficit, s.insurance);
        s.insurance -= uint128(amount);
        _storeMarkWord(s, SeriesMark.withCollateralDelta(_loadMarkWord(s), id, int256(amount), 0));
    }

    /// @dev Loss waterfall for a deficit realised in a series: the series' insurance fund (moved into the series'
    /// collateral), then a pro-rata cut of every margin in the series (lowering `marginAssets`), the rest recorded as
    /// unbacked.
    function _absorbDeficit(bytes32 id, address account, uint256 deficit) internal {
        if (deficit == 0) return;
        SeriesState storage s = _series[id];
        uint256 fromInsurance = _spendInsurance(s, id, deficit);
        uint256 rest = deficit - fromInsurance;
        uint256 pool = _loadPool(s);
        uint256 socialised = Math.min(rest, MarginPool.assets(pool));
        uint256 unbacked = rest - socialised;
        _storePool(s, MarginPool.withHaircut(pool, socialised));
        s.totalDeficit += deficit.toUint128();
        s.insuranceUsed += uint128(fromInsurance);
        s.socialisedLoss += uint128(socialised);
        s.unbackedLoss += unbacked.toUint128();
        emit DeficitRecorded(id, account, deficit, fromInsurance, socialised, unbacked);
    }
}
