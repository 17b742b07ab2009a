// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IFuturesMarket, SeriesParams, Order, Signature} from "../../../contracts/futures/IFuturesMarket.sol";
import {TestBase} from "./utils/Vm.sol";
import {MarketSetup} from "./utils/MarketSetup.sol";

/// @notice Fills on a deployed market with 6-decimal collateral: replay across chains (C01) and fuzzed fill
/// arithmetic against the book-keeping identity (I1, I2, I3, I4).
contract MarketFillTest is TestBase, MarketSetup {
    uint256 internal constant MAKER_KEY = 0xA11CE;
    uint256 internal constant TAKER_KEY = 0xB0B;
    address internal maker;
    address internal taker;
    SeriesParams internal params;
    bytes32 internal id;

    function setUp() public {
        _deploy(address(this));
        params = _params(uint64(block.timestamp + 30 days));
        id = market.listSeries(params);
        _setIndex(INDEX);
        maker = vm.addr(MAKER_KEY);
        taker = vm.addr(TAKER_KEY);
        _fund(maker, 10_000_000 * USDC);
        _fund(taker, 10_000_000 * USDC);
    }

    function _order(bool isBuy, uint64 size, uint128 price, uint64 nonce) internal view returns (Order memory) {
        return Order(maker, id, isBuy, size, price, uint64(block.timestamp + 1 days), nonce, 10);
    }

    /// C01: an order signed under one chain id never fills after the chain id changes; the separator is rebuilt.
    function test_C01_chainIdChangeRejectsOldSignatures() public {
        Order memory o = _order(true, 1, uint128(INDEX), 0);
        Signature memory sig = _sign(MAKER_KEY, o);
        bytes32 digestA = market.hashOrder(o);
        vm.chainId(block.chainid + 1);
        vm.prank(taker);
        vm.expectRevert(abi.encodeWithSelector(IFuturesMarket.InvalidSignature.selector, market.hashOrder(o)));
        market.fillSignedOrder(params, o, sig, 1);
        assertTrue(market.hashOrder(o) != digestA, "digest binds the chain id");
    }

    /// C01 / ERC-5267: `eip712Domain()` (OpenZeppelin's EIP712) reports the domain the market signs with: name
    /// "tokenfutures", version "1", this chain and contract, and order digests are signed under its hash.
    function test_C01_eip712DomainMatchesTheSigningDomain() public view {
        (bytes1 fields, string memory name, string memory version, uint256 chainId, address verifying,,) = market.eip712Domain();
        assertEq(uint256(uint8(fields)), 0x0f, "name, version, chainId, verifyingContract");
        assertEq(keccak256(bytes(name)), keccak256("tokenfutures"), "name");
        assertEq(keccak256(bytes(version)), keccak256("1"), "version");
        assertEq(chainId, block.chainid, "chain id");
        assertEq(uint256(uint160(verifying)), uint256(uint160(address(market))), "verifying contract");
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256(bytes(name)), keccak256(bytes(version)), chainId, verifying
            )
        );
        Order memory o = _order(true, 1, uint128(INDEX), 0);
        bytes32 typeHash = keccak256(
            "Order(address maker,bytes32 seriesId,bool isBuy,uint64 size,uint128 limitPrice,uint64 expiry,uint64 nonce,uint16 maxFeeBps)"
        );
        assertEq(
            market.hashOrder(o), keccak256(abi.encodePacked(hex"1901", expected, keccak256(abi.encode(typeHash, o)))),
            "orders are signed under the hash of the reported domain"
        );
    }

    /// C03: the market's order digest equals an independent EIP-712 reference (type string, domain with chain id
    /// and contract, abi.encode) for fuzzed orders, and any change of a field changes it.
    function testFuzz_C03_orderDigestMatchesReference(Order memory o, uint8 field) public view {
        bytes32 typeHash = keccak256(
            "Order(address maker,bytes32 seriesId,bool isBuy,uint64 size,uint128 limitPrice,uint64 expiry,uint64 nonce,uint16 maxFeeBps)"
        );
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("tokenfutures"),
                keccak256("1"),
                block.chainid,
                address(market)
            )
        );
        bytes32 expected = keccak256(abi.encodePacked(hex"1901", domain, keccak256(abi.encode(typeHash, o))));
        assertEq(market.hashOrder(o), expected, "digest == EIP-712 reference");
        Order memory changed = o;
        field %= 8;
        if (field == 0) changed.maker = address(uint160(o.maker) ^ 1);
        else if (field == 1) changed.seriesId = o.seriesId ^ bytes32(uint256(1));
        else if (field == 2) changed.isBuy = !o.isBuy;
        else if (field == 3) changed.size = o.size ^ 1;
        else if (field == 4) changed.limitPrice = o.limitPrice ^ 1;
        else if (field == 5) changed.expiry = o.expiry ^ 1;
        else if (field == 6) changed.nonce = o.nonce ^ 1;
        else changed.maxFeeBps = o.maxFeeBps ^ 1;
        assertTrue(market.hashOrder(changed) != expected, "any field change changes the digest");
    }

    /// Fuzzed open and partial close between two accounts at tick prices around the index: positions stay
    /// opposite (I3), tokens held equal deposits (I1), and the two accounts together never gain (I4).
    function testFuzz_fillArithmetic(uint64 size, uint64 closeSize, uint256 openTicks, uint256 closeTicks, bool makerBuys) public {
        size = uint64(bound(size, 1, 2_000));
        closeSize = uint64(bound(closeSize, 1, size));
        uint256 before = market.freeBalance(maker) + market.freeBalance(taker);
        _trade(makerBuys, size, _bandPrice(openTicks), 0);
        _trade(!makerBuys, closeSize, _bandPrice(closeTicks), 1);
        IFuturesMarket.Position memory pm = market.position(id, maker);
        assertEq(int256(pm.size), (makerBuys ? int256(1) : int256(-1)) * int256(uint256(size - closeSize)), "maker size");
        _checkBook(before);
    }

    /// C05 with the packed account slot: free balance and min nonce share a slot; a fill that tops up the maker's
    /// margin from its free balance leaves its min nonce intact, and raising the nonce leaves the balance intact.
    function testFuzz_C05_accountSlotKeepsNonceAndBalance(uint64 minNonce, uint64 size) public {
        minNonce = uint64(bound(minNonce, 1, type(uint64).max - 1));
        size = uint64(bound(size, 1, 2_000));
        uint256 freeBefore = market.freeBalance(maker);
        uint256 bothBefore = freeBefore + market.freeBalance(taker);
        vm.prank(maker);
        market.cancelAllBelow(minNonce);
        assertEq(market.freeBalance(maker), freeBefore, "raising the nonce keeps the free balance");
        _trade(true, size, uint128(INDEX), minNonce);
        assertEq(market.minNonce(maker), minNonce, "a top-up keeps the min nonce");
        uint256 toppedUp = freeBefore - market.freeBalance(maker);
        assertTrue(toppedUp > 0, "the maker's margin came from its free balance");
        // The margin is the top-up less the maker's fee (rounded against the account), never more.
        assertLe(market.marginOf(id, maker), toppedUp, "margin <= top-up");
        assertTrue(market.marginOf(id, maker) > 0, "margin credited");
        _checkBook(bothBefore);
    }

    function _bandPrice(uint256 ticks) internal pure returns (uint128) {
        uint256 band = INDEX * 500 / 10_000 / 1e15; // the price band in ticks
        return uint128(INDEX - band * 1e15 + bound(ticks, 0, 2 * band) * 1e15);
    }

    function _trade(bool makerBuys, uint64 size, uint128 price, uint64 nonce) internal {
        Order memory o = _order(makerBuys, size, price, nonce);
        Signature memory sig = _sign(MAKER_KEY, o);
        vm.prank(taker);
        market.fillSignedOrder(params, o, sig, size);
    }

    function _checkBook(uint256 freeBefore) internal view {
        IFuturesMarket.Position memory pm = market.position(id, maker);
        IFuturesMarket.Position memory pt = market.position(id, taker);
        assertEq(int256(pm.size) + int256(pt.size), 0, "I3: sizes sum to zero");
        // I1/I2: tokens held == all deposits; owed = free + margins + fees + unrealised (zero-sum at any mark).
        IFuturesMarket.SeriesState memory s = market.seriesState(id);
        uint256 held = token.balanceOf(address(market));
        assertEq(held, 20_000_000 * USDC, "tokens held equal deposits");
        int256 owed = int256(market.freeBalance(maker) + market.freeBalance(taker) + s.marginAssets + s.fees)
            - int256(pm.cost) - int256(pt.cost);
        assertLe(owed, int256(held), "I1: never owes more than it holds");
        assertLe(int256(held) - owed, 4, "I2: rounding residue bounded");
        // I4: together the two accounts can only lose (fees); value them at any mark, e.g. the index.
        (int256 em,,) = market.accountHealth(params, maker, INDEX);
        (int256 et,,) = market.accountHealth(params, taker, INDEX);
        int256 value = int256(market.freeBalance(maker) + market.freeBalance(taker)) + em + et;
        assertLe(value, int256(freeBefore) - int256(uint256(s.fees)), "I4: no free money");
    }
}
