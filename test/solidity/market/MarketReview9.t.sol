// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IFuturesMarket, Order, Signature} from "../../../contracts/futures/IFuturesMarket.sol";
import {MarketScenario} from "./utils/MarketScenario.sol";

/// @dev The log-recording cheatcodes (not in Vm.sol: only this test reads raw logs).
interface VmLogs {
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory);
}

/// @notice Review 9 (trade events from scratch memory, `_filled` as a uint256, one domain separator per match): no
/// finding; these pin what was checked. The words of OrderFilled and OrdersMatched (encoded in assembly from the
/// `Leg` structs) equal the state each trade changed (every data word, both legs, a top-up, a release and a
/// reduction without a move, addresses clean in their high bits); crossOrders rejects either order signed for
/// another chain and a cancelled order; partial fills add up to the order's size and no further.
contract MarketReview9Test is MarketScenario {
    VmLogs internal constant LOGS = VmLogs(address(uint160(uint256(keccak256("hevm cheat code")))));

    struct Before {
        uint256 free;
        uint256 shares;
    }

    function _before(address a) internal view returns (Before memory) {
        return Before(market.freeBalance(a), market.position(id, a).shares);
    }

    /// @dev Checks one leg's MarginChange words at `w` against the account's state change since `b`.
    function _checkLeg(uint256[13] memory words, uint256 w, address a, Before memory b, string memory what)
        internal
        view
    {
        assertEq(int256(words[w]), int256(b.free) - int256(market.freeBalance(a)), what);
        assertEq(int256(words[w + 1]), int256(uint256(market.position(id, a).shares)) - int256(b.shares), what);
    }

    function _fee(uint256 size, uint256 price, uint256 bps) internal view returns (uint256) {
        uint256 notional = size * price * params.contractSize / 1e18;
        return (notional * bps + 9_999) / 10_000;
    }

    /// @dev The only log of `topic` from the market, its data as words (13; OrderFilled leaves the last at 0).
    function _words(bytes32 topic, uint256 len) internal returns (bytes32[] memory topics, uint256[13] memory words) {
        VmLogs.Log[] memory logs = LOGS.getRecordedLogs();
        uint256 found;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(market) || logs[i].topics[0] != topic) continue;
            ++found;
            topics = logs[i].topics;
            assertEq(logs[i].data.length, len, "data length");
            words = _toWords(logs[i].data);
        }
        assertEq(found, 1, "one event");
    }

    function _toWords(bytes memory data) internal pure returns (uint256[13] memory words) {
        for (uint256 k; k < data.length / 32; ++k) {
            uint256 word;
            assembly ("memory-safe") {
                word := mload(add(add(data, 0x20), mul(k, 0x20)))
            }
            words[k] = word;
        }
    }

    /// @dev alice long 4 and bob short 4 at 3.5; the index then 3.55.
    function _scene() internal {
        _fund(alice, 100_000 * USDC);
        _fund(bob, 100_000 * USDC);
        _fund(carol, 100_000 * USDC);
        _tradeIn(params, alice, bob, true, 4, INDEX);
        _warp(clock + 1);
        oracle.set(INDEX_ID, 3.55e18, uint64(clock));
    }

    /// @dev carol (maker) sells 2 at 3.56 to bob, who reduces his short (no move) while carol opens (a top-up).
    function _fill() internal returns (bytes32[] memory t, uint256[13] memory w, Order memory o) {
        o = Order(carol, id, false, 2, 3.56e18, params.expiry, ++nonce, 10);
        Signature memory sig = _sign(C_KEY, o);
        LOGS.recordLogs();
        vm.prank(bob);
        market.fillSignedOrder(params, o, sig, 2);
        (t, w) = _words(IFuturesMarket.OrderFilled.selector, 0x180);
    }

    function test_orderFilledWordsEqualTheStateDeltas() public {
        _scene();
        Before memory bc = _before(carol);
        Before memory bb = _before(bob);
        uint256 assets0 = market.seriesState(id).marginAssets;
        (bytes32[] memory t, uint256[13] memory w, Order memory o) = _fill();
        assertEq(t.length, 4, "topics");
        assertEq(t[1], id, "seriesId");
        assertEq(t[2], market.hashOrder(o), "orderHash");
        assertEq(uint256(t[3]), uint256(uint160(carol)), "maker");
        assertEq(w[0], uint256(uint160(bob)), "taker, clean");
        assertEq(int256(w[1]), -2, "makerDelta");
        assertEq(w[2], 3.56e18, "price");
        assertEq(w[3], 3.55e18, "mark");
        assertEq(w[3], market.seriesState(id).mark, "mark stored");
        assertEq(w[4], _fee(2, 3.56e18, params.makerFeeBps), "makerFee");
        assertEq(w[5], _fee(2, 3.56e18, params.takerFeeBps), "takerFee");
        _checkLeg(w, 6, carol, bc, "maker margin");
        _checkLeg(w, 9, bob, bb, "taker margin");
        assertTrue(int256(w[6]) > 0 && w[9] == 0, "a top-up for the maker, no move for the taker");
        assertEq(int256(w[8]) + int256(w[11]), int256(uint256(market.seriesState(id).marginAssets)) - int256(assets0), "assets");
        assertEq(int256(w[8]), int256(w[6]) - int256(w[4]), "maker assets: top-up less fee (opened at the trade)");
    }

    /// @dev After the fill, bob buys 2 (closes his short: a release), carol sells 2 more (a top-up); the liquidator
    /// matches them at 3.54.
    function _match() internal returns (bytes32[] memory t, uint256[13] memory w, Order memory buy, Order memory sell) {
        buy = Order(bob, id, true, 2, 3.56e18, params.expiry, ++nonce, 10);
        sell = Order(carol, id, false, 2, 3.53e18, params.expiry, ++nonce, 10);
        Signature memory bs = _sign(B_KEY, buy);
        Signature memory ss = _sign(C_KEY, sell);
        LOGS.recordLogs();
        vm.prank(liquidator);
        market.crossOrders(params, buy, bs, sell, ss, 2, 3.54e18);
        (t, w) = _words(IFuturesMarket.OrdersMatched.selector, 0x1a0);
    }

    function test_ordersMatchedWordsEqualTheStateDeltas() public {
        _scene();
        _fill();
        Before memory bb = _before(bob);
        Before memory bc = _before(carol);
        uint256 assets0 = market.seriesState(id).marginAssets;
        (bytes32[] memory t, uint256[13] memory w, Order memory buy, Order memory sell) = _match();
        assertEq(t[1], id, "seriesId");
        assertEq(t[2], market.hashOrder(buy), "buyHash");
        assertEq(t[3], market.hashOrder(sell), "sellHash");
        assertEq(w[0], uint256(uint160(bob)), "buyMaker, clean");
        assertEq(w[1], uint256(uint160(carol)), "sellMaker, clean");
        assertEq(w[2], 2, "size");
        assertEq(w[3], 3.54e18, "price");
        assertEq(w[4], 3.55e18, "mark");
        assertEq(w[5], _fee(2, 3.54e18, params.takerFeeBps), "fee");
        _checkLeg(w, 6, bob, bb, "buy margin");
        _checkLeg(w, 9, carol, bc, "sell margin");
        assertTrue(int256(w[6]) < 0 && int256(w[9]) > 0, "a release for the buyer, a top-up for the seller");
        assertEq(market.position(id, bob).size, 0, "bob closed");
        assertEq(int256(w[8]) + int256(w[11]), int256(uint256(market.seriesState(id).marginAssets)) - int256(assets0), "assets");
        assertEq(w[12], uint256(uint160(liquidator)), "matcher, clean");
        assertEq(market.filled(market.hashOrder(buy)), 2, "buy filled");
        assertEq(market.filled(market.hashOrder(sell)), 2, "sell filled");
    }

    /// @dev A buy of bob at 3.56 and a sell of carol at 3.53 (size 4 each), carol's signed under chain id `home`
    /// + `shift`. The home chain id is read from the market (the optimizer may re-read CHAINID in this frame after
    /// the cheatcode changed it).
    function _pair(uint256 shift)
        internal
        returns (Order memory buy, Signature memory bs, Order memory sell, Signature memory ss)
    {
        buy = Order(bob, id, true, 4, 3.56e18, params.expiry, ++nonce, 10);
        sell = Order(carol, id, false, 4, 3.53e18, params.expiry, ++nonce, 10);
        bs = _sign(B_KEY, buy);
        (,,, uint256 home,,,) = market.eip712Domain();
        vm.chainId(home + shift);
        ss = _sign(C_KEY, sell);
        vm.chainId(home);
    }

    function test_crossOrdersRejectsAnOrderSignedForAnotherChain() public {
        _scene();
        (Order memory buy, Signature memory bs, Order memory sell, Signature memory ss) = _pair(1);
        vm.prank(liquidator);
        vm.expectRevert(abi.encodeWithSelector(IFuturesMarket.InvalidSignature.selector, market.hashOrder(sell)));
        market.crossOrders(params, buy, bs, sell, ss, 1, 3.54e18);
        // The first order signed for the other chain and the second for this one: the buy is rejected.
        (,,, uint256 home,,,) = market.eip712Domain();
        vm.chainId(home + 1);
        bs = _sign(B_KEY, buy);
        vm.chainId(home);
        ss = _sign(C_KEY, sell);
        vm.prank(liquidator);
        vm.expectRevert(abi.encodeWithSelector(IFuturesMarket.InvalidSignature.selector, market.hashOrder(buy)));
        market.crossOrders(params, buy, bs, sell, ss, 1, 3.54e18);
    }

    function test_crossOrdersPartialFillsStopAtTheSizeAndACancelHolds() public {
        _scene();
        (Order memory buy, Signature memory bs, Order memory sell, Signature memory ss) = _pair(0);
        vm.startPrank(liquidator);
        market.crossOrders(params, buy, bs, sell, ss, 1, 3.54e18);
        market.crossOrders(params, buy, bs, sell, ss, 3, 3.54e18);
        assertEq(market.filled(market.hashOrder(buy)), 4, "buy filled");
        vm.expectRevert(abi.encodeWithSelector(IFuturesMarket.Overfill.selector, market.hashOrder(buy), 4, 1, 4));
        market.crossOrders(params, buy, bs, sell, ss, 1, 3.54e18);
        vm.stopPrank();
        (Order memory buy2, Signature memory bs2, Order memory sell2, Signature memory ss2) = _pair(0);
        vm.prank(carol);
        market.cancel(sell2);
        assertEq(market.filled(market.hashOrder(sell2)), type(uint64).max, "cancelled reads CANCELLED");
        vm.prank(liquidator);
        vm.expectRevert(abi.encodeWithSelector(IFuturesMarket.OrderIsCancelled.selector, market.hashOrder(sell2)));
        market.crossOrders(params, buy2, bs2, sell2, ss2, 1, 3.54e18);
    }
}
