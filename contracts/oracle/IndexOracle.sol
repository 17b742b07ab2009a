// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IIndexOracle} from "./IIndexOracle.sol";

/// @title IndexOracle
/// @notice Quorum-signed index fixings, one storage slot per index for the latest one.
/// @dev Deploy with a `TimelockController` as owner to delay every admin call by the timelock's minimum delay.
contract IndexOracle is IIndexOracle, Ownable2Step, EIP712 {
    /// @inheritdoc IIndexOracle
    uint256 public constant MAX_OPERATORS = 32;
    /// @inheritdoc IIndexOracle
    uint256 public constant MAX_FUTURE_SKEW = 1 hours;
    /// @inheritdoc IIndexOracle
    bytes32 public constant OBSERVATION_TYPEHASH = keccak256(
        "Observation(bytes32 indexId,uint64 timestamp,uint32 methodologyVersion,uint256 value,bytes32 inputsHash)"
    );

    /// @dev One slot: bounds, skew and operator count of an index (operatorCount == 0 means no such index).
    struct IndexConfig {
        uint96 minValue;
        uint96 maxValue;
        uint32 maxFutureSkew;
        uint16 operatorCount;
    }

    mapping(bytes32 indexId => IndexConfig) private _configs;
    mapping(bytes32 indexId => bytes32) private _operatorsHashes;
    mapping(bytes32 indexId => Fixing) private _fixings;
    mapping(bytes32 indexId => address[]) private _operatorLists;
    /// @dev Position in the operator list plus one; 0 = not an operator.
    mapping(bytes32 indexId => mapping(address account => uint256)) private _operatorSlots;

    constructor(address initialOwner) Ownable(initialOwner) EIP712("tokenfutures-oracle", "1") {}

    /* ADMIN */

    /// @inheritdoc IIndexOracle
    function createIndex(
        bytes32 indexId,
        uint96 minValue,
        uint96 maxValue,
        uint32 maxFutureSkew,
        address[] calldata operatorList
    ) external onlyOwner {
        if (_configs[indexId].operatorCount != 0) revert IndexAlreadyExists(indexId);
        _checkBounds(minValue, maxValue);
        if (maxFutureSkew > MAX_FUTURE_SKEW) revert SkewTooLarge(maxFutureSkew, MAX_FUTURE_SKEW);
        if (operatorList.length == 0) revert NoOperators(indexId);

        _configs[indexId] = IndexConfig(minValue, maxValue, maxFutureSkew, 0);
        emit IndexCreated(indexId, minValue, maxValue, maxFutureSkew);
        for (uint256 i; i < operatorList.length; ++i) {
            _addOperator(indexId, operatorList[i]);
        }
        _operatorsHashes[indexId] = _hashList(indexId);
    }

    /// @inheritdoc IIndexOracle
    function setBounds(bytes32 indexId, uint96 minValue, uint96 maxValue) external onlyOwner {
        IndexConfig storage config = _existingConfig(indexId);
        _checkBounds(minValue, maxValue);
        if (config.minValue == minValue && config.maxValue == maxValue) {
            revert BoundsUnchanged(indexId, minValue, maxValue);
        }
        (config.minValue, config.maxValue) = (minValue, maxValue);
        emit BoundsUpdated(indexId, minValue, maxValue);
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
        if (count == 1) revert LastOperator(indexId, operator);

        address[] storage list = _operatorLists[indexId];
        address moved = list[count - 1];
        list[slot - 1] = moved;
        _operatorSlots[indexId][moved] = slot;
        list.pop();
        delete _operatorSlots[indexId][operator];
        // Safe cast: count <= MAX_OPERATORS.
        config.operatorCount = uint16(count - 1);
        _operatorsHashes[indexId] = _hashList(indexId);
        emit OperatorRemoved(indexId, operator, count - 1, _quorumOf(count - 1));
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
        _verifyObservations(
            indexId, _roundBuffer(indexId, timestamp, methodologyVersion), operatorList, observations
        );

        value = _median(observations);
        if (value < config.minValue || value > config.maxValue) {
            revert ValueOutOfBounds(indexId, value, config.minValue, config.maxValue);
        }

        _storeFixing(_fixings[indexId], value, timestamp, methodologyVersion);
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
    function operators(bytes32 indexId) external view returns (address[] memory) {
        return _operatorLists[indexId];
    }

    /// @inheritdoc IIndexOracle
    function isOperator(bytes32 indexId, address account) external view returns (bool) {
        return _operatorSlots[indexId][account] != 0;
    }

    /// @inheritdoc IIndexOracle
    function quorum(bytes32 indexId) external view returns (uint256) {
        uint256 count = _configs[indexId].operatorCount;
        if (count == 0) revert UnknownIndex(indexId);
        return _quorumOf(count);
    }

    /// @inheritdoc IIndexOracle
    function indexConfig(bytes32 indexId)
        external
        view
        returns (uint96 minValue, uint96 maxValue, uint32 maxFutureSkew, uint16 operatorCount, bytes32 operatorsHash)
    {
        IndexConfig memory config = _configs[indexId];
        if (config.operatorCount == 0) revert UnknownIndex(indexId);
        return (config.minValue, config.maxValue, config.maxFutureSkew, config.operatorCount, _operatorsHashes[indexId]);
    }

    /* INTERNAL */

    /// @dev Checks the index, the operator list, the signature count and the timestamp; returns the index config.
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

        uint256 needed = _quorumOf(operatorList.length);
        if (count < needed) revert TooFewSignatures(indexId, count, needed);

        uint64 lastTimestamp = _fixings[indexId].timestamp;
        if (timestamp <= lastTimestamp) revert TimestampNotNewer(indexId, timestamp, lastTimestamp);
        if (timestamp > block.timestamp + config.maxFutureSkew) {
            revert TimestampInFuture(indexId, timestamp, block.timestamp, config.maxFutureSkew);
        }
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

    /// @dev Checks order, signature, membership and distinctness of every observation; the first value must be
    /// non-zero, so (ascending) all are. `buffer` comes from `_roundBuffer`.
    function _verifyObservations(
        bytes32 indexId,
        uint256 buffer,
        address[] calldata operatorList,
        Observation[] calldata observations
    ) private view {
        uint256 previous = observations[0].value;
        if (previous == 0) revert ZeroValue(0);
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
        config.operatorCount = uint16(count);
        emit OperatorAdded(indexId, operator, count, _quorumOf(count));
    }

    function _existingConfig(bytes32 indexId) private view returns (IndexConfig storage config) {
        config = _configs[indexId];
        if (config.operatorCount == 0) revert UnknownIndex(indexId);
    }

    function _checkBounds(uint96 minValue, uint96 maxValue) private pure {
        if (minValue == 0 || minValue > maxValue) revert InvalidBounds(minValue, maxValue);
    }

    function _quorumOf(uint256 operatorCount) private pure returns (uint256) {
        return operatorCount / 2 + 1;
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
