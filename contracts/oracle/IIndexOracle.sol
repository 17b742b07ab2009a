// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

/// @title IIndexOracle
/// @notice Stores, per index, the latest fixing that a quorum of the index's registered operators signed.
/// @dev A fixing is posted as a batch of observations of one (indexId, timestamp, methodologyVersion): each
/// operator signs its own value and inputs hash (EIP-712 `Observation`, domain name "tokenfutures-oracle",
/// version "1", bound to chain id and this contract). The batch is accepted only with signatures of a
/// majority of ALL operators registered for the index (`quorum = count / 2 + 1`), from distinct operators,
/// with values in ascending order; the stored value is the median (the mean of the two middle values,
/// rounded down, for an even count).
///
/// To keep a post cheap the operator set is not read signer by signer from storage: the caller passes the
/// index's current operator list (`operators(indexId)`, in that order) and the contract checks it against
/// a stored hash of the list (`keccak256(abi.encodePacked(operators))`). Any change of the set changes the
/// hash, so a post built on an outdated list reverts with `OperatorSetMismatch`.
///
/// Dependency assumptions for consumers:
/// - Values are unsigned integers with 18 decimals (for ATPI: USD per 1,000,000 tokens).
/// - A consumer MUST enforce its own maximum age, with `latestFresh` or by checking the timestamp.
/// - Timestamps are the data time of the fixing (unix seconds), strictly increasing per index, and at most
///   `maxFutureSkew` seconds ahead of the block that stored them.
/// - The stored value lies within the index's bounds; a minority of observations (fewer than half of those
///   submitted) may lie anywhere above zero without moving the median outside the honest values' range.
///
/// Admin powers (owner, `Ownable2Step`; if the owner is a `TimelockController`, every admin call is delayed by
/// its minimum delay): create an index, change an index's bounds, add or remove operators. The owner cannot
/// post, edit or delete a fixing, and cannot leave an index with no operator. Renouncing ownership freezes the
/// operator sets and bounds forever.
interface IIndexOracle {
    /// @notice One operator's signed observation inside a batch.
    /// @param value The operator's index value, 18 decimals, > 0.
    /// @param inputsHash keccak256 of the canonical encoding of the quotes the operator used.
    /// @param r The signature's r.
    /// @param vs The signature's s with v folded into the top bit (EIP-2098 compact form).
    struct Observation {
        uint256 value;
        bytes32 inputsHash;
        bytes32 r;
        bytes32 vs;
    }

    /// @notice The latest accepted fixing of an index, one storage slot.
    struct Fixing {
        uint128 value;
        uint64 timestamp;
        uint32 methodologyVersion;
    }

    /* EVENTS */

    /// @notice An index was created.
    event IndexCreated(bytes32 indexed indexId, uint96 minValue, uint96 maxValue, uint32 maxFutureSkew);
    /// @notice The accepted value range of an index changed.
    event BoundsUpdated(bytes32 indexed indexId, uint96 minValue, uint96 maxValue);
    /// @notice An operator was registered for an index.
    event OperatorAdded(bytes32 indexed indexId, address indexed operator, uint256 operatorCount, uint256 quorum);
    /// @notice An operator was removed from an index.
    event OperatorRemoved(bytes32 indexed indexId, address indexed operator, uint256 operatorCount, uint256 quorum);
    /// @notice A fixing was accepted.
    /// @param inputsHash The inputs hash of the median observation (the lower middle one for an even count).
    /// @param signers The number of observations in the batch.
    event FixingPosted(
        bytes32 indexed indexId,
        uint64 indexed timestamp,
        uint256 value,
        uint32 methodologyVersion,
        bytes32 inputsHash,
        uint256 signers,
        address poster
    );

    /* ERRORS */

    error IndexAlreadyExists(bytes32 indexId);
    error UnknownIndex(bytes32 indexId);
    error InvalidBounds(uint256 minValue, uint256 maxValue);
    /// @notice `setBounds` was called with the bounds already in force.
    error BoundsUnchanged(bytes32 indexId, uint256 minValue, uint256 maxValue);
    /// @notice The allowed future skew exceeds `MAX_FUTURE_SKEW`.
    error SkewTooLarge(uint256 maxFutureSkew, uint256 max);
    /// @notice An index must be created with at least one operator.
    error NoOperators(bytes32 indexId);
    error ZeroAddress();
    error OperatorAlreadyRegistered(bytes32 indexId, address operator);
    error NotAnOperator(bytes32 indexId, address operator);
    /// @notice Removing the operator would leave the index with no operator (no possible quorum).
    error LastOperator(bytes32 indexId, address operator);
    error TooManyOperators(bytes32 indexId, uint256 count, uint256 max);
    error OperatorSetMismatch(bytes32 indexId, bytes32 expectedHash, bytes32 givenHash);
    error TooFewSignatures(bytes32 indexId, uint256 given, uint256 quorum);
    error UnknownSigner(bytes32 indexId, address signer);
    error DuplicateSigner(bytes32 indexId, address signer);
    error ObservationsNotSorted(uint256 position, uint256 previous, uint256 value);
    error ZeroValue(uint256 position);
    error ValueOutOfBounds(bytes32 indexId, uint256 value, uint256 minValue, uint256 maxValue);
    error TimestampNotNewer(bytes32 indexId, uint64 timestamp, uint64 lastTimestamp);
    error TimestampInFuture(bytes32 indexId, uint64 timestamp, uint256 blockTimestamp, uint32 maxFutureSkew);
    error NoFixing(bytes32 indexId);
    error StaleFixing(bytes32 indexId, uint256 age, uint256 maxAge);
    /// @notice The observation at `position` has a high-s or otherwise unrecoverable signature.
    error InvalidSignature(uint256 position);

    /* ADMIN (owner only) */

    /// @notice Creates an index with its value bounds, allowed future skew and first operators.
    /// @dev Reverts with `IndexAlreadyExists`, `InvalidBounds` (min = 0 or min > max), `SkewTooLarge`, `NoOperators`,
    /// `ZeroAddress`, `OperatorAlreadyRegistered` or `TooManyOperators`. Emits `IndexCreated`, then one
    /// `OperatorAdded` per operator. `maxFutureSkew` is fixed for the life of the index.
    function createIndex(
        bytes32 indexId,
        uint96 minValue,
        uint96 maxValue,
        uint32 maxFutureSkew,
        address[] calldata operators
    ) external;

    /// @notice Changes the accepted value range of an index (both bounds inclusive, min > 0).
    function setBounds(bytes32 indexId, uint96 minValue, uint96 maxValue) external;

    /// @notice Registers an operator for an index (at most `MAX_OPERATORS`); appended at the end of the list.
    function addOperator(bytes32 indexId, address operator) external;

    /// @notice Removes an operator; reverts with `LastOperator` if it is the index's only operator.
    /// @dev The last operator of the list takes the removed one's place, so the list order changes.
    function removeOperator(bytes32 indexId, address operator) external;

    /* POSTING (anyone) */

    /// @notice Posts a fixing signed by a quorum of the index's operators.
    /// @param indexId The index.
    /// @param timestamp The fixing's data time; newer than the last, at most `maxFutureSkew` ahead of the block.
    /// @param methodologyVersion The methodology version every observation was computed with.
    /// @param operators The index's current operator list, exactly as `operators(indexId)` returns it.
    /// @param observations At least `quorum(indexId)` observations by distinct operators, values ascending.
    /// @return value The stored value (the median of the observations).
    /// @dev Checks, in order: the index exists (`UnknownIndex`), `operators` matches the stored list
    /// (`OperatorSetMismatch`), enough observations (`TooFewSignatures`), timestamp newer than the last
    /// (`TimestampNotNewer`) and not too far ahead (`TimestampInFuture`), the first value is non-zero (`ZeroValue`),
    /// then per observation: ascending (`ObservationsNotSorted`), canonical signature (`InvalidSignature`),
    /// registered signer (`UnknownSigner`), not seen before (`DuplicateSigner`); finally the median is within the
    /// bounds (`ValueOutOfBounds`). Runtime is O(observations x operators), both at most `MAX_OPERATORS`.
    function postFixing(
        bytes32 indexId,
        uint64 timestamp,
        uint32 methodologyVersion,
        address[] calldata operators,
        Observation[] calldata observations
    ) external returns (uint256 value);

    /* VIEWS */

    /// @notice The maximum number of operators of one index (a bitmap of list positions tracks distinct signers).
    function MAX_OPERATORS() external view returns (uint256);

    /// @notice The largest `maxFutureSkew` an index may be created with, in seconds.
    function MAX_FUTURE_SKEW() external view returns (uint256);

    /// @notice keccak256("Observation(bytes32 indexId,uint64 timestamp,uint32 methodologyVersion,uint256 value,bytes32 inputsHash)").
    function OBSERVATION_TYPEHASH() external view returns (bytes32);

    /// @notice The EIP-712 domain separator for the current chain id (rebuilt if the chain id changes).
    function DOMAIN_SEPARATOR() external view returns (bytes32);

    /// @notice The EIP-712 digest an operator signs for an observation.
    function observationDigest(
        bytes32 indexId,
        uint64 timestamp,
        uint32 methodologyVersion,
        uint256 value,
        bytes32 inputsHash
    ) external view returns (bytes32);

    /// @notice The latest fixing's value and timestamp; reverts with `NoFixing` before the first one. O(1).
    function latest(bytes32 indexId) external view returns (uint256 value, uint64 timestamp);

    /// @notice Like `latest`, but reverts with `StaleFixing` if the fixing is older than `maxAge` seconds.
    /// @dev Age = block.timestamp - timestamp (0 for a fixing stamped within the future skew); `age == maxAge` passes.
    function latestFresh(bytes32 indexId, uint256 maxAge) external view returns (uint256 value, uint64 timestamp);

    /// @notice The latest fixing with its methodology version (zero values before the first fixing).
    function latestFixing(bytes32 indexId) external view returns (Fixing memory);

    /// @notice The registered operators of an index, in the order `postFixing` expects.
    function operators(bytes32 indexId) external view returns (address[] memory);

    /// @notice Whether `account` is a registered operator of the index.
    function isOperator(bytes32 indexId, address account) external view returns (bool);

    /// @notice The number of distinct operator signatures a fixing needs: a majority of all registered.
    function quorum(bytes32 indexId) external view returns (uint256);

    /// @notice The index's configuration: value bounds, allowed future skew, operator count, operator-list hash.
    function indexConfig(bytes32 indexId)
        external
        view
        returns (uint96 minValue, uint96 maxValue, uint32 maxFutureSkew, uint16 operatorCount, bytes32 operatorsHash);
}
