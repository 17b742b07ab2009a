// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {SeriesParams} from "../../../contracts/futures/IFuturesMarket.sol";

/// @notice The series parameters the Solidity tests list by default: 1,000 USDC per 1.0 of index, tick 0.001,
/// initial 10 %, maintenance 5 %, band 5 %, price limit 4 %, fixings at most an hour old, a one-hour window and a
/// one-day grace. Tests that need the deployment defaults (scripts/lib/deploy.ts) change the fields that differ.
library TestSeries {
    function params(bytes32 indexId, uint64 expiry) internal pure returns (SeriesParams memory) {
        return SeriesParams({
            indexId: indexId,
            expiry: expiry,
            contractSize: 1_000e6,
            tickSize: 1e15,
            minSize: 1,
            initialMarginBps: 1_000,
            maintenanceMarginBps: 500,
            makerFeeBps: 2,
            takerFeeBps: 5,
            priceBandBps: 500,
            priceLimitBps: 400,
            liquidationPenaltyBps: 200,
            maxFixingAge: 3_600,
            settlementWindow: 3_600,
            settlementGrace: 86_400
        });
    }
}
