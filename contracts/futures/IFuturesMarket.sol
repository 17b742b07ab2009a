// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IIndexOracle} from "../oracle/IIndexOracle.sol";

/// @notice Immutable parameters of a dated futures series. Passed in calldata on every call and hashed to the
/// series id: `seriesId = keccak256(abi.encode(params))`. Storage keeps only the series' mutable state.
/// @dev Units: prices and index values have 18 decimals; amounts are collateral base units (6 decimals for USDC).
struct SeriesParams {
    /// @notice Oracle index the series marks and settles against.
    bytes32 indexId;
    /// @notice Unix seconds; no trade at or after it.
    uint64 expiry;
    /// @notice Collateral base units per contract per 1.0 (1e18) of index.
    uint128 contractSize;
    /// @notice Price granularity (18 decimals); listing requires `tickSize * contractSize % 1e18 == 0`.
    uint128 tickSize;
    /// @notice Smallest fill and smallest non-zero position, in contracts (dust rule).
    uint64 minSize;
    uint16 initialMarginBps;
    uint16 maintenanceMarginBps;
    uint16 makerFeeBps;
    uint16 takerFeeBps;
    /// @notice Execution prices must lie within mark +- priceBandBps.
    uint16 priceBandBps;
    /// @notice Price limit: per new oracle fixing the series' mark moves at most priceLimitBps of the previous mark
    /// toward the index (the index clamped, like an exchange's daily limit). Listing requires
    /// priceLimitBps < maintenanceMarginBps, so an account at maintenance keeps equity >= 0 at the next mark.
    uint16 priceLimitBps;
    /// @notice Liquidator reward, in bps of the liquidated notional, bounded by the account's remaining margin.
    uint16 liquidationPenaltyBps;
    /// @notice Maximum age (s) of the index for risk-increasing calls.
    uint32 maxFixingAge;
    /// @notice Settlement fixings are those with timestamp in [expiry, expiry + settlementWindow].
    uint32 settlementWindow;
    /// @notice With no settlement fixing recorded, the fallback may settle after expiry + settlementGrace.
    uint32 settlementGrace;
}

/// @notice A maker's signed order (EIP-712 type `Order`, domain name "tokenfutures", version "1").
struct Order {
    address maker;
    bytes32 seriesId;
    bool isBuy;
    /// @notice Contracts.
    uint64 size;
    /// @notice Worst acceptable price (18 decimals): highest for a buy, lowest for a sell.
    uint128 limitPrice;
    /// @notice The order is valid while `block.timestamp < expiry` (exclusive).
    uint64 expiry;
    /// @notice Orders with `nonce < minNonce(maker)` are dead.
    uint64 nonce;
    /// @notice Highest fee rate (bps of notional) the maker accepts to pay.
    uint16 maxFeeBps;
}

/// @notice An ECDSA signature in the EIP-2098 compact form: `vs` holds s (low 255 bits, must be in the lower
/// half of the curve order) and the y parity (top bit; v = 27 + parity). Two static words: no offset, length or
/// padding in calldata. viem: `signatureToCompactSignature(parseSignature(sig))` gives `{ r, yParityAndS }`.
struct Signature {
    bytes32 r;
    bytes32 vs;
}

/// @notice How one account's margin in a series changed in one trade or liquidation leg, so that an indexer
/// updates its replica by adding fields (no share rounding to mirror).
struct MarginChange {
    /// @notice Collateral moved from the free balance into margin (> 0: a top-up to initial margin) or released to
    /// the free balance (< 0: a close to zero).
    int256 moved;
    /// @notice Change of the account's margin pool shares (and of the pool's share total).
    int256 shares;
    /// @notice Change of the pool's assets through this leg: realized PnL, fee, liquidation bonus, top-up, release.
    int256 assets;
}

/// @title IFuturesMarket
/// @notice Cash-settled dated futures on an oracle index, with isolated margin per series, one 6-decimal
/// collateral token, EIP-712 signed orders, permissionless liquidation, a per-series insurance fund and
/// pro-rata socialised losses, and window-average final settlement with a fallback.
/// @dev Accounting model (see docs/contracts.md):
/// - Free balance: collateral an account deposited and that backs nothing; always withdrawable.
/// - Position (per series and account, one slot): signed `size` (contracts, long > 0), signed `cost`
///   (sum of entry notionals, collateral units, rounded up) and `shares` of the series' margin pool.
/// - Margin pool (per series): `marginAssets` and `marginShares`; an account's margin is
///   `shares * (marginAssets + 1) / (marginShares + 1)` rounded down. A deficit that the insurance fund cannot
///   cover lowers `marginAssets`, which shrinks every position's margin in the series pro rata, in O(1).
/// - Equity = margin + floor(size * mark * contractSize / 1e18) - cost. Requirements
///   ceil(|size| * mark * contractSize * bps / 1e22). The mark is the index of the latest fixing; a fixing beyond
///   the price limit (the previous mark +- priceLimitBps) settles the series at the limit price (SeriesState.mark).
/// - Collateral (per series): every payout out of a series is bounded by what it holds (SeriesState.collateral).
interface IFuturesMarket {
    /// @notice How a series settled (`SeriesSettled`): after its window from the recorded rounds, by the fallback
    /// (no round recorded, the oracle's latest value after the grace), early at the limit price of a fixing beyond
    /// the price limit, or early at the mark when a bankrupt account's deficit exceeds the insurance.
    enum SettlementKind {
        Window,
        Fallback,
        LimitMove,
        UnbackedLoss
    }

    /// @notice An account's position in a series, packed in one storage slot.
    struct Position {
        int64 size;
        int96 cost;
        uint96 shares;
    }

    /// @notice Mutable state of a series. The first two slots (the pool word: margin pool, fees, listed, paused;
    /// the mark word: mark, its fixing time, collateral, open positions) are the only series slots a trade touches; each is read
    /// and written through one library (MarginPool, SeriesMark).
    struct SeriesState {
        uint96 marginAssets;
        uint96 marginShares;
        /// @notice Trading fees accrued and not yet collected.
        uint48 fees;
        bool listed;
        /// @notice New risk (risk-increasing trades, margin removal) and liquidations are blocked.
        bool paused;
        /// @notice The series' mark (18 decimals): the index of the fixing of `markTime`, as long as each new fixing
        /// lies within priceLimitBps of the previous mark; after settlement, the final price. 0 before the first
        /// trade, liquidation, margin removal or `updateMark`.
        uint96 mark;
        /// @notice Oracle timestamp of the fixing the mark was last taken from.
        uint40 markTime;
        /// @notice Collateral units backing the series' margins and fees: margin moved in from free balances and
        /// insurance spent on deficits, minus margin released, fees collected and claims paid. Every payout to a
        /// trader is bounded by it less the uncollected fees (isolation); insurance is held apart in `insurance`.
        uint64 collateral;
        /// @notice Accounts holding a position (size != 0) in the series; after settlement, those not yet resolved.
        /// Claims and insurance withdrawal open when it reaches 0 after settlement. In the mark word, which every
        /// trade writes anyway.
        uint32 openPositions;
        /// @notice Set at listing (keeps the mark word non-zero: a trade never pays for a write from zero).
        bool initialised;
        /// @notice Set with `settledAt`: the mark is the final price and no call reads the oracle for it again.
        bool closed;
        /// @notice The series' insurance fund (held apart from `collateral`) and what it has paid toward deficits.
        uint128 insurance;
        uint128 insuranceUsed;
        /// @notice Sum and count of the settlement rounds recorded (each round timestamp at most once).
        uint128 fixingSum;
        uint32 fixingCount;
        /// @notice Last unpause; liquidations wait LIQUIDATION_GRACE after it.
        uint64 unpausedAt;
        /// @notice The final settlement price: the window average (or the fallback) clamped to the last mark +-
        /// priceLimitBps; or, if the series settled early, the limit price of a fixing beyond the limit or the mark at
        /// which a loss went unbacked (see `SeriesSettled`). 0 before.
        uint128 finalPrice;
        /// @notice Listing time.
        uint64 listedAt;
        /// @notice Sum of the positive equities at F of the resolved accounts (what winners are owed).
        uint128 owedTotal;
        /// @notice What the owed equities are paid in total, fixed when the last account is resolved: owedTotal minus
        /// the part of `settlementDeficit` insurance does not cover, at most the series' collateral (< 2^64); each
        /// claim pays owed x payableTotal / owedTotal. In one slot with `owedTotal`: a claim reads both at once.
        uint64 payableTotal;
        /// @notice When the series settled: accounts are resolved at `finalPrice`. Set before any resolution, it keeps the slot non-zero, so the first winner's resolution does not pay for a
        /// write from zero.
        uint64 settledAt;
        uint128 totalDeficit;
        uint128 socialisedLoss;
        uint128 unbackedLoss;
        /// @notice Sum of the negative equities at F of the resolved accounts (losses beyond their margin).
        uint128 settlementDeficit;
        /// @notice Sum of the resolved accounts' margins (pool assets); the rest of the frozen pool is rounding residue.
        uint128 resolvedMargin;
    }

    /* EVENTS */

    event Deposited(address indexed account, uint256 amount);
    event Withdrawn(address indexed account, address indexed to, uint256 amount);
    event SeriesListed(bytes32 indexed seriesId, SeriesParams params);
    /// @notice A taker filled part of a maker's order at the order's limit price.
    /// @param makerDelta The maker's position change in contracts: > 0 bought, < 0 sold (the taker's is its negation).
    /// @param mark The series' mark the trade was checked at (a mark moved by this trade is reported here only).
    /// @param makerMargin The maker's margin change; `takerMargin` the taker's.
    event OrderFilled(
        bytes32 indexed seriesId,
        bytes32 indexed orderHash,
        address indexed maker,
        address taker,
        int256 makerDelta,
        uint256 price,
        uint256 mark,
        uint256 makerFee,
        uint256 takerFee,
        MarginChange makerMargin,
        MarginChange takerMargin
    );
    /// @notice Two orders were matched by `matcher`; each maker paid `fee` (`takerFeeBps` of the notional, rounded
    /// up). Mark and margin changes as in OrderFilled.
    event OrdersMatched(
        bytes32 indexed seriesId,
        bytes32 indexed buyHash,
        bytes32 indexed sellHash,
        address buyMaker,
        address sellMaker,
        uint64 size,
        uint256 price,
        uint256 mark,
        uint256 fee,
        MarginChange buyMargin,
        MarginChange sellMargin,
        address matcher
    );
    /// @notice The series' mark moved to `mark`, taken from the oracle fixing of time `timestamp` (the index
    /// clamped to the previous mark +- priceLimitBps).
    event MarkUpdated(bytes32 indexed seriesId, uint256 mark, uint64 timestamp);
    event OrderCancelled(address indexed maker, bytes32 indexed orderHash);
    event MinNonceRaised(address indexed maker, uint64 minNonce);
    /// @notice Carries a signed order in full so that the open book can be rebuilt from logs.
    event OrderPublished(
        bytes32 indexed seriesId, bytes32 indexed orderHash, address indexed maker, Order order, Signature signature
    );
    /// @notice Collateral moved between an account's free balance and its margin in a series by addMargin or
    /// removeMargin (fills, matches and liquidations report their margin changes in their own events).
    /// @param amount Positive: free balance -> margin; negative: margin -> free balance (also the pool's assets change).
    /// @param shares Change of the account's margin pool shares.
    event MarginMoved(bytes32 indexed seriesId, address indexed account, int256 amount, int256 shares);
    /// @notice `size` contracts of `account` passed to `liquidator` at `mark`. Emitted after the DeficitRecorded of the same liquidation (when the closed part was bankrupt);
    /// `accountMargin` is measured before that haircut.
    event Liquidated(
        bytes32 indexed seriesId,
        address indexed account,
        address indexed liquidator,
        uint64 size,
        uint256 mark,
        uint256 reward,
        uint256 deficit,
        MarginChange accountMargin,
        MarginChange liquidatorMargin
    );
    /// @notice A deficit went through the waterfall: insurance, then socialised, the rest unbacked.
    event DeficitRecorded(
        bytes32 indexed seriesId, address indexed account, uint256 deficit, uint256 fromInsurance, uint256 socialised, uint256 unbacked
    );
    event InsuranceFunded(bytes32 indexed seriesId, address indexed from, uint256 amount);
    event InsuranceWithdrawn(bytes32 indexed seriesId, address indexed to, uint256 amount);
    event FeesCollected(bytes32 indexed seriesId, address indexed to, uint256 amount);
    event PausedSet(bytes32 indexed seriesId, bool paused);
    /// @notice A signed settlement round was verified and added to the window average.
    event SettlementFixingRecorded(bytes32 indexed seriesId, uint256 value, uint64 timestamp, uint32 count);
    /// @notice The series settled at `finalPrice`: trading, margin moves and liquidations end, and its accounts can
    /// be resolved (`closeOut`), then claim.
    /// @param referencePrice The price the settlement started from: the window average on the tick (`Window`), the
    /// last mark on the tick (`Fallback`), the index beyond the limit (`LimitMove`) or the mark
    /// (`UnbackedLoss`). `finalPrice` is it clamped to the last mark +- priceLimitBps.
    event SeriesSettled(
        bytes32 indexed seriesId, uint256 finalPrice, uint256 referencePrice, uint32 fixingCount, SettlementKind kind
    );
    /// @notice An account was resolved at the final price: its position closed, a positive equity owed to it, a
    /// negative one added to `settlementDeficit`.
    /// @param remaining Accounts of the series still to resolve.
    event ClosedOut(bytes32 indexed seriesId, address indexed account, int256 equity, uint256 remaining);
    /// @notice Every account was resolved: the losers' deficit at F (`deficit`, what winners are owed beyond what the
    /// series holds) was taken from insurance, the rest is a pro-rata haircut of every payout (`payableTotal / owedTotal`).
    event SettlementFinalised(
        bytes32 indexed seriesId, uint256 owedTotal, uint256 payableTotal, uint256 deficit, uint256 fromInsurance, uint256 socialised
    );
    event Claimed(bytes32 indexed seriesId, address indexed account, uint256 payout);

    /* ERRORS */

    /// @notice An amount of zero was passed where a positive amount is required.
    error ZeroAmount();
    /// @notice A zero address was passed as a recipient, token or oracle.
    error ZeroAddress();
    /// @notice `account`'s free balance holds `available`, less than the `needed` amount.
    error InsufficientFreeBalance(address account, uint256 needed, uint256 available);
    /// @notice Listing rule number `rule` of SeriesLib.firstBrokenRule does not hold.
    error InvalidSeriesParams(uint256 rule);
    /// @notice A series with these parameters (this id) is already listed.
    error SeriesAlreadyListed(bytes32 seriesId);
    /// @notice No listed series has this id (wrong or non-canonical parameters).
    error SeriesNotListed(bytes32 seriesId);
    /// @notice The series expired at `expiry`: no trade, liquidation or margin removal at or after it.
    error SeriesExpired(bytes32 seriesId, uint64 expiry, uint256 blockTimestamp);
    /// @notice The series has not expired yet.
    error SeriesNotExpired(bytes32 seriesId, uint64 expiry, uint256 blockTimestamp);
    /// @notice The order names series `orderSeriesId`, not the series `seriesId` of the call.
    error WrongSeries(bytes32 orderSeriesId, bytes32 seriesId);
    /// @notice The order was valid while `block.timestamp < expiry`.
    error OrderExpired(bytes32 orderHash, uint64 expiry, uint256 blockTimestamp);
    /// @notice The order's nonce is below its maker's `minNonce` (bulk-cancelled).
    error OrderNonceInvalidated(bytes32 orderHash, uint64 nonce, uint64 minNonce);
    /// @notice The order was cancelled.
    error OrderIsCancelled(bytes32 orderHash);
    /// @notice `size` more on `filled` would exceed the order's size (or `size` is 0).
    error Overfill(bytes32 orderHash, uint64 filled, uint64 size, uint64 orderSize);
    /// @notice A fill smaller than `minSize` that does not complete the order.
    error FillBelowMinSize(uint64 size, uint64 minSize);
    /// @notice The signature does not recover the order's maker (or the maker is the zero address).
    error InvalidSignature(bytes32 orderHash);
    /// @notice Only the order's maker may cancel it.
    error NotMaker(address caller, address maker);
    /// @notice An account would trade with itself (maker == taker, buy maker == sell maker, self-liquidation).
    error SelfTrade(address account);
    /// @notice The series' fee rate exceeds the maker's signed `maxFeeBps`.
    error FeeAboveMax(address maker, uint16 feeBps, uint16 maxFeeBps);
    /// @notice The match price is not within both orders' limits.
    error NotCrossing(uint256 buyLimit, uint256 sellLimit, uint256 price);
    /// @notice crossOrders needs a buy order first and a sell order second.
    error SideMismatch(bool buyIsBuy, bool sellIsBuy);
    /// @notice The price is not a multiple of the series' tick size.
    error OffTick(uint256 price, uint256 tickSize);
    /// @notice The price lies outside the series' mark (`index` here) +- `bandBps`.
    error OutsidePriceBand(uint256 price, uint256 index, uint16 bandBps);
    /// @notice The oracle returned an index value of 2^96 or more (a price no series can take: the mark's field).
    error IndexOutOfRange(bytes32 indexId, uint256 value);
    /// @notice The latest fixing (time `timestamp`) is older than `maxAge` seconds: no new risk.
    error StaleIndex(bytes32 indexId, uint64 timestamp, uint256 blockTimestamp, uint32 maxAge);
    /// @notice The series is paused: no new risk, margin removal or liquidation.
    error SeriesPaused(bytes32 seriesId);
    /// @notice Liquidations wait until `until` after an unpause.
    error LiquidationGrace(uint256 until);
    /// @notice The trade would leave a non-zero position below `minSize`.
    error DustPosition(address account, int256 size, uint64 minSize);
    /// @notice After margin removal the equity would be below the initial requirement.
    error BelowInitialMargin(address account, int256 equity, uint256 required);
    /// @notice The position's margin (`available`) cannot pay `needed` (a realized loss and fee, or a removal).
    error InsufficientMargin(address account, uint256 needed, uint256 available);
    /// @notice The account holds no position in the series.
    error NoPosition(bytes32 seriesId, address account);
    /// @notice cancelAllBelow must raise the maker's minimum nonce.
    error MinNonceNotIncreasing(uint64 current, uint64 requested);
    /// @notice The account's equity is at or above maintenance: it cannot be liquidated.
    error AccountHealthy(address account, int256 equity, uint256 maintenance);
    /// @notice The liquidation size is 0 (maxSize 0, or a position exactly at minSize with maxSize below it).
    error NothingToLiquidate(address account);
    /// @notice The series' final price is already set.
    error AlreadySettled(bytes32 seriesId);
    /// @notice The series has no final price yet.
    error NotSettled(bytes32 seriesId);
    /// @notice A settlement round stamped before expiry (`windowStart`) or after the window's end.
    error FixingOutsideWindow(uint64 timestamp, uint64 windowStart, uint256 windowEnd);
    /// @notice A settlement round stamped after the current block (it could be posted before trading stopped).
    error FixingNotYetDue(uint64 timestamp, uint256 blockTimestamp);
    /// @notice A settlement round with this timestamp was already recorded (each round counts once).
    error FixingAlreadyRecorded(bytes32 seriesId, uint64 timestamp);
    /// @notice Recording closed at the window's end (`closedAfter`), so the set of rounds is fixed before `settle`.
    error SettlementWindowClosed(uint256 closedAfter);
    /// @notice `settle` before the window closed (it closes after `closesAfter`).
    error SettlementWindowOpen(uint256 closesAfter);
    /// @notice No round was recorded and the fallback grace has not passed (it passes after `fallbackAfter`).
    error NoSettlementFixing(uint256 fallbackAfter);
    /// @notice A fixing beyond the price limit (`index` outside `mark` +- priceLimitBps): the series settles at the
    /// limit price through `updateMark` (before expiry; after it, `settle` clamps the final price the same way).
    error LimitMove(bytes32 seriesId, uint256 mark, uint256 index);
    /// @notice Claims and insurance withdrawal wait until every account of the series is resolved.
    error AccountsUnresolved(bytes32 seriesId, uint256 remaining);
    /// @notice The account has no position to resolve and nothing owed in the series.
    error NothingToClaim(bytes32 seriesId, address account);
    /// @notice Insurance leaves a series only after it settled (`settledAt` != 0) and every account was resolved.
    error InsuranceLocked(bytes32 seriesId, uint64 settledAt, uint256 unresolved);
    /// @notice The series' insurance fund holds less than requested.
    error InsufficientInsurance(uint256 requested, uint256 available);
    /// @notice The collateral token does not report 6 decimals.
    error UnsupportedToken(address token);
    /// @notice `setPaused` would not change the series' pause flag (a no-op unpause must not start the grace).
    error PauseUnchanged(bytes32 seriesId, bool paused);
    /// @notice A payout of `amount` out of a series exceeds the collateral the series holds (isolation).
    error SeriesCollateralShort(bytes32 seriesId, uint256 amount, uint256 collateral);

    /* ACCOUNT FUNDS */

    /// @notice Pulls `amount` of collateral from the caller and credits what the contract actually received.
    function deposit(uint256 amount) external;

    /// @notice Sends `amount` of the caller's free balance to `to`. Never blocked by a pause or the oracle.
    function withdraw(uint256 amount, address to) external;

    /// @notice Moves `amount` from the caller's free balance into its margin in a series (position required).
    function addMargin(SeriesParams calldata params, uint256 amount) external;

    /// @notice Moves `amount` of margin back to the free balance; the position must stay >= initial margin at the
    /// mark (fresh fixing). Before expiry only (`SeriesExpired`: from then on margin stays until the settlement, so
    /// no winner seeing the window head for a deficit takes margin out first); bounded by the series' collateral.
    function removeMargin(SeriesParams calldata params, uint256 amount) external;

    /* ORDERS */

    /// @notice The caller takes `size` of a signed order at its limit price. The maker pays `makerFeeBps`
    /// (must be <= order.maxFeeBps), the caller pays `takerFeeBps`.
    function fillSignedOrder(SeriesParams calldata params, Order calldata order, Signature calldata signature, uint64 size)
        external;

    /// @notice Anyone matches a signed buy and a signed sell at `price` (on tick, within both limits and the band).
    /// Both makers pay `takerFeeBps` (<= each maxFeeBps); the caller receives nothing.
    function crossOrders(
        SeriesParams calldata params,
        Order calldata buyOrder,
        Signature calldata buySignature,
        Order calldata sellOrder,
        Signature calldata sellSignature,
        uint64 size,
        uint128 price
    ) external;

    /// @notice Takes the oracle's latest fixing as the series' mark if it is newer than the mark's, stamped before
    /// expiry and called before expiry (trades, margin removal and liquidations do the same). If it lies beyond the
    /// price limit (the mark +- priceLimitBps), the series settles at the limit price instead (`SeriesSettled` with
    /// `LimitMove`): every account that met maintenance at the mark is solvent there, and no one collects a gap
    /// beyond it. Anyone may call it; keepers call it after every fixing. From expiry on the mark is frozen (also
    /// for a round stamped before expiry but posted after it) and this returns it: `settle` clamps the final price
    /// to it.
    function updateMark(SeriesParams calldata params) external returns (uint256 mark);

    /// @notice Cancels one order of the caller: its unfilled remainder can never fill.
    function cancel(Order calldata order) external;

    /// @notice Invalidates every order of the caller with `nonce < minNonce`; only increases.
    function cancelAllBelow(uint64 minNonce) external;

    /// @notice Verifies a signed order and emits it in `OrderPublished` (no storage).
    function publishOrder(Order calldata order, Signature calldata signature) external;

    /* RISK */

    /// @notice Liquidates up to `maxSize` contracts of an account whose equity is below maintenance margin at the
    /// series' mark (fresh fixing), before expiry (`SeriesExpired` from then on: settle and closeOut resolve every
    /// account at the final price): the caller takes them over at the mark and receives the bounded penalty in its
    /// margin. Emits DeficitRecorded (if the closed part was bankrupt), then Liquidated. During trading only the
    /// insurance pays deficits: a bankrupt account whose deficit exceeds the series' insurance is not taken over;
    /// the series settles at the mark instead (`SeriesSettled` with `UnbackedLoss`, returns 0) and the claims bear
    /// the shortfall pro rata.
    /// @return size The contracts actually liquidated (never reverts because the position shrank).
    function liquidate(SeriesParams calldata params, address account, uint64 maxSize) external returns (uint64 size);

    /// @notice Moves `amount` of the caller's free balance into the series' insurance fund.
    function fundInsurance(SeriesParams calldata params, uint256 amount) external;

    /* SETTLEMENT */

    /// @notice Adds a signed oracle round to the series' settlement average. The round is verified by the
    /// oracle's `verifyFixing` (quorum, signatures, spread and bounds; it need not be the oracle's latest, nor stored
    /// at all). It counts when `expiry <= timestamp <= block.timestamp` (so never while trading is open) and
    /// `block.timestamp <= expiry + settlementWindow`; each round timestamp counts once, whoever records it.
    function recordSettlementFixing(
        SeriesParams calldata params,
        uint64 timestamp,
        uint32 methodologyVersion,
        address[] calldata operatorList,
        IIndexOracle.Observation[] calldata observations
    ) external;

    /// @notice After the window, settles the series: the final price is the average of the recorded rounds rounded
    /// down to the tick (with none, after expiry + settlementGrace, the series' last mark, frozen since expiry,
    /// rounded down: no oracle call, and no caller picks it by when he calls), clamped
    /// to the series' last mark +- priceLimitBps, so that every account that met maintenance at the last mark is
    /// solvent at it (C30). Emits `SeriesSettled`.
    function settle(SeriesParams calldata params) external;

    /// @notice Resolves any account of a settled series at the final price (anyone may call, for any account):
    /// closes its position; a positive equity is owed to it, a negative one is recorded as deficit. The last
    /// resolution fixes the payout ratio (`SettlementFinalised`).
    function closeOut(SeriesParams calldata params, address account) external;

    /// @notice Credits the caller's owed equity x payableTotal / owedTotal (rounded down) to its free balance, once
    /// every account is resolved (`closeOut`, by anyone: the keepers resolve all). O(1); the amount does not depend
    /// on the order of claims and close-outs.
    function claim(SeriesParams calldata params) external returns (uint256 payout);

    /* ADMIN (owner only) */

    function listSeries(SeriesParams calldata params) external returns (bytes32 seriesId);

    /// @notice Pausing a series blocks risk-increasing trades, margin removal and liquidations only; withdrawals,
    /// margin top-ups, risk-reducing trades, settlement and claims stay open. Unpausing starts a liquidation grace;
    /// a call that does not change the flag reverts `PauseUnchanged`.
    function setPaused(SeriesParams calldata params, bool paused) external;

    /// @notice Credits a series' accrued trading fees to `to`'s free balance.
    function collectFees(SeriesParams calldata params, address to) external;

    /// @notice Credits leftover insurance to `to`'s free balance, only once the series is settled and every account
    /// resolved (so its deficits are accounted for).
    function withdrawInsurance(SeriesParams calldata params, uint256 amount, address to) external;

    /* VIEWS */

    function collateral() external view returns (address);
    function oracle() external view returns (address);
    /// @notice The mark a trade, margin removal or liquidation would use now, and the oracle time it stands for:
    /// the latest index, or, if it lies beyond the price limit, the limit price the series settles at; from expiry
    /// on, the frozen last mark; after settlement, the final price.
    function currentMark(SeriesParams calldata params) external view returns (uint256 mark, uint64 timestamp);
    function hashOrder(Order calldata order) external view returns (bytes32);
    function freeBalance(address account) external view returns (uint256);
    function filled(bytes32 orderHash) external view returns (uint64);
    function minNonce(address maker) external view returns (uint64);
    function position(bytes32 seriesId, address account) external view returns (Position memory);
    /// @notice What a resolved account is owed at settlement before the haircut (0 once claimed).
    function owedOf(bytes32 seriesId, address account) external view returns (uint256);
    /// @notice Whether a settlement round with this timestamp was recorded for the series.
    function settlementRoundRecorded(bytes32 seriesId, uint64 timestamp) external view returns (bool);
    function seriesState(bytes32 seriesId) external view returns (SeriesState memory);
    
    /// @notice The account's margin in the series (collateral units, rounded down).
    function marginOf(bytes32 seriesId, address account) external view returns (uint256);
    /// @notice Equity at `mark` (rounded down) and the initial and maintenance requirements (rounded up).
    function accountHealth(SeriesParams calldata params, address account, uint256 mark)
        external
        view
        returns (int256 equity, uint256 initialRequired, uint256 maintenanceRequired);
}
