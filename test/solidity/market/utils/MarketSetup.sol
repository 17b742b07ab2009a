// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IIndexOracle} from "../../../../contracts/oracle/IIndexOracle.sol";
import {FuturesMarket} from "../../../../contracts/futures/FuturesMarket.sol";
import {SeriesParams, Order, Signature} from "../../../../contracts/futures/IFuturesMarket.sol";
import {MockUSDC} from "../../../../contracts/mocks/MockUSDC.sol";
import {MockIndexOracle} from "../../../../contracts/mocks/MockIndexOracle.sol";
import {Vm} from "./Vm.sol";
import {TestSeries} from "../../utils/TestSeries.sol";

/// @notice Deploys a market with a USDC-like token and a mock oracle, and signs orders for fixed test keys.
contract MarketSetup {
    Vm internal constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    bytes32 internal constant INDEX_ID = bytes32("ATPI");
    uint256 internal constant INDEX = 3.5e18;
    uint256 internal constant USDC = 1e6;

    MockUSDC public token;
    MockIndexOracle public oracle;
    FuturesMarket public market;

    function _deploy(address owner) internal {
        token = new MockUSDC();
        oracle = new MockIndexOracle();
        market = new FuturesMarket(owner, IERC20(address(token)), IIndexOracle(address(oracle)));
    }

    function _params(uint64 expiry) internal pure returns (SeriesParams memory) {
        return TestSeries.params(INDEX_ID, expiry);
    }

    function _setIndex(uint256 value) internal {
        oracle.set(INDEX_ID, value, uint64(block.timestamp));
    }

    function _fund(address who, uint256 amount) internal {
        token.mint(who, amount);
        VM.startPrank(who);
        token.approve(address(market), amount);
        market.deposit(amount);
        VM.stopPrank();
    }

    /// @dev The EIP-2098 compact signature of `o` by `key`.
    function _sign(uint256 key, Order memory o) internal view returns (Signature memory) {
        (uint8 v, bytes32 r, bytes32 s) = VM.sign(key, market.hashOrder(o));
        return Signature(r, bytes32(uint256(s) | (uint256(v - 27) << 255)));
    }
}
