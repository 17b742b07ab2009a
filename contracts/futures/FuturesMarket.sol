// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IIndexOracle} from "../oracle/IIndexOracle.sol";
import {IFuturesMarket, SeriesParams, Order, Signature} from "./IFuturesMarket.sol";
import {MarketCore} from "./MarketCore.sol";
import {MarketRisk} from "./MarketRisk.sol";
import {MarginMath} from "../libraries/MarginMath.sol";
import {OrderLib} from "../libraries/OrderLib.sol";
import {SeriesLib} from "../libraries/SeriesLib.sol";
import {MarginPool} from "../libraries/MarginPool.sol";
import {SeriesMark} from "../libraries/SeriesMark.sol";

/// @title FuturesMarket
/// @notice See IFuturesMarket. Entry points for funds, orders and admin; liquidation and settlement live in
/// MarketRisk, the shared accounting in MarketCore.
contract FuturesMarket is MarketRisk, Ownable2Step {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    IERC20 internal immutable _collateral;

    constructor(address owner_, IERC20 collateral_, IIndexOracle oracle_)
        MarketCore(oracle_)
        Ownable(owner_)
    {
        if (address(collateral_) == address(0) || address(oracle_) == address(0)) revert ZeroAddress();
        if (IERC20Metadata(address(collateral_)).decimals() != 6) revert UnsupportedToken(address(collateral_));
        _collateral = collateral_;
    }

    /* ACCOUNT FUNDS */

    /// @inheritdoc IFuturesMarket
    function deposit(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 balanceBefore = _collateral.balanceOf(address(this));
        _collateral.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = _collateral.balanceOf(address(this)) - balanceBefore;
        _addFree(msg.sender, received);
        emit Deposited(msg.sender, received);
    }

    /// @inheritdoc IFuturesMarket
    function withdraw(uint256 amount, address to) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        if (to == address(0)) revert ZeroAddress();
        _takeFree(msg.sender, amount);
        emit Withdrawn(msg.sender, to, amount);
        _collateral.safeTransfer(to, amount);
    }

    /// @inheritdoc IFuturesMarket
    function addMargin(SeriesParams calldata params, uint256 amount) external whenNotEntered {
        if (amount == 0) revert ZeroAmount();
        bytes32 id = _listed(params);
        SeriesState storage s = _series[id];
        if (s.settledAt != 0) revert AlreadySettled(id);
        Position storage pos = _positions[id][msg.sender];
        if (pos.size == 0) revert NoPosition(id, msg.sender);
        _takeFree(msg.sender, amount);
        _moveCollateral(s, id, int256(amount), 0);
        uint256 shares = _creditMargin(s, pos.shares, amount);
        emit MarginMoved(id, msg.sender, int256(amount), int256(shares - pos.shares));
        pos.shares = shares.toUint96();
    }

    /// @inheritdoc IFuturesMarket
    function removeMargin(SeriesParams calldata params, uint256 amount) external whenNotEntered {
        if (amount == 0) revert ZeroAmount();
        (SeriesParams memory p, bytes32 id) = SeriesLib.load(params);
        _requireListed(id);
        SeriesState storage s = _series[id];
        if (s.paused) revert SeriesPaused(id);
        Position memory pos = _positions[id][msg.sender];
        if (pos.size == 0) revert NoPosition(id, msg.sender);
        (uint256 mark, uint64 markTime) = _mark(p, id, s); // AlreadySettled once settled, SeriesExpired from expiry
        _requireFresh(p, markTime);
        _moveCollateral(s, id, -amount.toInt256(), 0); // typed SafeCast error from 2^255 on (no panic)
        uint256 sharesBefore = pos.shares;
        pos.shares = _debitMargin(s, msg.sender, pos.shares, amount).toUint96();
        int256 equity = _equity(p, s, pos, mark);
        uint256 required = MarginMath.requirementUp(pos.size, mark, p.contractSize, p.initialMarginBps);
        if (equity < int256(required)) revert BelowInitialMargin(msg.sender, equity, required);
        _storePosition(_positions[id][msg.sender], pos.size, pos.cost, pos.shares);
        _addFree(msg.sender, amount);
        emit MarginMoved(id, msg.sender, -int256(amount), -int256(sharesBefore - pos.shares));
    }

    /* ORDERS */

    /// @inheritdoc IFuturesMarket
    function fillSignedOrder(
        SeriesParams calldata params,
        Order calldata order,
        Signature calldata signature,
        uint64 size
    ) external whenNotEntered {
        Order memory o = OrderLib.load(order);
        if (msg.sender == o.maker) revert SelfTrade(msg.sender);
        (SeriesParams memory p, bytes32 id) = SeriesLib.load(params);
        if (p.makerFeeBps > o.maxFeeBps) revert FeeAboveMax(o.maker, p.makerFeeBps, o.maxFeeBps);
        bytes32 orderHash = _useOrder(_domainSeparator(), id, p, o, signature, size);
        int256 delta = o.isBuy ? int256(uint256(size)) : -int256(uint256(size));
        Leg memory maker = Leg(o.maker, delta, o.limitPrice, p.makerFeeBps, 0, false, 0, 0, 0, 0);
        Leg memory taker = Leg(msg.sender, -delta, o.limitPrice, p.takerFeeBps, 0, false, 0, 0, 0, 0);
        uint256 mark = o.isBuy ? _execute(p, id, maker, taker) : _execute(p, id, taker, maker);
        _emitOrderFilled(id, orderHash, maker, taker, o.limitPrice, mark);
    }

    /// @inheritdoc IFuturesMarket
    function crossOrders(
        SeriesParams calldata params,
        Order calldata buyOrder,
        Signature calldata buySignature,
        Order calldata sellOrder,
        Signature calldata sellSignature,
        uint64 size,
        uint128 price
    ) external whenNotEntered {
        Order memory buy = OrderLib.load(buyOrder);
        Order memory sell = OrderLib.load(sellOrder);
        if (buy.maker == sell.maker) revert SelfTrade(buy.maker);
        if (!buy.isBuy || sell.isBuy) revert SideMismatch(buy.isBuy, sell.isBuy);
        if (price > buy.limitPrice || price < sell.limitPrice) revert NotCrossing(buy.limitPrice, sell.limitPrice, price);
        (SeriesParams memory p, bytes32 id) = SeriesLib.load(params);
        if (p.takerFeeBps > buy.maxFeeBps) revert FeeAboveMax(buy.maker, p.takerFeeBps, buy.maxFeeBps);
        if (p.takerFeeBps > sell.maxFeeBps) revert FeeAboveMax(sell.maker, p.takerFeeBps, sell.maxFeeBps);
        bytes32 separator = _domainSeparator(); // checked against the chain id once for both orders
        bytes32 buyHash = _useOrder(separator, id, p, buy, buySignature, size);
        bytes32 sellHash = _useOrder(separator, id, p, sell, sellSignature, size);
        Leg memory buyLeg = Leg(buy.maker, int256(uint256(size)), price, p.takerFeeBps, 0, false, 0, 0, 0, 0);
        Leg memory sellLeg = Leg(sell.maker, -int256(uint256(size)), price, p.takerFeeBps, 0, false, 0, 0, 0, 0);
        uint256 mark = _execute(p, id, buyLeg, sellLeg);
        _emitOrdersMatched(id, buyHash, sellHash, buyLeg, sellLeg, size, price, mark);
    }

    /// @dev `emit OrderFilled(id, orderHash, maker.account, taker.account, maker.delta, price, mark, maker.fee,
    /// taker.fee, _marginChange(maker), _marginChange(taker))`, encoded in scratch memory above the free memory
    /// pointer: the event's 12 data words are all static, and a leg's `moved`, `sharesDelta` and `assetsDelta` are
    /// three consecutive words of `Leg` (offsets 0xc0..0x11f), the layout of `MarginChange`, so each is one MCOPY
    /// instead of a `MarginChange` allocated and ABI-encoded field by field. Every word is a clean value (addresses
    /// masked, the others computed or passed as their types).
    function _emitOrderFilled(
        bytes32 id,
        bytes32 orderHash,
        Leg memory maker,
        Leg memory taker,
        uint256 price,
        uint256 mark
    ) internal {
        bytes32 topic = OrderFilled.selector;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, and(mload(taker), 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(m, 0x20), mload(add(maker, 0x20))) // makerDelta
            mstore(add(m, 0x40), price)
            mstore(add(m, 0x60), mark)
            mstore(add(m, 0x80), mload(add(maker, 0x60))) // makerFee
            mstore(add(m, 0xa0), mload(add(taker, 0x60))) // takerFee
            mcopy(add(m, 0xc0), add(maker, 0xc0), 0x60)
            mcopy(add(m, 0x120), add(taker, 0xc0), 0x60)
            log4(m, 0x180, topic, id, orderHash, and(mload(maker), 0xffffffffffffffffffffffffffffffffffffffff))
        }
    }

    /// @dev `emit OrdersMatched(id, buyHash, sellHash, buyLeg.account, sellLeg.account, size, price, mark,
    /// buyLeg.fee, _marginChange(buyLeg), _marginChange(sellLeg), msg.sender)` (both makers pay the same fee: the
    /// same rate and notional), its 13 static data words encoded as in `_emitOrderFilled`.
    function _emitOrdersMatched(
        bytes32 id,
        bytes32 buyHash,
        bytes32 sellHash,
        Leg memory buyLeg,
        Leg memory sellLeg,
        uint64 size,
        uint256 price,
        uint256 mark
    ) internal {
        bytes32 topic = OrdersMatched.selector;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, and(mload(buyLeg), 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(m, 0x20), and(mload(sellLeg), 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(m, 0x40), size)
            mstore(add(m, 0x60), price)
            mstore(add(m, 0x80), mark)
            mstore(add(m, 0xa0), mload(add(buyLeg, 0x60))) // fee
            mcopy(add(m, 0xc0), add(buyLeg, 0xc0), 0x60)
            mcopy(add(m, 0x120), add(sellLeg, 0xc0), 0x60)
            mstore(add(m, 0x180), caller())
            log4(m, 0x1a0, topic, id, buyHash, sellHash)
        }
    }

    /// @dev Executes a trade between a buy leg and a sell leg whose `fee` field holds a rate in bps on entry and
    /// the fee charged (rounded up) on return. The price must be on tick and within the band around the mark.
    /// `id` is the id of `params` (computed once per call by the caller). The series' two words (pool, mark) are
    /// each loaded and stored once; the margin both legs moved in or out is booked in the series' collateral (a
    /// release beyond it less the uncollected fees reverts: C31) and the positions they opened or closed in its count.
    function _execute(SeriesParams memory params, bytes32 id, Leg memory buyLeg, Leg memory sellLeg)
        internal
        returns (uint256 mark)
    {
        SeriesState storage s = _series[id];
        uint256 pool = _loadPool(s);
        if (!MarginPool.listed(pool)) revert SeriesNotListed(id);
        if (block.timestamp >= params.expiry) revert SeriesExpired(id, params.expiry, block.timestamp);
        uint256 word;
        uint64 markTime;
        // The mark a trade moves is reported in its own event (OrderFilled / OrdersMatched), not in MarkUpdated.
        (word, mark, markTime) = _markAt(params, id, _loadMarkWord(s));
        _checkPrice(params, buyLeg.price, mark);
        uint256 amount = MarginMath.notionalDown(MarginMath.abs(buyLeg.delta), buyLeg.price, params.contractSize);
        buyLeg.fee = MarginMath.feeUp(amount, buyLeg.fee);
        sellLeg.fee = MarginMath.feeUp(amount, sellLeg.fee);
        pool = _applyLeg(params, id, pool, buyLeg, mark, markTime);
        pool = _applyLeg(params, id, pool, sellLeg, mark, markTime);
        unchecked {
            pool = MarginPool.addFees(pool, buyLeg.fee + sellLeg.fee); // each fee < 2^230
            _storePool(s, pool);
            // Each moved amount is below 2^230 in magnitude: the sum cannot overflow.
            word = SeriesMark.withCollateralDelta(word, id, buyLeg.moved + sellLeg.moved, MarginPool.fees(pool));
            _storeMarkWord(s, SeriesMark.withPositionsDelta(word, buyLeg.positionsDelta + sellLeg.positionsDelta));
        }
    }

    /// @inheritdoc IFuturesMarket
    function updateMark(SeriesParams calldata params) external whenNotEntered returns (uint256 mark) {
        (SeriesParams memory p, bytes32 id) = SeriesLib.load(params);
        _requireListed(id);
        SeriesState storage s = _series[id];
        uint256 word = _loadMarkWord(s);
        if (SeriesMark.settled(word)) revert AlreadySettled(id);
        (uint256 index, uint64 ts) = _index(p);
        mark = SeriesMark.mark(word);
        // Fixings stamped at or after expiry are the settlement's (the window's rounds), and from expiry on the mark
        // is frozen: it stays the last one before.
        if (!_becomesMark(p, word, ts)) return mark;
        uint256 next = SeriesMark.nextMark(mark, index, p.priceLimitBps);
        if (next != index) {
            // A fixing beyond the limit (C30): the series settles at the limit price.
            _settleAt(id, s, word, next, index, SettlementKind.LimitMove);
            return next;
        }
        _storeMarkWord(s, SeriesMark.withMark(word, index, ts));
        emit MarkUpdated(id, index, ts);
        return index;
    }

    /// @inheritdoc IFuturesMarket
    function cancel(Order calldata order) external {
        if (msg.sender != order.maker) revert NotMaker(msg.sender, order.maker);
        bytes32 orderHash = OrderLib.digest(_domainSeparator(), OrderLib.structHashStrict(order));
        _filled[orderHash] = CANCELLED;
        emit OrderCancelled(msg.sender, orderHash);
    }

    /// @inheritdoc IFuturesMarket
    function cancelAllBelow(uint64 newMinNonce) external {
        Account storage acc = _accounts[msg.sender];
        uint64 current = acc.minNonce;
        if (newMinNonce <= current) revert MinNonceNotIncreasing(current, newMinNonce);
        acc.minNonce = newMinNonce;
        emit MinNonceRaised(msg.sender, newMinNonce);
    }

    /// @inheritdoc IFuturesMarket
    function publishOrder(Order calldata order, Signature calldata signature) external {
        bytes32 orderHash = _orderDigest(OrderLib.load(order));
        // ecrecover returns 0 for an invalid signature: maker 0 would pass the comparison.
        if (order.maker == address(0) || OrderLib.recover(orderHash, signature.r, signature.vs) != order.maker) {
            revert InvalidSignature(orderHash);
        }
        emit OrderPublished(order.seriesId, orderHash, order.maker, order, signature);
    }

    /// @dev Checks an order for a fill of `size` (series, expiry, nonce, cancel, overfill, dust, signature) and
    /// records the fill; returns the order's digest under the domain `separator` (`_domainSeparator()`). `id` is
    /// the id of `params`. The fee cap is checked by the caller.
    function _useOrder(
        bytes32 separator,
        bytes32 id,
        SeriesParams memory params,
        Order memory order,
        Signature calldata signature,
        uint64 size
    ) internal returns (bytes32 orderHash) {
        orderHash = OrderLib.digest(separator, OrderLib.structHash(order));
        if (order.seriesId != id) revert WrongSeries(order.seriesId, id);
        if (block.timestamp >= order.expiry) revert OrderExpired(orderHash, order.expiry, block.timestamp);
        uint64 minNonce_ = _accounts[order.maker].minNonce;
        if (order.nonce < minNonce_) revert OrderNonceInvalidated(orderHash, order.nonce, minNonce_);
        uint64 done = uint64(_filled[orderHash]); // always a uint64 (see _filled)
        if (done == CANCELLED) revert OrderIsCancelled(orderHash);
        uint64 orderSize = order.size;
        uint256 total;
        unchecked {
            total = uint256(done) + size; // both < 2^64
        }
        if (size == 0 || total > orderSize) revert Overfill(orderHash, done, size, orderSize);
        done = uint64(total); // <= orderSize
        if (size < params.minSize && done != orderSize) revert FillBelowMinSize(size, params.minSize);
        if (OrderLib.recover(orderHash, signature.r, signature.vs) != order.maker || order.maker == address(0)) {
            revert InvalidSignature(orderHash);
        }
        _filled[orderHash] = done;
    }

    /* ADMIN */

    /// @inheritdoc IFuturesMarket
    function listSeries(SeriesParams calldata params) external onlyOwner returns (bytes32 id) {
        uint256 rule = SeriesLib.firstBrokenRule(params, block.timestamp);
        if (rule != 0) revert InvalidSeriesParams(rule);
        id = SeriesLib.id(params);
        SeriesState storage s = _series[id];
        if (MarginPool.listed(_loadPool(s))) revert SeriesAlreadyListed(id);
        _storePool(s, MarginPool.listedWord());
        _storeMarkWord(s, SeriesMark.initialWord());
        s.listedAt = uint64(block.timestamp);
        emit SeriesListed(id, params);
    }

    /// @inheritdoc IFuturesMarket
    function setPaused(SeriesParams calldata params, bool paused_) external onlyOwner {
        bytes32 id = _listed(params);
        SeriesState storage s = _series[id];
        uint256 pool = _loadPool(s);
        // A no-op unpause would start the liquidation grace on a series that was never paused (C26).
        if (MarginPool.paused(pool) == paused_) revert PauseUnchanged(id, paused_);
        _storePool(s, MarginPool.withPaused(pool, paused_));
        if (!paused_) s.unpausedAt = uint64(block.timestamp);
        emit PausedSet(id, paused_);
    }

    /// @inheritdoc IFuturesMarket
    function collectFees(SeriesParams calldata params, address to) external onlyOwner {
        if (to == address(0)) revert ZeroAddress();
        bytes32 id = _listed(params);
        SeriesState storage s = _series[id];
        uint256 pool = _loadPool(s);
        uint256 amount = MarginPool.fees(pool);
        _storePool(s, MarginPool.withoutFees(pool));
        _moveCollateral(s, id, -int256(amount), 0);
        _addFree(to, amount);
        emit FeesCollected(id, to, amount);
    }

    /// @inheritdoc IFuturesMarket
    function withdrawInsurance(SeriesParams calldata params, uint256 amount, address to) external onlyOwner {
        if (to == address(0)) revert ZeroAddress();
        bytes32 id = _listed(params);
        SeriesState storage s = _series[id];
        uint256 open = SeriesMark.openPositions(_loadMarkWord(s));
        if (s.settledAt == 0 || open != 0) revert InsuranceLocked(id, s.settledAt, open);
        if (amount > s.insurance) revert InsufficientInsurance(amount, s.insurance);
        s.insurance -= uint128(amount); // insurance is held apart from the series' collateral
        _addFree(to, amount);
        emit InsuranceWithdrawn(id, to, amount);
    }

    /* VIEWS */

    /// @inheritdoc IFuturesMarket
    function collateral() external view returns (address) {
        return address(_collateral);
    }

    /// @inheritdoc IFuturesMarket
    function oracle() external view returns (address) {
        return address(_oracle);
    }

    /// @inheritdoc IFuturesMarket
    function currentMark(SeriesParams calldata params) external view returns (uint256 mark, uint64 timestamp) {
        (SeriesParams memory p, bytes32 id) = SeriesLib.load(params);
        _requireListed(id);
        uint256 word = _loadMarkWord(_series[id]);
        mark = SeriesMark.mark(word);
        timestamp = SeriesMark.markTime(word);
        if (SeriesMark.settled(word)) return (mark, timestamp); // the final price
        (uint256 index, uint64 ts) = _index(p);
        if (_becomesMark(p, word, ts)) (mark, timestamp) = (SeriesMark.nextMark(mark, index, p.priceLimitBps), ts);
    }

    /// @inheritdoc IFuturesMarket
    function hashOrder(Order calldata order) external view returns (bytes32) {
        return _orderDigest(OrderLib.load(order));
    }

    /// @inheritdoc IFuturesMarket
    function freeBalance(address account) external view returns (uint256) {
        return _accounts[account].free;
    }

    /// @inheritdoc IFuturesMarket
    function filled(bytes32 orderHash) external view returns (uint64) {
        return uint64(_filled[orderHash]);
    }

    /// @inheritdoc IFuturesMarket
    function minNonce(address maker) external view returns (uint64) {
        return _accounts[maker].minNonce;
    }

    /// @inheritdoc IFuturesMarket
    function position(bytes32 seriesId, address account) external view returns (Position memory) {
        return _positions[seriesId][account];
    }

    /// @inheritdoc IFuturesMarket
    function seriesState(bytes32 seriesId) external view returns (SeriesState memory) {
        return _series[seriesId];
    }

    /// @inheritdoc IFuturesMarket
    function owedOf(bytes32 seriesId, address account) external view returns (uint256) {
        return _owed[seriesId][account];
    }

    /// @inheritdoc IFuturesMarket
    function settlementRoundRecorded(bytes32 seriesId, uint64 timestamp) external view returns (bool) {
        return _settlementRounds[seriesId][timestamp];
    }

    /// @inheritdoc IFuturesMarket
    function marginOf(bytes32 seriesId, address account) external view returns (uint256) {
        return _assetsOf(_series[seriesId], _positions[seriesId][account].shares);
    }

    /// @inheritdoc IFuturesMarket
    function accountHealth(SeriesParams calldata params, address account, uint256 mark)
        external
        view
        returns (int256 equity, uint256 initialRequired, uint256 maintenanceRequired)
    {
        if (mark > type(uint96).max) revert IndexOutOfRange(params.indexId, mark);
        (SeriesParams memory p, bytes32 id) = SeriesLib.load(params);
        Position memory pos = _positions[id][account];
        equity = _equity(p, _series[id], pos, mark);
        initialRequired = MarginMath.requirementUp(pos.size, mark, p.contractSize, p.initialMarginBps);
        maintenanceRequired = MarginMath.requirementUp(pos.size, mark, p.contractSize, p.maintenanceMarginBps);
    }
}
