// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IFuturesMarket, SeriesParams, Order, Signature} from "../futures/IFuturesMarket.sol";

/// @notice Benchmarks and tests only: takes many signed orders in one transaction, so that thousands of
/// accounts get a position quickly on a local node. The filler is the taker of every fill (it needs free balance).
contract BenchFiller {
    function fillAll(IFuturesMarket market, SeriesParams calldata params, Order[] calldata orders, Signature[] calldata signatures)
        external
    {
        for (uint256 i; i < orders.length; ++i) {
            market.fillSignedOrder(params, orders[i], signatures[i], orders[i].size);
        }
    }
}
