// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IIndexOracle} from "./IIndexOracle.sol";

/// @title IndexOracle
/// @notice Fixings signed by a fault-tolerant quorum of operators, one storage slot per index for the latest one.
/// @dev Deploy with a `TimelockController` as owner to delay every admin call by the timelock's minimum delay.
/// A normal post reads three slots (config, operator-list hash, fixing) and writes one (the fixing); the breaker's
/// "held" flag lives in the fixing slot's free top bits, so only a post that moves beyond the breaker reads more.
contract IndexOracle is IIndexOracle, Ownable2Step, EIP712 {
    /// @inheritdoc IIndexOracle
    uint256 public constant MAX_OPERATORS = 32;
    /// @inheritdoc IIndexOracle
    uint256 public constant MAX_FUTURE_SKEW = 1 hours;
    /// @inheritdoc IIndexOracle
    uint256 public constant MAX_BPS = 10_000;
    /// @inheritdoc IIndexOracle
    uint256 public constant MAX_BREAKER_DELAY = 1 days;
    /// @inheritdoc IIndexOracle
    bytes32 public constant OBSERVATION_TYPEHASH = keccak256(
        "Observation(bytes32 indexId,uint64 timestamp,uint32 methodologyVersion,uint256 value,bytes32 inputsHash)"
    );

    /// @dev Bit 224 of a fixing slot (above value, timestamp and version): the breaker holds a round.
    uint256 private constant HELD_FLAG = 1 << 224;

    /// @dev One slot, everything a post needs (operatorCount == 0 means no such index).
    struct IndexConfig {
        uint96 minValue;
        uint96 maxValue;
        uint16 maxFutureSkew; // <= MAX_FUTURE_SKEW
        uint8 operatorCount; // <= MAX_OPERATORS
        uint8 faultTolerance;
        uint16 maxSpreadBps;
        uint16 breakerBps;
    }

    /// @dev One slot, read only when a round moves beyond the breaker: the held round and the breaker delay.
    struct Breaker {
        uint96 heldValue;
        uint64 heldTimestamp;
        /// @dev Timestamp of the round that started the hold (a confirmation needs heldSince + delay).
        uint64 heldSince;
        uint32 delay;
    }

    mapping(bytes32 indexId => IndexConfig) private _configs;
    mapping(bytes32 indexId => bytes32) private _operatorsHashes;
    /// @dev Fixing members in bits [0, 224), HELD_FLAG above (written by `_storeFixing` / `_hold` only).
    mapping(bytes32 indexId => Fixing) private _fixings;
    mapping(bytes32 indexId => Breaker) private _breakers;
    mapping(bytes32 indexId => address[]) private _operatorLists;
    /// @dev Position in the operator list plus one; 0 = not an operator.
    mapping(bytes32 indexId => mapping(address account => uint256)) private _operatorSlots;

    constructor(address initialOwner) Ownable(initialOwner) EIP712("tokenfutures-oracle", "1") {}

    /* ADMIN */

    /// @inheritdoc IIndexOracle
    function createIndex(bytes32 indexId, IndexParams calldata params, address[] calldata operatorList)
        external
        onlyOwner
    {
        if (_configs[indexId].operatorCount != 0) revert IndexAlreadyExists(indexId);
        _checkBounds(params.minValue, params.maxValue);
        if (params.maxFutureSkew > MAX_FUTURE_SKEW) revert SkewTooLarge(params.maxFutureSkew, MAX_FUTURE_SKEW);
        _checkSpread(params.maxSpreadBps);
        _checkBreaker(params.breakerBps, params.breakerDelay);
        _checkBreakerAboveSpread(indexId, params.breakerBps, params.maxSpreadBps);
        _checkOperatorCount(indexId, operatorList.length, params.faultTolerance);

        // Safe cast: maxFutureSkew <= MAX_FUTURE_SKEW < 2**16.
        _configs[indexId] = IndexConfig(
            params.minValue,
            params.maxValue,
            uint16(params.maxFutureSkew),
            0,
            params.faultTolerance,
            params.maxSpreadBps,
            params.breakerBps
        );
        _breakers[indexId].delay = params.breakerDelay;
        emit IndexCreated(
            indexId,
            msg.sender,
            params.minValue,
            params.maxValue,
            params.maxFutureSkew,
            params.faultTolerance,
            params.maxSpreadBps,
            params.breakerBps,
            params.breakerDelay
        );
        for (uint256 i; i < operatorList.length; ++i) {
            _addOperator(indexId, operatorList[i]);
        }
        _operatorsHashes[indexId] = _hashList(indexId);
    }

    /// @inheritdoc IIndexOracle
    function setBounds(bytes32 indexId, uint96 minValue, uint96 maxValue) external onlyOwner {
        IndexConfig storage config = _existingConfig(indexId);
        _checkBounds(minValue, maxValue);
        (uint96 oldMin, uint96 oldMax) = (config.minValue, config.maxValue);
        if (oldMin == minValue && oldMax == maxValue) revert BoundsUnchanged(indexId, minValue, maxValue);
        (config.minValue, config.maxValue) = (minValue, maxValue);
        emit BoundsUpdated(indexId, msg.sender, oldMin, oldMax, minValue, maxValue);
    }

    /// @inheritdoc IIndexOracle
    function setFaultTolerance(bytes32 indexId, uint8 faultTolerance) external onlyOwner {
        IndexConfig storage config = _existingConfig(indexId);
        uint8 old = config.faultTolerance;
        if (old == faultTolerance) revert FaultToleranceUnchanged(indexId, faultTolerance);
        uint256 count = config.operatorCount;
        _checkOperatorCount(indexId, count, faultTolerance);
        config.faultTolerance = faultTolerance;
        emit FaultToleranceUpdated(indexId, msg.sender, old, faultTolerance, _quorumOf(count, faultTolerance));
    }

    /// @inheritdoc IIndexOracle
    function setSpreadTolerance(bytes32 indexId, uint16 maxSpreadBps) external onlyOwner {
        IndexConfig storage config = _existingConfig(indexId);
        _checkSpread(maxSpreadBps);
        _checkBreakerAboveSpread(indexId, config.breakerBps, maxSpreadBps);
        uint16 old = config.maxSpreadBps;
        if (old == maxSpreadBps) revert SpreadToleranceUnchanged(indexId, maxSpreadBps);
        config.maxSpreadBps = maxSpreadBps;
        emit SpreadToleranceUpdated(indexId, msg.sender, old, maxSpreadBps);
    }

    /// @inheritdoc IIndexOracle
    function setBreaker(bytes32 indexId, uint16 breakerBps, uint32 breakerDelay) external onlyOwner {
        IndexConfig storage config = _existingConfig(indexId);
        _checkBreaker(breakerBps, breakerDelay);
        _checkBreakerAboveSpread(indexId, breakerBps, config.maxSpreadBps);
        Breaker storage breaker = _breakers[indexId];
        (uint16 oldBps, uint32 oldDelay) = (config.breakerBps, breaker.delay);
        if (oldBps == breakerBps && oldDelay == breakerDelay) revert BreakerUnchanged(indexId, breakerBps, breakerDelay);
        config.breakerBps = breakerBps;
        breaker.delay = breakerDelay;
        emit BreakerUpdated(indexId, msg.sender, oldBps, oldDelay, breakerBps, breakerDelay);
    }

    /// @inheritdoc IIndexOracle
    function addOperator(bytes32 indexId, address operator) external onlyOwner {
        _existingConfig(indexId);
        _addOperator(indexId, operator);
        _operatorsHashes[indexId] = _hashList(indexId);
    }

    /// @inheritdoc IIndexOracle
    function removeOperator(bytes32 indexId, address operator) external onlyOwner {
        IndexConfig storage config = _existingConfig(indexId);
        uint256 slot = _operatorSlots[indexId][operator];
        if (slot == 0) revert NotAnOperator(indexId, operator);
        uint256 count = config.operatorCount;
        uint8 faultTolerance = config.faultTolerance;
        _checkOperatorCount(indexId, count - 1, faultTolerance);

        address[] storage list = _operatorLists[indexId];
        address moved = list[count - 1];
        list[slot - 1] = moved;
        _operatorSlots[indexId][moved] = slot;
        list.pop();
        delete _operatorSlots[indexId][operator];
        // Safe cast: count <= MAX_OPERATORS.
        config.operatorCount = uint8(count - 1);
        _operatorsHashes[indexId] = _hashList(indexId);
        emit OperatorRemoved(indexId, operator, msg.sender, count - 1, _quorumOf(count - 1, faultTolerance));
    }

    /* POSTING */

    /// @inheritdoc IIndexOracle
    function postFixing(
        bytes32 indexId,
        uint64 timestamp,
        uint32 methodologyVersion,
        address[] calldata operatorList,
        Observation[] calldata observations
    ) external returns (uint256 value) {
        IndexConfig memory config = _checkRound(indexId, timestamp, operatorList, observations.length);
        Fixing storage fixing = _fixings[indexId];
        uint256 word;
        assembly ("memory-safe") {
            word := sload(fixing.slot)
        }
        uint64 lastTimestamp = uint64(word >> 128);
        if (timestamp <= lastTimestamp) revert TimestampNotNewer(indexId, timestamp, lastTimestamp);
        // During a hold every post must be newer than the held round: an older round the poster kept back must not
        // drop the hold (and restart the confirmation clock of a genuine move). The held round itself may be posted
        // again signed by every operator: a poster who front-ran an all-signed post with a bare quorum of its
        // signatures (held) does not delay the move by a breaker delay (review 11).
        if (word & HELD_FLAG != 0) {
            uint64 heldTimestamp = _breakers[indexId].heldTimestamp;
            if (
                timestamp < heldTimestamp
                    || (timestamp == heldTimestamp && !_allSigned(config, operatorList.length, observations.length))
            ) revert TimestampNotNewer(indexId, timestamp, heldTimestamp);
        }

        value = _verifiedMedian(indexId, config, timestamp, methodologyVersion, operatorList, observations);

        uint256 previous = uint128(word);
        // The breaker: the first fixing has none; every operator signing (when that is more than the quorum) passes.
        if (
            previous != 0 && _movesBeyond(value, previous, config.breakerBps)
                && !_allSigned(config, operatorList.length, observations.length)
                && _hold(indexId, fixing, word, value, previous, timestamp, config.breakerBps)
        ) return value;

        _storeFixing(fixing, value, timestamp, methodologyVersion);
        emit FixingPosted(
            indexId,
            timestamp,
            value,
            methodologyVersion,
            observations[(observations.length - 1) / 2].inputsHash,
            observations.length,
            msg.sender
        );
    }

    /* VIEWS */

    /// @inheritdoc IIndexOracle
    function verifyFixing(
        bytes32 indexId,
        uint64 timestamp,
        uint32 methodologyVersion,
        address[] calldata operatorList,
        Observation[] calldata observations
    ) external view returns (uint256 value) {
        IndexConfig memory config = _checkRound(indexId, timestamp, operatorList, observations.length);
        value = _verifiedMedian(indexId, config, timestamp, methodologyVersion, operatorList, observations);
    }

    /// @inheritdoc IIndexOracle
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @inheritdoc IIndexOracle
    function observationDigest(
        bytes32 indexId,
        uint64 timestamp,
        uint32 methodologyVersion,
        uint256 value,
        bytes32 inputsHash
    ) external view returns (bytes32) {
        return _digest(_domainSeparatorV4(), indexId, timestamp, methodologyVersion, value, inputsHash);
    }

    /// @inheritdoc IIndexOracle
    function latest(bytes32 indexId) public view returns (uint256 value, uint64 timestamp) {
        Fixing storage fixing = _fixings[indexId];
        (value, timestamp) = (fixing.value, fixing.timestamp); // one slot, read once
        if (timestamp == 0) revert NoFixing(indexId);
    }

    /// @inheritdoc IIndexOracle
    function latestFresh(bytes32 indexId, uint256 maxAge) external view returns (uint256 value, uint64 timestamp) {
        (value, timestamp) = latest(indexId);
        uint256 age = block.timestamp > timestamp ? block.timestamp - timestamp : 0;
        if (age > maxAge) revert StaleFixing(indexId, age, maxAge);
    }

    /// @inheritdoc IIndexOracle
    function latestFixing(bytes32 indexId) external view returns (Fixing memory) {
        return _fixings[indexId];
    }

    /// @inheritdoc IIndexOracle
    function heldFixing(bytes32 indexId)
        external
        view
        returns (uint256 value, uint64 timestamp, uint64 confirmableFrom)
    {
        Fixing storage fixing = _fixings[indexId];
        uint256 word;
        assembly ("memory-safe") {
            word := sload(fixing.slot)
        }
        if (word & HELD_FLAG == 0) return (0, 0, 0);
        Breaker memory breaker = _breakers[indexId];
        return (breaker.heldValue, breaker.heldTimestamp, breaker.heldSince + breaker.delay);
    }

    /// @inheritdoc IIndexOracle
    function operators(bytes32 indexId) external view returns (address[] memory) {
        return _operatorLists[indexId];
    }

    /// @inheritdoc IIndexOracle
    function isOperator(bytes32 indexId, address account) external view returns (bool) {
        return _operatorSlots[indexId][account] != 0;
    }

    /// @inheritdoc IIndexOracle
    function quorum(bytes32 indexId) external view returns (uint256) {
        IndexConfig storage config = _existingConfig(indexId);
        return _quorumOf(config.operatorCount, config.faultTolerance);
    }

    /// @inheritdoc IIndexOracle
    function indexConfig(bytes32 indexId)
        external
        view
        returns (uint96 minValue, uint96 maxValue, uint32 maxFutureSkew, uint16 operatorCount, bytes32 operatorsHash)
    {
        IndexConfig memory config = _existingConfig(indexId);
        return (config.minValue, config.maxValue, config.maxFutureSkew, config.operatorCount, _operatorsHashes[indexId]);
    }

    /// @inheritdoc IIndexOracle
    function tolerances(bytes32 indexId)
        external
        view
        returns (uint8 faultTolerance, uint16 maxSpreadBps, uint16 breakerBps, uint32 breakerDelay)
    {
        IndexConfig memory config = _existingConfig(indexId);
        return (config.faultTolerance, config.maxSpreadBps, config.breakerBps, _breakers[indexId].delay);
    }

    /* INTERNAL */

    /// @dev Checks the index, the operator list, the signature count and the future skew; returns the index config.
    function _checkRound(bytes32 indexId, uint64 timestamp, address[] calldata operatorList, uint256 count)
        private
        view
        returns (IndexConfig memory config)
    {
        config = _configs[indexId];
        if (config.operatorCount == 0) revert UnknownIndex(indexId);
        bytes32 expectedHash = _operatorsHashes[indexId];
        bytes32 givenHash = _hashCalldataList(operatorList);
        if (givenHash != expectedHash) revert OperatorSetMismatch(indexId, expectedHash, givenHash);

        uint256 needed = _quorumOf(operatorList.length, config.faultTolerance);
        if (count < needed) revert TooFewSignatures(indexId, count, needed);

        if (timestamp > block.timestamp + config.maxFutureSkew) {
            revert TimestampInFuture(indexId, timestamp, block.timestamp, config.maxFutureSkew);
        }
    }

    /// @dev Verifies the observations (order, signatures, distinct registered signers), then the lowest and the
    /// highest value against the bounds and the spread tolerance; returns the median.
    function _verifiedMedian(
        bytes32 indexId,
        IndexConfig memory config,
        uint64 timestamp,
        uint32 methodologyVersion,
        address[] calldata operatorList,
        Observation[] calldata observations
    ) private view returns (uint256 value) {
        _verifyObservations(indexId, _roundBuffer(indexId, timestamp, methodologyVersion), operatorList, observations);
        // Ascending (checked above), so the first is the lowest and the last the highest.
        uint256 lowest = observations[0].value;
        uint256 highest = observations[observations.length - 1].value;
        if (lowest < config.minValue) revert ValueOutOfBounds(indexId, lowest, config.minValue, config.maxValue);
        if (highest > config.maxValue) revert ValueOutOfBounds(indexId, highest, config.minValue, config.maxValue);
        // Exact (no rounding): a spread of exactly maxSpreadBps passes. Unchecked: lowest <= highest < 2**96 and
        // bps < 2**16, so no product reaches 2**128.
        bool disagree;
        unchecked {
            disagree = (highest - lowest) * MAX_BPS > lowest * config.maxSpreadBps;
        }
        if (disagree) revert ObservationsDisagree(indexId, lowest, highest, config.maxSpreadBps);
        value = _median(observations);
    }

    /// @dev Whether `value` lies more than `bps` of `base` away from `base` (exact). Unchecked: value and base are
    /// below 2**96 (within the bounds) and bps below 2**16, so no product reaches 2**128.
    /// @dev Whether a batch of `signed` observations holds every one of `operatorCount` operators, more than the quorum.
    function _allSigned(IndexConfig memory config, uint256 operatorCount, uint256 signed) private pure returns (bool) {
        return signed == operatorCount && operatorCount > _quorumOf(operatorCount, config.faultTolerance);
    }

    function _movesBeyond(uint256 value, uint256 base, uint256 bps) private pure returns (bool) {
        unchecked {
            uint256 distance = value > base ? value - base : base - value;
            return distance * MAX_BPS > base * bps;
        }
    }

    /// @dev A round beyond the breaker from the stored value: returns false if it confirms the held level (the
    /// caller stores it), else holds it (a new hold, or the same hold with the newer value) and returns true.
    function _hold(
        bytes32 indexId,
        Fixing storage fixing,
        uint256 word,
        uint256 value,
        uint256 previous,
        uint64 timestamp,
        uint256 breakerBps
    ) private returns (bool) {
        Breaker memory current = _breakers[indexId];
        uint64 since = timestamp;
        if (word & HELD_FLAG != 0) {
            // Newer than the held round: checked by the caller.
            if (!_movesBeyond(value, current.heldValue, breakerBps)) {
                // The delay runs in fixing time and in block time: a round stamped ahead (within the future skew)
                // cannot confirm before the delay has really passed.
                uint256 confirmableFrom = uint256(current.heldSince) + current.delay;
                if (timestamp >= confirmableFrom && block.timestamp >= confirmableFrom) return false;
                since = current.heldSince;
            }
        } else {
            assembly ("memory-safe") {
                sstore(fixing.slot, or(word, HELD_FLAG))
            }
        }
        // Safe cast: value <= maxValue < 2**96.
        _breakers[indexId] = Breaker(uint96(value), timestamp, since, current.delay);
        emit FixingHeld(indexId, timestamp, value, previous, since + current.delay, msg.sender);
        return true;
    }

    /// @dev Writes the fixing slot in one SSTORE (the compiler writes a struct member by member). Equivalent to
    /// `fixing = Fixing(uint128(value), fixingTime, methodologyVersion)`: members are packed from the low-order bits.
    function _storeFixing(Fixing storage fixing, uint256 value, uint64 fixingTime, uint32 methodologyVersion) private {
        // `value` <= maxValue < 2**96, so it fits its 128 bits.
        assembly ("memory-safe") {
            sstore(fixing.slot, or(value, or(shl(128, fixingTime), shl(192, methodologyVersion))))
        }
    }

    /// @dev Median of ascending values: the middle one, or the mean of the two middle ones rounded down.
    function _median(Observation[] calldata observations) private pure returns (uint256 value) {
        uint256 count = observations.length;
        uint256 mid = count / 2;
        value = observations[mid].value;
        if (count % 2 == 0) {
            uint256 lower = observations[mid - 1].value;
            // `value >= lower` (checked ascending), so no overflow.
            value = lower + (value - lower) / 2;
        }
    }

    /// @dev Checks order, signature, membership and distinctness of every observation (at least one, as the
    /// quorum is). `buffer` comes from `_roundBuffer`.
    function _verifyObservations(
        bytes32 indexId,
        uint256 buffer,
        address[] calldata operatorList,
        Observation[] calldata observations
    ) private view {
        uint256 previous = observations[0].value;
        uint256 seen;
        for (uint256 i; i < observations.length; ++i) {
            Observation calldata observation = observations[i];
            uint256 value = observation.value;
            if (value < previous) revert ObservationsNotSorted(i, previous, value);
            previous = value;

            address signer = _signerOf(buffer, observation);
            if (signer == address(0)) revert InvalidSignature(i);
            uint256 bit = 1 << _positionOf(indexId, operatorList, signer);
            if (seen & bit != 0) revert DuplicateSigner(indexId, signer);
            seen |= bit;
        }
    }

    /// @dev Allocates the working memory of a post (13 words) and fills what is the same for every observation:
    /// [0x000, 0x0c0) the struct encoding abi.encode(OBSERVATION_TYPEHASH, indexId, timestamp, version, -, -);
    /// [0x0c0, 0x120) the digest preimage word "\x19\x01" (right-aligned), the domain separator, -;
    /// [0x120, 0x1a0) the ecrecover input (digest, v, r, s).
    function _roundBuffer(bytes32 indexId, uint64 fixingTime, uint32 methodologyVersion)
        private
        view
        returns (uint256 buffer)
    {
        bytes32 typehash = OBSERVATION_TYPEHASH;
        bytes32 domainSeparator = _domainSeparatorV4();
        assembly ("memory-safe") {
            buffer := mload(0x40)
            mstore(0x40, add(buffer, 0x1a0))
            mstore(buffer, typehash)
            mstore(add(buffer, 0x20), indexId)
            mstore(add(buffer, 0x40), fixingTime)
            mstore(add(buffer, 0x60), methodologyVersion)
            mstore(add(buffer, 0xc0), 0x1901)
            mstore(add(buffer, 0xe0), domainSeparator)
        }
    }

    /// @dev The signer of one observation, or address(0) if its signature is high-s or recovers no address.
    /// Same checks as OpenZeppelin's `ECDSA.tryRecover(hash, r, vs)`, inlined to keep the post cheap.
    function _signerOf(uint256 buffer, Observation calldata observation) private view returns (address signer) {
        assembly ("memory-safe") {
            // structHash = keccak256(abi.encode(OBSERVATION_TYPEHASH, indexId, timestamp, version, value, inputsHash))
            calldatacopy(add(buffer, 0x80), observation, 0x40)
            mstore(add(buffer, 0x100), keccak256(buffer, 0xc0))
            // digest = keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash))
            let digest := keccak256(add(buffer, 0xde), 0x42)
            // ecrecover(digest, v, r, s) with s = vs without its top bit and v = 27 + top bit (EIP-2098).
            let vs := calldataload(add(observation, 0x60))
            let sigS := and(vs, 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff)
            // Low-s only (s <= n/2), as EIP-2 and OpenZeppelin's ECDSA require.
            if iszero(gt(sigS, 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0)) {
                let p := add(buffer, 0x120)
                mstore(p, digest)
                mstore(add(p, 0x20), add(shr(255, vs), 27))
                mstore(add(p, 0x40), calldataload(add(observation, 0x40)))
                mstore(add(p, 0x60), sigS)
                // The precompile returns no data for an invalid signature: then `signer` stays 0.
                mstore(0x00, 0)
                if staticcall(gas(), 0x01, p, 0x80, 0x00, 0x20) { signer := mload(0x00) }
            }
        }
    }

    /// @dev Position of `signer` in the (hash-checked) operator list; reverts `UnknownSigner` if absent.
    function _positionOf(bytes32 indexId, address[] calldata operatorList, address signer)
        private
        pure
        returns (uint256 position)
    {
        bool found;
        assembly ("memory-safe") {
            // Each element is one 32-byte word; the list matched the stored hash of clean addresses.
            for { let end := shl(5, operatorList.length) } lt(position, end) { position := add(position, 0x20) } {
                if eq(calldataload(add(operatorList.offset, position)), signer) {
                    found := 1
                    break
                }
            }
            position := shr(5, position)
        }
        if (!found) revert UnknownSigner(indexId, signer);
    }

    function _digest(
        bytes32 domainSeparator,
        bytes32 indexId,
        uint64 timestamp,
        uint32 methodologyVersion,
        uint256 value,
        bytes32 inputsHash
    ) private pure returns (bytes32) {
        bytes32 structHash =
            keccak256(abi.encode(OBSERVATION_TYPEHASH, indexId, timestamp, methodologyVersion, value, inputsHash));
        return MessageHashUtils.toTypedDataHash(domainSeparator, structHash);
    }

    /// @dev Appends an operator; the caller then updates the list hash.
    function _addOperator(bytes32 indexId, address operator) private {
        if (operator == address(0)) revert ZeroAddress();
        if (_operatorSlots[indexId][operator] != 0) revert OperatorAlreadyRegistered(indexId, operator);
        IndexConfig storage config = _configs[indexId];
        uint256 count = uint256(config.operatorCount) + 1;
        if (count > MAX_OPERATORS) revert TooManyOperators(indexId, count, MAX_OPERATORS);

        address[] storage list = _operatorLists[indexId];
        list.push(operator);
        _operatorSlots[indexId][operator] = count;
        // Safe cast: count <= MAX_OPERATORS.
        config.operatorCount = uint8(count);
        emit OperatorAdded(indexId, operator, msg.sender, count, _quorumOf(count, config.faultTolerance));
    }

    function _existingConfig(bytes32 indexId) private view returns (IndexConfig storage config) {
        config = _configs[indexId];
        if (config.operatorCount == 0) revert UnknownIndex(indexId);
    }

    function _checkBounds(uint96 minValue, uint96 maxValue) private pure {
        if (minValue == 0 || minValue > maxValue) revert InvalidBounds(minValue, maxValue);
    }

    function _checkSpread(uint16 maxSpreadBps) private pure {
        if (maxSpreadBps > MAX_BPS) revert SpreadTooLarge(maxSpreadBps, MAX_BPS);
    }

    function _checkBreaker(uint16 breakerBps, uint32 breakerDelay) private pure {
        if (breakerBps == 0 || breakerBps > MAX_BPS || breakerDelay > MAX_BREAKER_DELAY) {
            revert InvalidBreaker(breakerBps, breakerDelay);
        }
    }

    /// @dev breakerBps >= maxSpreadBps: two batches of one honest level (values within the spread of each other)
    /// then never lie beyond the breaker of each other, so the poster's choice of subset cannot restart a hold.
    function _checkBreakerAboveSpread(bytes32 indexId, uint16 breakerBps, uint16 maxSpreadBps) private pure {
        if (breakerBps < maxSpreadBps) revert BreakerBelowSpread(indexId, breakerBps, maxSpreadBps);
    }

    /// @dev n >= 2f + 1, i.e. n >= quorum (postable); f < 2f + 1 <= quorum holds for every f.
    function _checkOperatorCount(bytes32 indexId, uint256 operatorCount, uint256 faultTolerance) private pure {
        if (operatorCount < 2 * faultTolerance + 1) revert NotEnoughOperators(indexId, operatorCount, faultTolerance);
    }

    /// @dev max(2f + 1, n / 2 + 1): at most f of any quorum are faulty (fewer than half), and a majority of all.
    function _quorumOf(uint256 operatorCount, uint256 faultTolerance) private pure returns (uint256) {
        uint256 byFaults = 2 * faultTolerance + 1;
        uint256 majority = operatorCount / 2 + 1;
        return byFaults > majority ? byFaults : majority;
    }

    /// @dev keccak256(abi.encodePacked(list)): each address padded to 32 bytes, as in calldata.
    function _hashList(bytes32 indexId) private view returns (bytes32) {
        return keccak256(abi.encodePacked(_operatorLists[indexId]));
    }

    /// @dev Same hash as `_hashList`, straight from calldata (each element already one 32-byte word).
    function _hashCalldataList(address[] calldata list) private pure returns (bytes32 hash) {
        assembly ("memory-safe") {
            let size := shl(5, list.length)
            let ptr := mload(0x40)
            calldatacopy(ptr, list.offset, size)
            hash := keccak256(ptr, size)
        }
    }
}
