// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IIndexOracle} from "../../../contracts/oracle/IIndexOracle.sol";
import {FuturesMarket} from "../../../contracts/futures/FuturesMarket.sol";
import {IFuturesMarket, SeriesParams, Order, Signature} from "../../../contracts/futures/IFuturesMarket.sol";
import {MockUSDC} from "../../../contracts/mocks/MockUSDC.sol";
import {TestBase} from "./utils/Vm.sol";
import {MarketSetup} from "./utils/MarketSetup.sol";

/// @notice An oracle whose answers the test shapes: the latest value, or a revert with a large payload, an endless
/// loop, a 32-byte answer, a timestamp or a value beyond the market's fields; `verifyFixing` answers `verifyValue`
/// (or reverts / loops in those modes).
contract HostileOracle {
    enum Mode {
        Normal,
        Revert,
        BurnGas,
        ShortAnswer,
        WideTimestamp,
        WideValue
    }

    Mode public mode;
    uint256 public value;
    uint64 public timestamp;
    uint256 public verifyValue;

    function setMode(Mode m) external {
        mode = m;
    }

    function set(uint256 v, uint64 t) external {
        (value, timestamp) = (v, t);
    }

    function setVerifyValue(uint256 v) external {
        verifyValue = v;
    }

    function latest(bytes32) external view returns (uint256, uint64) {
        _hostile();
        Mode m = mode;
        if (m == Mode.ShortAnswer) {
            uint256 v = value;
            assembly ("memory-safe") {
                mstore(0x00, v)
                return(0x00, 0x20)
            }
        }
        if (m == Mode.WideTimestamp) return (value, uint64(1) << 40);
        if (m == Mode.WideValue) return (uint256(1) << 96, timestamp);
        return (value, timestamp);
    }

    function verifyFixing(bytes32, uint64, uint32, address[] calldata, IIndexOracle.Observation[] calldata)
        external
        view
        returns (uint256)
    {
        _hostile();
        return verifyValue;
    }

    /// @dev Reverts with 10 KB of data in `Revert` mode, loops until out of gas in `BurnGas` mode.
    function _hostile() internal view {
        Mode m = mode;
        if (m == Mode.Revert) {
            assembly ("memory-safe") {
                revert(0x00, 10240)
            }
        }
        if (m == Mode.BurnGas) {
            uint256 i;
            while (true) {
                ++i;
            }
        }
    }
}

/// @notice Review 11 (independent attacker), the fallback settlement at the last mark and the market's use of the
/// oracle's answers: no finding. The tests pin what was tried: settle, close-outs, claims and the insurance need no
/// oracle call (an oracle that reverts with a large payload or burns all gas changes nothing, C24); a malformed
/// answer (short, a timestamp or value beyond the mark word) reverts typed or with the oracle's data and leaves the
/// mark alone (C10); the final price stays within one price limit of the last mark whatever the window records,
/// including none (C30); a round stamped before expiry but posted after it does not move the frozen mark the
/// fallback uses, and a never-marked series holds no position (C32 / C24).
contract MarketReview11Test is TestBase, MarketSetup {
    HostileOracle internal hostile;
    SeriesParams internal params;
    bytes32 internal id;
    uint256 internal constant A_KEY = 0xA11CE;
    uint256 internal constant B_KEY = 0xB0B;
    address internal alice = vm.addr(A_KEY);
    address internal bob = vm.addr(B_KEY);
    uint64 internal nonce;
    uint256 internal constant START = 1_767_225_600;

    function setUp() public {
        vm.warp(START);
        token = new MockUSDC();
        hostile = new HostileOracle();
        market = new FuturesMarket(address(this), IERC20(address(token)), IIndexOracle(address(hostile)));
        params = _params(uint64(START + 30 days));
        id = market.listSeries(params);
        hostile.set(INDEX, uint64(START));
    }

    /// @dev `taker` fills `maker`'s order of `size` at `price`.
    function _trade(address maker, address taker, bool makerBuys, uint64 size, uint256 price) internal {
        Order memory o =
            Order(maker, id, makerBuys, size, uint128(price), params.expiry, ++nonce, 10);
        Signature memory sig = _sign(maker == alice ? A_KEY : B_KEY, o);
        vm.prank(taker);
        market.fillSignedOrder(params, o, sig, size);
    }

    function _selector(bytes memory err) internal pure returns (bytes4 sel) {
        if (err.length < 4) return bytes4(0);
        assembly ("memory-safe") {
            sel := mload(add(err, 0x20))
        }
    }

    function _record(uint64 ts) internal returns (bool ok, bytes memory err) {
        IIndexOracle.Observation[] memory obs = new IIndexOracle.Observation[](1);
        try market.recordSettlementFixing(params, ts, 1, new address[](0), obs) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
    }

    /// C24 (no finding): alice long 10 against bob at 3.5, 1,000 USDC of insurance, and a second series that never
    /// traded. The oracle reverts with 10 KB through the window (no round recorded, `updateMark` and the record
    /// revert with its data), then burns all gas. After the grace both series settle (at the last mark 3.5, and at one
    /// tick), both accounts are resolved, claim and withdraw everything they hold, and both insurance funds leave.
    function test_C24_settleResolveClaimAndInsuranceNeedNoOracleCall() public {
        SeriesParams memory never = params;
        never.minSize = 2;
        bytes32 neverId = market.listSeries(never);
        _fund(alice, 10_000 * USDC);
        _fund(bob, 10_000 * USDC);
        _fund(address(this), 2_000 * USDC);
        market.fundInsurance(params, 1_000 * USDC);
        market.fundInsurance(never, 1_000 * USDC);
        _trade(alice, bob, true, 10, INDEX);
        vm.warp(params.expiry);
        hostile.setMode(HostileOracle.Mode.Revert);
        (bool recorded, bytes memory err) = _record(params.expiry);
        assertTrue(!recorded && err.length == 10240, "the record reverts with the oracle's data");
        try market.updateMark(params) {
            revert("updateMark needs the oracle");
        } catch {}
        vm.warp(uint256(params.expiry) + params.settlementGrace + 1);
        hostile.setMode(HostileOracle.Mode.BurnGas);
        market.settle(params);
        market.settle(never);
        assertEq(market.seriesState(id).finalPrice, INDEX, "the last mark");
        assertEq(market.seriesState(neverId).finalPrice, params.tickSize, "one tick for a never-marked series");
        market.closeOut(params, alice);
        market.closeOut(params, bob);
        vm.prank(alice);
        market.claim(params);
        vm.prank(bob);
        market.claim(params);
        market.withdrawInsurance(params, 1_000 * USDC, address(this));
        market.withdrawInsurance(never, 1_000 * USDC, address(this));
        uint256 a = market.freeBalance(alice);
        uint256 b = market.freeBalance(bob);
        vm.prank(alice);
        market.withdraw(a, alice);
        vm.prank(bob);
        market.withdraw(b, bob);
        uint256 fees = market.seriesState(id).fees;
        // Every unit is back but the rounding residue (known issue 1): the traders' balances plus the fees.
        assertLe(a + b + fees, 20_000 * USDC, "no unit created");
        assertLe(20_000 * USDC - 10, a + b + fees, "every unit but the residue is back");
        assertEq(token.balanceOf(alice) + token.balanceOf(bob), a + b, "withdrawn");
        assertEq(market.freeBalance(address(this)), 2_000 * USDC, "both insurance funds left");
    }

    /// C10 (no finding): an oracle answering 32 bytes, a timestamp of 2^40 or a value of 2^96 makes `updateMark`
    /// revert (with the short answer as data, `IndexOutOfRange`, `IndexOutOfRange`), never panic and never store a mark; a
    /// `verifyFixing` answer of 2^96 reverts the record `IndexOutOfRange` and counts nothing.
    function test_C10_malformedOracleAnswersRevertAndLeaveTheMark() public {
        market.updateMark(params);
        HostileOracle.Mode[3] memory modes =
            [HostileOracle.Mode.ShortAnswer, HostileOracle.Mode.WideTimestamp, HostileOracle.Mode.WideValue];
        bytes4[3] memory expected =
            [bytes4(0), IFuturesMarket.IndexOutOfRange.selector, IFuturesMarket.IndexOutOfRange.selector];
        hostile.set(INDEX * 2, uint64(START + 1));
        for (uint256 i; i < 3; ++i) {
            hostile.setMode(modes[i]);
            try market.updateMark(params) {
                revert("a malformed answer was taken");
            } catch (bytes memory err) {
                assertTrue(_selector(err) == expected[i], "C10: the revert");
            }
            assertEq(market.seriesState(id).mark, INDEX, "C10: the mark is unchanged");
        }
        hostile.setMode(HostileOracle.Mode.Normal);
        hostile.set(INDEX, uint64(START + 2));
        vm.warp(params.expiry);
        hostile.setVerifyValue(uint256(1) << 96);
        (bool recorded, bytes memory e) = _record(params.expiry);
        assertTrue(!recorded && _selector(e) == IFuturesMarket.IndexOutOfRange.selector, "C10: a wide round");
        assertEq(market.seriesState(id).fixingCount, 0, "nothing counted");
    }

    /// C30 (no finding): any last mark from one tick to 10,000 and zero to three window rounds of any value below
    /// 2^96 (zero included): the final price lies within one price limit of the last mark, and with no round it is the
    /// last mark rounded down to the tick (or one limit below it, when the limit is finer than the tick).
    function testFuzz_C30_finalPriceStaysWithinOneLimitOfTheLastMark(
        uint256 markSeed,
        uint256[3] memory rounds,
        uint256 countSeed
    ) public {
        uint256 mark = bound(markSeed, params.tickSize, 1e22);
        hostile.set(mark, uint64(START + 1));
        vm.warp(START + 1);
        market.updateMark(params);
        vm.warp(params.expiry);
        uint256 count = bound(countSeed, 0, 3);
        for (uint256 i; i < count; ++i) {
            hostile.setVerifyValue(bound(rounds[i], 0, type(uint96).max));
            vm.warp(uint256(params.expiry) + i);
            (bool recorded,) = _record(uint64(params.expiry + i));
            assertTrue(recorded, "recorded");
        }
        vm.warp(uint256(params.expiry) + params.settlementGrace + 1);
        market.settle(params);
        uint256 finalPrice = market.seriesState(id).finalPrice;
        uint256 step = mark * params.priceLimitBps / 10_000;
        assertTrue(finalPrice + step >= mark && finalPrice <= mark + step, "C30: within one limit of the last mark");
        if (count == 0) {
            assertTrue(
                finalPrice == mark - mark % params.tickSize || finalPrice == mark - step, "C24: the fallback is the mark"
            );
        }
    }

    /// C32 / C24 (no finding): the mark was taken at 3.5; a fixing stamped before expiry at 3.6 lands after expiry
    /// (the oracle posts late). `updateMark` does not take it in, the mark stays frozen, and with no window round the
    /// series settles at 3.5 whoever calls and whenever: the fallback is known to everyone from expiry on.
    function test_C32_lateFixingStampedBeforeExpiryDoesNotMoveTheFallback() public {
        _fund(alice, 10_000 * USDC);
        _fund(bob, 10_000 * USDC);
        _trade(alice, bob, true, 10, INDEX);
        vm.warp(uint256(params.expiry) + 60);
        hostile.set(3.6e18, params.expiry - 1);
        assertEq(market.updateMark(params), INDEX, "the frozen mark");
        vm.warp(uint256(params.expiry) + params.settlementGrace + 1);
        hostile.set(3.7e18, uint64(uint256(params.expiry) + params.settlementGrace));
        market.settle(params);
        assertEq(market.seriesState(id).finalPrice, INDEX, "C32: the fallback is the frozen last mark");
    }
}
