// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {SeriesParams, Order, Signature} from "../../../../contracts/futures/IFuturesMarket.sol";
import {TestBase} from "./Vm.sol";
import {MarketSetup} from "./MarketSetup.sol";

/// @notice The attack reviews' common scene: one listed series with MarketSetup's parameters (initial 10 %,
/// maintenance 5 %, limit 4 %, penalty 2 %, band 5 %; 1,000 USDC per contract per 1.0 of index, index 3.5), three
/// traders with signing keys, a liquidator, and a clock the tests move.
abstract contract MarketScenario is TestBase, MarketSetup {
    uint256 internal constant A_KEY = 0xA11CE;
    uint256 internal constant B_KEY = 0xB0B;
    uint256 internal constant C_KEY = 0xCA701;
    address internal alice;
    address internal bob;
    address internal carol;
    address internal liquidator = address(0x11C);
    SeriesParams internal params;
    bytes32 internal id;
    uint64 internal nonce;
    /// @dev The test's clock (block.timestamp is read once per test frame under the IR pipeline).
    uint256 internal clock;

    function setUp() public {
        clock = 1_767_225_600;
        vm.warp(clock);
        _deploy(address(this));
        params = _params(uint64(block.timestamp + 30 days));
        id = market.listSeries(params);
        _setIndex(INDEX);
        alice = vm.addr(A_KEY);
        bob = vm.addr(B_KEY);
        carol = vm.addr(C_KEY);
    }

    function _keyOf(address a) internal view returns (uint256) {
        if (a == alice) return A_KEY;
        if (a == bob) return B_KEY;
        return C_KEY;
    }

    /// @dev `taker` fills `maker`'s order of `size` at `price` in series `p`.
    function _tradeIn(SeriesParams memory p, address maker, address taker, bool makerBuys, uint64 size, uint256 price)
        internal
    {
        Order memory o = Order(maker, keccak256(abi.encode(p)), makerBuys, size, uint128(price), p.expiry, ++nonce, 10);
        Signature memory sig = _sign(_keyOf(maker), o);
        vm.prank(taker);
        market.fillSignedOrder(p, o, sig, size);
    }

    function _warp(uint256 t) internal {
        clock = t;
        vm.warp(t);
    }
}
