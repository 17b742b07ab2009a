// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IFuturesMarket, SeriesParams, Order, Signature} from "../../../contracts/futures/IFuturesMarket.sol";
import {MarginMath} from "../../../contracts/libraries/MarginMath.sol";
import {TestBase} from "../market/utils/Vm.sol";
import {MarketSetup} from "../market/utils/MarketSetup.sol";
import {FuturesMarket} from "../../../contracts/futures/FuturesMarket.sol";
import {MockUSDC} from "../../../contracts/mocks/MockUSDC.sol";
import {MockIndexOracle} from "../../../contracts/mocks/MockIndexOracle.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IIndexOracle} from "../../../contracts/oracle/IIndexOracle.sol";

// The handler lives in this file: Hardhat's invariant runner only targets contracts defined in the test's own file
// (a handler imported from another file is not a known contract and fails with "No contracts to fuzz").

/// @notice Drives one market with four traders through every entry point, and one self-trading attacker through two
/// accounts (actors 4 and 5, which trade only with each other), keeping ghost state for the invariants I1-I18 (see
/// docs/contracts.md). Every action is bounded; expected failures are caught.
contract MarketHandler is TestBase, MarketSetup {
    /// @dev Traders 0..3 and the attacker's two accounts 4, 5 (every sum over accounts covers all six).
    uint256 internal constant ACTORS = 6;
    uint256 internal constant TRADERS = 4;
    uint256 internal constant ATTACKER_A = 4;
    uint256 internal constant ATTACKER_B = 5;
    uint64 internal constant CANCELLED = type(uint64).max;

    SeriesParams internal params;
    SeriesParams internal paramsB;
    bytes32 public id;
    bytes32 public idB;
    uint256[ACTORS] internal keys;
    address[ACTORS] public actors;

    // Ghost state.
    uint256 public ghostDeposited;
    uint256 public ghostWithdrawn;
    uint256 public ghostInsuranceFunded;
    uint256 public ghostInsuranceWithdrawn;
    uint256 public ghostFeesCollected;
    uint256 public ghostFinalPrice;
    /// @dev What the attacker paid in (its two accounts' deposits; it never withdraws).
    uint256 public ghostAttackerIn;
    /// @dev Deficits recorded when an attacker account was liquidated (insurance and the others paid them).
    uint256 public ghostAttackerDeficit;
    /// @dev Market PnL of the attacker's net position (its two accounts' sizes summed) over every mark move: zero
    /// while it only trades with itself; once a liquidation hands one side to a third party, the other side is a
    /// real exposure whose gains and losses are the market's, not extraction.
    int256 public ghostAttackerMarketPnl;
    /// @dev Index moves without the gap rule's premise: an attacker account left below maintenance after them
    /// (no keeper pass, or liquidations blocked by a pause or its grace).
    uint256 public unkeptMoves;
    uint256 public selfTrades;
    uint256 public calls;
    /// @dev Coverage counters: successful fills and matches, liquidations, deficits, settlements and claims.
    uint256 public fills;
    uint256 public liquidations;
    uint256 public settles;
    uint256 public claims;
    bytes32[] public orderHashes;
    mapping(bytes32 => uint64) public orderSize;
    mapping(bytes32 => uint64) public ghostFilled;
    mapping(bytes32 => bool) public ghostCancelled;
    Order internal lastOrder;
    uint256 internal lastOrderKey;

    // Violation counters: each must stay 0.
    uint256 public healthGateViolations; // I7
    uint256 public liquidationViolations; // I8
    uint256 public staleRiskViolations; // I10
    uint256 public settlementViolations; // I11
    uint256 public livenessViolations; // I12
    uint256 public accessViolations; // I15
    uint256 public orderViolations; // I9
    uint256 public pauseViolations; // C26

    /// @dev The test deploys the contracts (keeping this handler's code small) and hands over ownership.
    constructor(FuturesMarket market_, MockUSDC token_, MockIndexOracle oracle_) {
        market = market_;
        token = token_;
        oracle = oracle_;
    }

    /// @dev Called once by the test after `transferOwnership(handler)`: accepts ownership and sets up the series.
    function init() external {
        if (id != bytes32(0)) return;
        market.acceptOwnership();
        uint64 expiry = uint64(block.timestamp + 2 days);
        params = _params(expiry);
        paramsB = _params(expiry + 1 days);
        id = market.listSeries(params);
        idB = market.listSeries(paramsB);
        _setIndex(INDEX);
        for (uint256 i; i < ACTORS; ++i) {
            keys[i] = 0x1001 + i;
            actors[i] = VM.addr(keys[i]);
            _fund(actors[i], 1_000_000 * USDC);
            ghostDeposited += 1_000_000 * USDC;
        }
        ghostAttackerIn = 2 * 1_000_000 * USDC;
        // Series B: one static trade between actors 2 and 3, never touched again (I6 isolation).
        Order memory o = Order(actors[2], idB, true, 3, uint128(INDEX), uint64(block.timestamp + 1 days), 1_000_000, 10);
        Signature memory sig = _sign(keys[2], o);
        VM.prank(actors[3]);
        market.fillSignedOrder(paramsB, o, sig, 3);
    }

    /* HELPERS */

    /// @dev Books the market PnL of the attacker's net position over the action's mark move (the mark moves before
    /// any position changes within one call: trades, liquidations and settlement steps read it first).
    modifier tracked() {
        (uint256 m0,) = market.currentMark(params);
        int256 net = _size(actors[ATTACKER_A]) + _size(actors[ATTACKER_B]);
        _;
        // I11: the first final price (a settlement, a fixing beyond the limit, an unbacked loss) is the only one.
        uint128 finalPrice = market.seriesState(id).finalPrice;
        if (ghostFinalPrice == 0) ghostFinalPrice = finalPrice;
        (uint256 m1,) = market.currentMark(params);
        if (net != 0 && m1 != m0) {
            ghostAttackerMarketPnl += net * (int256(m1) - int256(m0)) * int256(uint256(params.contractSize)) / 1e18;
        }
    }

    function _actor(uint256 seed) internal view returns (uint256 i, address a) {
        i = seed % TRADERS;
        a = actors[i];
    }

    /// @dev The mark the market would use now (the index; beyond the limit, the limit price the series settles at;
    /// after settlement, the final price) and whether its fixing is fresh.
    function _index() internal view returns (uint256 value, bool fresh) {
        uint64 ts;
        (value, ts) = market.currentMark(params);
        fresh = uint256(ts) + params.maxFixingAge >= block.timestamp;
    }

    function _size(address a) internal view returns (int256) {
        return market.position(id, a).size;
    }

    function _increases(int256 before, int256 after_) internal pure returns (bool) {
        return MarginMath.abs(after_) > MarginMath.abs(before) || (before > 0 && after_ < 0) || (before < 0 && after_ > 0);
    }

    /// @dev I7 and the pause/staleness gates for an account whose size went from `before` to its current one.
    function _checkGate(address a, int256 before) internal {
        int256 after_ = _size(a);
        if (!_increases(before, after_)) return;
        (uint256 mark, bool fresh) = _index();
        if (!fresh) ++staleRiskViolations;
        if (market.seriesState(id).paused) ++pauseViolations;
        (int256 equity, uint256 im,) = market.accountHealth(params, a, mark);
        if (equity < int256(im)) ++healthGateViolations;
    }

    function _afterTrade() internal {
        if (block.timestamp >= params.expiry) ++settlementViolations; // no fills at or after expiry
    }

    /* ACTIONS */

    function deposit(uint256 seed, uint256 amount) external tracked {
        ++calls;
        (, address a) = _actor(seed);
        amount = bound(amount, 1, 100_000 * USDC);
        token.mint(a, amount);
        VM.startPrank(a);
        token.approve(address(market), amount);
        market.deposit(amount);
        VM.stopPrank();
        ghostDeposited += amount;
    }

    /// I12: free balance always leaves, whatever the oracle, pause or positions.
    function withdraw(uint256 seed, uint256 amount) external tracked {
        ++calls;
        (, address a) = _actor(seed);
        uint256 free = market.freeBalance(a);
        if (free == 0) return;
        amount = bound(amount, 1, free);
        VM.prank(a);
        try market.withdraw(amount, a) {
            ghostWithdrawn += amount;
        } catch {
            ++livenessViolations;
        }
    }

    function fill(uint256 makerSeed, uint256 takerSeed, uint256 size, uint256 ticks, bool isBuy) external tracked {
        ++calls;
        (uint256 mi, address maker) = _actor(makerSeed);
        (, address taker) = _actor(takerSeed);
        if (maker == taker) return;
        (uint256 mark,) = _index();
        uint256 band = mark * params.priceBandBps / 10_000;
        uint256 lo = (mark - band + 1e15 - 1) / 1e15;
        uint256 hi = (mark + band) / 1e15;
        uint128 price = uint128(bound(ticks, lo, hi) * 1e15);
        Order memory o = Order(maker, id, isBuy, uint64(bound(size, 1, 20)), price, params.expiry, uint64(calls), 10);
        Signature memory sig = _sign(keys[mi], o);
        _recordOrder(o, mi);
        _fill(o, sig, taker, o.size);
    }

    /// Fills part or all of the last order again (partial fills, overfill attempts, fills after a cancel).
    function fillAgain(uint256 takerSeed, uint256 size) external tracked {
        ++calls;
        if (lastOrder.maker == address(0)) return;
        (, address taker) = _actor(takerSeed);
        if (taker == lastOrder.maker) return;
        Order memory o = lastOrder;
        Signature memory sig = _sign(lastOrderKey, o);
        _fill(o, sig, taker, uint64(bound(size, 1, o.size)));
    }

    function _recordOrder(Order memory o, uint256 makerIndex) internal {
        bytes32 h = market.hashOrder(o);
        orderHashes.push(h);
        orderSize[h] = o.size;
        lastOrder = o;
        lastOrderKey = keys[makerIndex];
    }

    function _fill(Order memory o, Signature memory sig, address taker, uint64 size) internal {
        bytes32 h = market.hashOrder(o);
        int256 makerBefore = _size(o.maker);
        int256 takerBefore = _size(taker);
        VM.prank(taker);
        try market.fillSignedOrder(params, o, sig, size) {
            ghostFilled[h] += size;
            ++fills;
            if (ghostCancelled[h] || ghostFilled[h] > o.size) ++orderViolations;
            _checkGate(o.maker, makerBefore);
            _checkGate(taker, takerBefore);
            _afterTrade();
        } catch {}
    }

    function matchOrders(uint256 buyerSeed, uint256 sellerSeed, uint256 size, uint256 ticks) external tracked {
        ++calls;
        (uint256 bi, address buyer) = _actor(buyerSeed);
        (uint256 si, address seller) = _actor(sellerSeed);
        if (buyer == seller) return;
        (uint256 mark,) = _index();
        uint128 price = uint128(bound(ticks, (mark * 96 / 100) / 1e15 + 1, (mark * 104 / 100) / 1e15) * 1e15);
        uint64 n = uint64(bound(size, 1, 20));
        Order memory buy = Order(buyer, id, true, n, price, params.expiry, uint64(calls), 10);
        Order memory sell = Order(seller, id, false, n, price, params.expiry, uint64(calls) + 1, 10);
        _match(buy, _sign(keys[bi], buy), sell, _sign(keys[si], sell));
    }

    function _match(Order memory buy, Signature memory bs, Order memory sell, Signature memory ss) internal {
        int256 b0 = _size(buy.maker);
        int256 s0 = _size(sell.maker);
        uint256 myFree = market.freeBalance(address(this));
        try market.crossOrders(params, buy, bs, sell, ss, buy.size, buy.limitPrice) {
            _afterMatch(buy, sell, b0, s0, myFree);
        } catch {}
    }

    function _afterMatch(Order memory buy, Order memory sell, int256 b0, int256 s0, uint256 myFree) internal {
        bytes32 bh = market.hashOrder(buy);
        ++fills;
        ghostFilled[bh] += buy.size;
        ghostFilled[market.hashOrder(sell)] += sell.size;
        orderHashes.push(bh);
        orderSize[bh] = buy.size;
        _checkGate(buy.maker, b0);
        _checkGate(sell.maker, s0);
        _afterTrade();
        if (market.freeBalance(address(this)) != myFree || _size(address(this)) != 0) ++orderViolations; // C27
    }

    function cancelLast() external tracked {
        ++calls;
        if (lastOrder.maker == address(0)) return;
        VM.prank(lastOrder.maker);
        market.cancel(lastOrder);
        ghostCancelled[market.hashOrder(lastOrder)] = true;
    }

    /// Moves the index by up to 45 % from the mark (within and far beyond the 4 % price limit and the 10 % initial
    /// margin: beyond it, updateMark settles the series at the limit price) and, when `keeper`, liquidates every
    /// account below maintenance as the keeper does after each fixing. Without the keeper, moves within the limit
    /// accumulate into bankruptcies and deficits.
    function moveIndex(uint256 bps, bool up, bool keeper) external tracked {
        ++calls;
        (uint256 mark,) = _index();
        uint256 move = mark * bound(bps, 0, 4_500) / 10_000;
        uint256 next = up ? mark + move : mark - move;
        if (next < 1e18) next = 1e18;
        if (next > 10e18) next = 10e18;
        VM.warp(block.timestamp + 1); // a newer fixing: the mark takes one step
        _setIndex(next);
        try market.updateMark(params) {} catch {}
        if (keeper) {
            for (uint256 i; i < ACTORS; ++i) {
                address a = actors[i];
                if (_size(a) == 0) continue;
                (uint256 m,) = _index();
                (int256 eq,, uint256 mm) = market.accountHealth(params, a, m);
                if (eq < int256(mm)) _liquidate(a, actors[(i + 1) % TRADERS], 1_000);
            }
        }
        if (market.seriesState(id).settledAt != 0) return; // resolved at the final price from now on
        (uint256 markNow,) = _index();
        for (uint256 i = ATTACKER_A; i <= ATTACKER_B; ++i) {
            if (_size(actors[i]) == 0) continue;
            (int256 eq,, uint256 mm) = market.accountHealth(params, actors[i], markNow);
            if (eq < int256(mm)) ++unkeptMoves; // left below maintenance: the next move may bankrupt it
        }
    }

    /// The attacker trades with itself: account 4 (maker) against account 5 (taker) at any price the band allows.
    function selfTrade(uint256 size, uint256 ticks, bool aBuys) external tracked {
        ++calls;
        (uint256 mark,) = _index();
        uint256 band = mark * params.priceBandBps / 10_000;
        uint128 price = uint128(bound(ticks, (mark - band + 1e15 - 1) / 1e15, (mark + band) / 1e15) * 1e15);
        address a = actors[ATTACKER_A];
        Order memory o = Order(a, id, aBuys, uint64(bound(size, 1, 30)), price, params.expiry, uint64(calls), 10);
        Signature memory sig = _sign(keys[ATTACKER_A], o);
        int256 aBefore = _size(a);
        int256 bBefore = _size(actors[ATTACKER_B]);
        VM.prank(actors[ATTACKER_B]);
        try market.fillSignedOrder(params, o, sig, o.size) {
            ++selfTrades;
            _checkGate(a, aBefore);
            _checkGate(actors[ATTACKER_B], bBefore);
            _afterTrade();
        } catch {}
    }

    /// @dev The attacker's value: free balances plus each account's equity at the mark, counting a negative equity as 0
    /// (an attacker walks away from a bankrupt account), and the negative equity it walked away from.
    function attackerValue() external view returns (int256 value, int256 walkedAway) {
        (uint256 mark,) = _index();
        IFuturesMarket.SeriesState memory s = market.seriesState(id);
        if (s.settledAt != 0) mark = s.finalPrice;
        bool finalised = s.settledAt != 0 && s.openPositions == 0;
        for (uint256 i = ATTACKER_A; i <= ATTACKER_B; ++i) {
            (int256 eq,,) = market.accountHealth(params, actors[i], mark);
            value += int256(market.freeBalance(actors[i]));
            if (eq >= 0) value += eq;
            else walkedAway -= eq;
            // A resolved account's claim: what it will be paid once every account is resolved (owed until then).
            uint256 owed = market.owedOf(id, actors[i]);
            if (owed != 0) value += int256(finalised ? owed * s.payableTotal / s.owedTotal : owed);
        }
    }

    function warp(uint256 secs) external tracked {
        ++calls;
        VM.warp(block.timestamp + bound(secs, 1, 2 hours)); // sometimes past maxFixingAge: a stale index
    }

    function addMargin(uint256 seed, uint256 amount) external tracked {
        ++calls;
        (, address a) = _actor(seed);
        uint256 free = market.freeBalance(a);
        if (free == 0 || _size(a) == 0) return;
        VM.prank(a);
        try market.addMargin(params, bound(amount, 1, free)) {} catch {}
    }

    function removeMargin(uint256 seed, uint256 amount) external tracked {
        ++calls;
        (, address a) = _actor(seed);
        uint256 margin = market.marginOf(id, a);
        if (margin == 0) return;
        VM.prank(a);
        try market.removeMargin(params, bound(amount, 1, margin)) {
            (uint256 mark, bool fresh) = _index();
            (int256 equity, uint256 im,) = market.accountHealth(params, a, mark);
            if (!fresh || equity < int256(im)) ++healthGateViolations;
        } catch {}
    }

    /// Liquidates the first unhealthy actor from `seed` on (or a healthy one, which must revert).
    function liquidate(uint256 seed, uint256 liquidatorSeed, uint256 maxSize) external tracked {
        ++calls;
        (uint256 mark,) = _index();
        address a = actors[seed % ACTORS];
        for (uint256 k; k < ACTORS; ++k) {
            address c = actors[(seed + k) % ACTORS];
            (int256 eq,, uint256 m) = market.accountHealth(params, c, mark);
            if (_size(c) != 0 && eq < int256(m)) {
                a = c;
                break;
            }
        }
        (, address liq) = _actor(liquidatorSeed);
        if (a == liq) liq = actors[(liquidatorSeed + 1) % TRADERS]; // liquidators are traders, never the attacker
        if (_size(a) == 0) return;
        _liquidate(a, liq, maxSize);
    }

    function _liquidate(address a, address liq, uint256 maxSize) internal {
        (uint256 mark, bool fresh) = _index();
        (int256 equity,, uint256 mm) = market.accountHealth(params, a, mark);
        int256 before = _size(a);
        int256 liqBefore = _size(liq);
        uint256 deficitBefore = market.seriesState(id).totalDeficit;
        VM.prank(liq);
        try market.liquidate(params, a, uint64(bound(maxSize, 1, 50))) returns (uint64 q) {
            ++liquidations;
            if (a == actors[ATTACKER_A] || a == actors[ATTACKER_B]) {
                ghostAttackerDeficit += market.seriesState(id).totalDeficit - deficitBefore;
            }
            if (!fresh || equity >= int256(mm) || q == 0) ++liquidationViolations;
            int256 rest = _size(a);
            if (rest != 0 && MarginMath.abs(rest) < params.minSize) ++liquidationViolations;
            if (MarginMath.abs(rest) >= MarginMath.abs(before)) ++liquidationViolations;
            _checkGate(liq, liqBefore);
        } catch {}
    }

    function fundInsurance(uint256 seed, uint256 amount) external tracked {
        ++calls;
        (, address a) = _actor(seed);
        uint256 free = market.freeBalance(a);
        if (free == 0) return;
        amount = bound(amount, 1, free);
        VM.prank(a);
        market.fundInsurance(params, amount);
        ghostInsuranceFunded += amount;
    }

    function togglePause() external tracked {
        ++calls;
        market.setPaused(params, !market.seriesState(id).paused);
    }

    function collectFees() external tracked {
        ++calls;
        uint256 fees = market.seriesState(id).fees;
        market.collectFees(params, actors[0]);
        ghostFeesCollected += fees;
    }

    function recordFixing() external tracked {
        ++calls;
        _recordLatest();
    }

    /// Records the oracle's latest value as a settlement round (the mock oracle's verifyFixing returns it).
    function _recordLatest() internal {
        (uint256 value, uint64 ts) = oracle.latest(INDEX_ID);
        IIndexOracle.Observation[] memory obs = new IIndexOracle.Observation[](1);
        obs[0] = IIndexOracle.Observation(value, bytes32(0), bytes32(0), bytes32(0));
        try market.recordSettlementFixing(params, ts, 1, new address[](0), obs) {} catch {}
    }

    /// Jumps to expiry, posts a fixing inside the settlement window (moved by up to 20 %) and records it.
    function expire(uint256 bps, bool up) external tracked {
        ++calls;
        if (market.seriesState(id).settledAt != 0) return;
        uint256 t = block.timestamp < params.expiry ? params.expiry : block.timestamp + 1;
        if (t > params.expiry + params.settlementWindow) return;
        VM.warp(t);
        if (_size(actors[ATTACKER_A]) != 0 || _size(actors[ATTACKER_B]) != 0) ++unkeptMoves; // no keeper pass after it
        (uint256 mark,) = _index();
        uint256 move = mark * bound(bps, 0, 2_000) / 10_000;
        _setIndex(up ? mark + move : (mark - move < 1e18 ? 1e18 : mark - move));
        _recordLatest();
    }

    function settle() external tracked {
        ++calls;
        uint256 windowEnd = uint256(params.expiry) + params.settlementWindow;
        if (block.timestamp > params.expiry && block.timestamp <= windowEnd) VM.warp(windowEnd + 1);
        _trySettle();
    }

    /// Settles in one call: the window average (or the fallback) clamped to one price limit of the last mark.
    function _trySettle() internal returns (bool) {
        bool wasSettled = market.seriesState(id).settledAt != 0;
        uint256 lastMark = market.seriesState(id).mark;
        try market.settle(params) {
            ++settles;
            if (wasSettled) ++settlementViolations;
            IFuturesMarket.SeriesState memory s = market.seriesState(id);
            if (ghostFinalPrice != 0 && ghostFinalPrice != s.finalPrice) ++settlementViolations;
            ghostFinalPrice = s.finalPrice;
            // C30: within one limit of the last mark, and settled at once.
            uint256 limit = lastMark * params.priceLimitBps / 10_000;
            if (lastMark != 0 && (s.finalPrice > lastMark + limit || s.finalPrice + limit < lastMark)) ++settlementViolations;
            if (s.settledAt == 0 || !s.closed) ++settlementViolations;
            return true;
        } catch {
            return false;
        }
    }

    /// After expiry: settles from the window average, or else through the fallback after the grace period.
    function _ensureSettled() internal {
        if (market.seriesState(id).settledAt != 0 || block.timestamp < params.expiry) return;
        uint256 windowEnd = uint256(params.expiry) + params.settlementWindow;
        if (block.timestamp <= windowEnd) VM.warp(windowEnd + 1);
        if (_trySettle()) return;
        uint256 graceEnd = uint256(params.expiry) + params.settlementGrace;
        if (block.timestamp <= graceEnd) VM.warp(graceEnd + 1);
        _trySettle();
    }

    function closeOut(uint256 seed) external tracked {
        ++calls;
        _ensureSettled();
        (, address a) = _actor(seed);
        _closeOut(a);
    }

    /// @dev Resolves `a` at the final price; an attacker account's negative equity there is a deficit it walked
    /// away from (the series' waterfall pays it at finalisation).
    function _closeOut(address a) internal {
        (int256 eq,,) = market.accountHealth(params, a, market.seriesState(id).finalPrice);
        try market.closeOut(params, a) {
            if ((a == actors[ATTACKER_A] || a == actors[ATTACKER_B]) && eq < 0) ghostAttackerDeficit += uint256(-eq);
        } catch {}
    }

    /// C32: resolves every account, starting at a random actor and stepping by a random stride (a different order
    /// each time), so that claims and insurance withdrawal open in the random sequences that follow.
    function resolveAll(uint256 seed) external tracked {
        ++calls;
        _ensureSettled();
        uint256 stride = 1 + (seed >> 128) % (ACTORS - 1);
        for (uint256 k; k < ACTORS; ++k) {
            (, address a) = _actor(seed + k * stride);
            _closeOut(a);
        }
        for (uint256 k; k < ACTORS; ++k) _closeOut(actors[k]);
    }

    function claim(uint256 seed) external tracked {
        ++calls;
        _ensureSettled();
        (, address a) = _actor(seed);
        // C32: whatever the order of claims, close-outs and insurance withdrawals, a claim pays owed x payable / owed.
        IFuturesMarket.SeriesState memory s = market.seriesState(id);
        uint256 expected = s.owedTotal == 0 ? 0 : market.owedOf(id, a) * s.payableTotal / s.owedTotal;
        uint256 freeBefore = market.freeBalance(a);
        VM.prank(a);
        try market.claim(params) {
            ++claims;
            if (_size(a) != 0 || market.marginOf(id, a) != 0) ++settlementViolations;
            if (market.freeBalance(a) - freeBefore != expected) ++settlementViolations;
            VM.prank(a);
            try market.claim(params) {
                ++settlementViolations; // claims exactly once
            } catch {}
        } catch {}
    }

    function withdrawInsurance(uint256 amount) external tracked {
        ++calls;
        uint256 ins = market.seriesState(id).insurance;
        if (ins == 0) return;
        amount = bound(amount, 1, ins);
        try market.withdrawInsurance(params, amount, actors[1]) {
            ghostInsuranceWithdrawn += amount;
        } catch {}
    }

    /// I15: every owner function reverts for a trader.
    function probeAccess(uint256 seed, uint256 which) external tracked {
        ++calls;
        (, address a) = _actor(seed);
        VM.prank(a);
        bool ok;
        which %= 4;
        if (which == 0) {
            SeriesParams memory p = params;
            p.expiry += 1;
            try market.listSeries(p) {
                ok = true;
            } catch {}
        } else if (which == 1) {
            try market.setPaused(params, true) {
                ok = true;
            } catch {}
        } else if (which == 2) {
            try market.collectFees(params, a) {
                ok = true;
            } catch {}
        } else {
            try market.withdrawInsurance(params, 0, a) {
                ok = true;
            } catch {}
        }
        if (ok) ++accessViolations;
    }

    /* VIEWS FOR INVARIANTS */

    function seriesParams() external view returns (SeriesParams memory) {
        return params;
    }

    function orderCount() external view returns (uint256) {
        return orderHashes.length;
    }

    function actorCount() external pure returns (uint256) {
        return ACTORS;
    }
}

/// @notice Handler-based invariant suite I1-I16 (THREATS.md section b; prose in docs/contracts.md).
/// Default profile: 64 runs x depth 32; `npm run test:deep`: 256 x 100.
contract MarketInvariantsTest is TestBase {
    MarketHandler internal handler;
    FuturesMarket internal market;
    MockUSDC internal token;
    MockIndexOracle internal oracle;
    bytes32 internal id;
    bytes32 internal idB;
    bytes32 internal seriesBSnapshot;

    function setUp() public {
        token = new MockUSDC();
        oracle = new MockIndexOracle();
        market = new FuturesMarket(address(this), IERC20(address(token)), IIndexOracle(address(oracle)));
        handler = new MarketHandler(market, token, oracle);
        market.transferOwnership(address(handler));
        handler.init();
        id = handler.id();
        idB = handler.idB();
        seriesBSnapshot = _seriesBHash();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /* HELPERS */

    function _params() internal view returns (SeriesParams memory) {
        return handler.seriesParams();
    }

    function _seriesBHash() internal view returns (bytes32) {
        return keccak256(
            abi.encode(market.seriesState(idB), market.position(idB, handler.actors(2)), market.position(idB, handler.actors(3)))
        );
    }

    /// @dev What the market owes: free balances, insurance, fees, pool margins and every open position's
    /// unrealised PnL at the index (series A once settled: its pool, insurance and fees), in both series.
    function _owed() internal view returns (int256 owed) {
        (uint256 index,) = oracle.latest(bytes32("ATPI"));
        IFuturesMarket.SeriesState memory s = market.seriesState(id);
        IFuturesMarket.SeriesState memory sb = market.seriesState(idB);
        uint256 cs = 1_000e6;
        owed = int256(uint256(s.insurance) + sb.insurance + s.fees + sb.fees + s.marginAssets + sb.marginAssets);
        for (uint256 i; i < handler.actorCount(); ++i) {
            address a = handler.actors(i);
            owed += int256(market.freeBalance(a));
            // Series A once settled: unresolved positions at the final price (resolved ones are counted below).
            IFuturesMarket.Position memory p = market.position(id, a);
            owed += MarginMath.valueDown(p.size, s.settledAt != 0 ? s.finalPrice : index, cs) - p.cost;
            IFuturesMarket.Position memory pb = market.position(idB, a);
            owed += MarginMath.valueDown(pb.size, index, cs) - pb.cost;
        }
    }

    /// @dev Series A between settlement and its last resolution: the frozen pool still holds the resolved accounts'
    /// margins, and what they are owed (or lost) beyond them is owedTotal - settlementDeficit - resolvedMargin.
    function _resolvedPnl() internal view returns (int256) {
        IFuturesMarket.SeriesState memory s = market.seriesState(id);
        if (s.settledAt == 0 || s.openPositions == 0) return 0;
        return int256(uint256(s.owedTotal)) - int256(uint256(s.settlementDeficit)) - int256(uint256(s.resolvedMargin));
    }

    function _residue() internal view returns (int256) {
        uint256 cash = token.balanceOf(address(market));
        return int256(cash) - (_owed() + _resolvedPnl() - int256(uint256(market.seriesState(id).unbackedLoss)));
    }

    /* INVARIANTS */

    /// I1 Token solvency: tokens held >= everything owed (net of recorded unbacked loss).
    function invariant_I1_tokenSolvency() public view {
        assertTrue(_residue() >= 0, "I1: balanceOf(market) >= free + margins + PnL + insurance + fees - unbacked");
    }

    /// I2 Conservation: deposits - withdrawals == tokens held == owed - unbacked + bounded rounding residue.
    function invariant_I2_conservation() public view {
        assertEq(token.balanceOf(address(market)), handler.ghostDeposited() - handler.ghostWithdrawn(), "I2: book == bank");
        assertLe(_residue(), int256(handler.calls() * 4 + 16), "I2: rounding residue bounded");
    }

    /// I3 Zero-sum: long open interest equals short open interest in every series (before settlement claims).
    function invariant_I3_zeroSum() public view {
        int256 sum;
        int256 sumB;
        for (uint256 i; i < handler.actorCount(); ++i) {
            sum += market.position(id, handler.actors(i)).size;
            sumB += market.position(idB, handler.actors(i)).size;
        }
        if (market.seriesState(id).settledAt == 0) assertEq(sum, 0, "I3: series A sizes sum to 0");
        assertEq(sumB, 0, "I3: series B sizes sum to 0");
    }

    /// I4 No free money: the actors as a group never hold more value than they deposited minus withdrawals,
    /// fees and insurance they paid, plus losses recorded as unbacked.
    function invariant_I4_noFreeMoney() public view {
        (uint256 index,) = oracle.latest(bytes32("ATPI"));
        IFuturesMarket.SeriesState memory s = market.seriesState(id);
        SeriesParams memory p = _params();
        int256 value;
        bool finalised = s.settledAt != 0 && s.openPositions == 0;
        for (uint256 i; i < handler.actorCount(); ++i) {
            address a = handler.actors(i);
            (int256 eq,,) = market.accountHealth(p, a, s.settledAt != 0 ? s.finalPrice : index);
            value += int256(market.freeBalance(a)) + eq;
            // A resolved account: its claim (what it is owed until the last resolution fixes the payout).
            uint256 owed = market.owedOf(id, a);
            if (owed != 0) value += int256(finalised ? owed * s.payableTotal / s.owedTotal : owed);
        }
        // Resolved losers' negative equity at F, until the last resolution allocates it (insurance, haircut, unbacked).
        if (!finalised) value -= int256(uint256(s.settlementDeficit));
        int256 paidIn = int256(handler.ghostDeposited()) - int256(handler.ghostWithdrawn());
        int256 kept = int256(uint256(s.insurance) + s.fees + 100e6); // series B's margins and fees, bounded
        assertLe(value + int256(uint256(s.insurance) + s.fees), paidIn + int256(uint256(s.unbackedLoss)) + kept, "I4");
    }

    /// I17 (C15, C29, C30): the self-trading attacker never gains: its value (free balances plus each account's
    /// equity at the mark, a negative one counted as 0) stays at most what it paid in plus what it walked away from
    /// (deficits recorded on its accounts, negative equity not yet liquidated). While a keeper liquidated after every
    /// index move (the gap rule's premise), there is nothing to walk away from: the attacker gets at most its money
    /// back, whatever the gaps, band prices and self-trades.
    function invariant_I17_selfTraderNeverGains() public view {
        (int256 value, int256 walkedAway) = handler.attackerValue();
        int256 deficits = int256(handler.ghostAttackerDeficit());
        // Its net position's market PnL (zero while it only trades with itself) and one unit of rounding per call.
        int256 market_ = handler.ghostAttackerMarketPnl() + int256(handler.calls());
        assertLe(value, int256(handler.ghostAttackerIn()) + deficits + walkedAway + market_, "I17: the attacker never gains");
        // The gap rule (C30): with a keeper pass after each move, no account of the attacker is ever bankrupt, for
        // any move (maintenance > limit: a move within the limit keeps it solvent, one beyond settles at the limit
        // price), and neither at the final price (clamped to one limit of the last mark).
        if (handler.unkeptMoves() == 0) {
            assertEq(deficits + walkedAway, 0, "I17: with a keeper at every fixing the attacker never goes bankrupt");
        }
    }

    /// I18 (C31): per-series holdings are exact: tokens held == every free balance + each series' collateral and
    /// insurance, so a series whose payouts are bounded by its collateral (less its fees) can never pay out of
    /// another series or a free balance.
    function invariant_I18_seriesCollateral() public view {
        uint256 free;
        for (uint256 i; i < handler.actorCount(); ++i) free += market.freeBalance(handler.actors(i));
        IFuturesMarket.SeriesState memory s = market.seriesState(id);
        IFuturesMarket.SeriesState memory sb = market.seriesState(idB);
        uint256 held = uint256(s.collateral) + s.insurance + sb.collateral + sb.insurance;
        assertEq(token.balanceOf(address(market)), free + held, "I18: tokens == free balances + series holdings");
        assertLe(s.fees, s.collateral, "I18: uncollected fees are backed");
    }

    /// I5 Insurance: it only pays recorded deficits; every deficit is insurance + socialised + unbacked.
    function invariant_I5_insuranceAccounting() public view {
        IFuturesMarket.SeriesState memory s = market.seriesState(id);
        assertEq(s.insuranceUsed + s.socialisedLoss + s.unbackedLoss, s.totalDeficit, "I5: deficits fully attributed");
        assertEq(handler.ghostInsuranceFunded(), s.insurance + s.insuranceUsed + handler.ghostInsuranceWithdrawn(), "I5: fund flows");
    }

    /// I6 Isolation: nothing done on series A changed series B's state or positions.
    function invariant_I6_isolation() public view {
        assertEq(_seriesBHash(), seriesBSnapshot, "I6: series B untouched");
    }

    /// I7 Health gate: every user-initiated risk increase or margin removal ended >= initial margin at a fresh index.
    function invariant_I7_healthGate() public view {
        assertEq(handler.healthGateViolations(), 0, "I7");
    }

    /// I8 Liquidation: only below maintenance at a fresh index; the account shrinks; remainder 0 or >= minSize.
    function invariant_I8_liquidation() public view {
        assertEq(handler.liquidationViolations(), 0, "I8");
    }

    /// I9 Orders: filled[d] <= size and equals the ghost sum of fills; cancelled orders never fill.
    function invariant_I9_orders() public view {
        for (uint256 i; i < handler.orderCount(); ++i) {
            bytes32 h = handler.orderHashes(i);
            uint64 f = market.filled(h);
            if (f == type(uint64).max) continue; // cancelled
            assertLe(f, handler.orderSize(h), "I9: filled <= size");
            assertEq(f, handler.ghostFilled(h), "I9: filled == sum of fills");
        }
        assertEq(handler.orderViolations(), 0, "I9/C27");
    }

    /// I10 Index: risk-increasing calls succeeded only with a fresh, non-zero index.
    function invariant_I10_index() public view {
        (uint256 index,) = oracle.latest(bytes32("ATPI"));
        assertTrue(index > 0, "I10: index > 0");
        assertEq(handler.staleRiskViolations(), 0, "I10: no risk on a stale index");
    }

    /// I11 Settlement: the final price is set once and never changes; no fill at or after expiry; one claim each.
    function invariant_I11_settlement() public view {
        IFuturesMarket.SeriesState memory s = market.seriesState(id);
        if (s.settledAt != 0) assertEq(s.finalPrice, handler.ghostFinalPrice(), "I11: one final price");
        assertEq(handler.settlementViolations(), 0, "I11");
    }

    /// I12 Liveness: free balances could always be withdrawn (pause, stale oracle, positions notwithstanding).
    function invariant_I12_liveness() public view {
        assertEq(handler.livenessViolations(), 0, "I12");
    }

    /// I13 Time sanity: recorded times never lie in the future.
    function invariant_I13_time() public view {
        IFuturesMarket.SeriesState memory s = market.seriesState(id);
        assertLe(s.markTime, block.timestamp, "I13: markTime <= now");
        assertLe(s.settledAt, block.timestamp, "I13: settledAt <= now");
        assertLe(s.unpausedAt, block.timestamp, "I13: unpausedAt <= now");
    }

    /// I14 The re-entrancy lock is released after every call: a guarded entry point answers its own error.
    function invariant_I14_lockReleased() public {
        try market.deposit(0) {
            assertTrue(false, "I14: deposit(0) must revert");
        } catch (bytes memory reason) {
            assertEq(bytes4(reason), IFuturesMarket.ZeroAmount.selector, "I14: ZeroAmount, not a held lock");
        }
    }

    /// I15 Access: owner functions never succeeded for a trader; pauses were honoured.
    function invariant_I15_access() public view {
        assertEq(handler.accessViolations(), 0, "I15");
        assertEq(handler.pauseViolations(), 0, "C26: no new risk while paused");
    }

    /// I16 Rounding: the protocol-owned residue is never negative (every conversion rounds against the caller).
    function invariant_I16_rounding() public view {
        assertTrue(_residue() >= 0, "I16: residue >= 0");
    }

}
