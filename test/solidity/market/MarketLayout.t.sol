// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IFuturesMarket, SeriesParams, Order, Signature} from "../../../contracts/futures/IFuturesMarket.sol";
import {TestBase} from "./utils/Vm.sol";
import {MarketSetup} from "./utils/MarketSetup.sol";

/// @notice Pins the market's packed storage: the slot of each mapping and the bit offsets of each packed word
/// (MarginPool: the series' pool word; SeriesMark: the mark word; the Position and Account words). A layout change
/// (a field moved, a base contract with storage added) fails here, and keepers that probe slots must follow.
contract MarketLayoutTest is TestBase, MarketSetup {
    /// @dev Declaration order after OpenZeppelin's EIP712 fallback strings (slots 0, 1).
    uint256 internal constant ACCOUNTS_SLOT = 2;
    uint256 internal constant SERIES_SLOT = 4;
    uint256 internal constant POSITIONS_SLOT = 5;
    uint256 internal constant MAKER_KEY = 0xA11CE;

    function test_storageLayoutIsPinned() public {
        vm.warp(1_767_225_600);
        _deploy(address(this));
        SeriesParams memory p = _params(uint64(block.timestamp + 30 days));
        bytes32 id = market.listSeries(p);
        _setIndex(INDEX);
        address maker = vm.addr(MAKER_KEY);
        address taker = address(0x7A4E);
        _fund(maker, 100_000 * USDC);
        _fund(taker, 100_000 * USDC);
        vm.prank(maker);
        market.cancelAllBelow(3);
        Order memory o = Order(maker, id, true, 10, uint128(INDEX), p.expiry, 3, 10);
        Signature memory sig = _sign(MAKER_KEY, o);
        vm.prank(taker);
        market.fillSignedOrder(p, o, sig, 4);
        market.setPaused(p, true);

        IFuturesMarket.SeriesState memory s = market.seriesState(id);
        bytes32 base = keccak256(abi.encode(id, SERIES_SLOT));
        uint256 pool = uint256(vm.load(address(market), base));
        assertEq(pool & type(uint96).max, s.marginAssets, "pool: assets bits 0..95");
        assertEq((pool >> 96) & type(uint96).max, s.marginShares, "pool: shares bits 96..191");
        assertEq((pool >> 192) & type(uint48).max, s.fees, "pool: fees bits 192..239");
        assertEq((pool >> 240) & 0xff, 1, "pool: listed bits 240..247");
        assertEq(pool >> 248, 1, "pool: paused bits 248..255");
        uint256 markWord = uint256(vm.load(address(market), bytes32(uint256(base) + 1)));
        assertEq(markWord & type(uint96).max, s.mark, "mark word: mark bits 0..95");
        assertEq(s.mark, INDEX, "the first mark is the index");
        assertEq((markWord >> 96) & type(uint40).max, s.markTime, "mark word: markTime bits 96..135");
        assertEq((markWord >> 136) & type(uint64).max, s.collateral, "mark word: collateral bits 136..199");
        assertTrue(s.collateral > 0, "collateral booked");
        assertEq((markWord >> 200) & type(uint32).max, s.openPositions, "mark word: openPositions bits 200..231");
        assertEq(s.openPositions, 2, "maker and taker hold positions");
        assertEq(markWord >> 232, 1, "mark word: initialised bits 232..239, closed 240..247 not set, nothing above");
        assertTrue(!s.closed, "not settled");
        // Settlement fields: finalPrice and listedAt share slot 4; owedTotal, payableTotal and settledAt slot 5 (a
        // claim reads the first two with one SLOAD; settledAt keeps the slot non-zero before the first resolution).
        uint256 slot4 = uint256(vm.load(address(market), bytes32(uint256(base) + 4)));
        assertEq((slot4 >> 128) & type(uint64).max, s.listedAt, "slot 4: listedAt bits 128..191");
        assertTrue(s.listedAt != 0, "listedAt set");

        // Settling (here: a fixing beyond the price limit) sets `closed` at bits 240..247 and the mark to the price.
        market.setPaused(p, false);
        uint64 later = uint64(block.timestamp) + 1; // block.timestamp is read once per test frame under IR
        vm.warp(later);
        oracle.set(INDEX_ID, INDEX / 2, later);
        market.updateMark(p);
        s = market.seriesState(id);
        markWord = uint256(vm.load(address(market), bytes32(uint256(base) + 1)));
        assertTrue(s.closed, "settled");
        assertEq(markWord >> 232, 0x101, "mark word: closed bits 240..247 set, initialised kept");
        assertEq(markWord & type(uint96).max, s.finalPrice, "mark word: the mark is the final price");

        IFuturesMarket.Position memory pos = market.position(id, maker);
        uint256 posWord = uint256(vm.load(address(market), keccak256(abi.encode(maker, keccak256(abi.encode(id, POSITIONS_SLOT))))));
        assertEq(int256(int64(uint64(posWord))), pos.size, "position: size bits 0..63");
        assertEq(int256(int96(uint96(posWord >> 64))), pos.cost, "position: cost bits 64..159");
        assertEq(posWord >> 160, pos.shares, "position: shares bits 160..255");

        uint256 acc = uint256(vm.load(address(market), keccak256(abi.encode(maker, ACCOUNTS_SLOT))));
        assertEq(uint192(acc), market.freeBalance(maker), "account: free bits 0..191");
        assertEq(acc >> 192, market.minNonce(maker), "account: minNonce bits 192..255");
    }
}
