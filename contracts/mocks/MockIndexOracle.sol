// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IIndexOracle} from "../oracle/IIndexOracle.sol";

/// @notice Test oracle: implements the IIndexOracle reads with values anyone can set.
contract MockIndexOracle {
    mapping(bytes32 indexId => IIndexOracle.Fixing) internal _fixings;
    /// @dev The value as set, full width: `latest` returns it, so tests can feed values a real oracle never posts.
    mapping(bytes32 indexId => uint256) internal _values;

    event MockFixingSet(bytes32 indexed indexId, uint256 value, uint64 timestamp);

    function set(bytes32 indexId, uint256 value, uint64 timestamp) external {
        _fixings[indexId] = IIndexOracle.Fixing(uint128(value), timestamp, 1);
        _values[indexId] = value;
        emit MockFixingSet(indexId, value, timestamp);
    }

    function latest(bytes32 indexId) public view returns (uint256 value, uint64 timestamp) {
        IIndexOracle.Fixing memory f = _fixings[indexId];
        if (f.timestamp == 0) revert IIndexOracle.NoFixing(indexId);
        return (_values[indexId], f.timestamp);
    }

    function latestFresh(bytes32 indexId, uint256 maxAge) external view returns (uint256 value, uint64 timestamp) {
        (value, timestamp) = latest(indexId);
        uint256 age = block.timestamp > timestamp ? block.timestamp - timestamp : 0;
        if (age > maxAge) revert IIndexOracle.StaleFixing(indexId, age, maxAge);
    }

    /// @dev Skew the mock allows for `verifyFixing` (IndexOracle: the index's maxFutureSkew).
    uint32 public constant MAX_FUTURE_SKEW = 300;

    /// @notice Mock of IndexOracle.verifyFixing: no signature or operator checks; the round's value is the median
    /// observation (the lower middle one), with IndexOracle's count and future-skew errors.
    function verifyFixing(
        bytes32 indexId,
        uint64 timestamp,
        uint32,
        address[] calldata,
        IIndexOracle.Observation[] calldata observations
    ) external view returns (uint256) {
        if (observations.length == 0) revert IIndexOracle.TooFewSignatures(indexId, 0, 1);
        if (timestamp > block.timestamp + MAX_FUTURE_SKEW) {
            revert IIndexOracle.TimestampInFuture(indexId, timestamp, block.timestamp, MAX_FUTURE_SKEW);
        }
        return observations[(observations.length - 1) / 2].value;
    }

    function latestFixing(bytes32 indexId) external view returns (IIndexOracle.Fixing memory) {
        return _fixings[indexId];
    }
}
