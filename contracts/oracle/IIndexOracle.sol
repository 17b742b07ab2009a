// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

/// @title IIndexOracle
/// @notice Stores, per index, the latest fixing that enough of the index's registered operators signed that no
/// f of them, and no choice of the poster, can move it outside the honest values of the round.
/// @dev A fixing is posted as a batch of observations of one (indexId, timestamp, methodologyVersion): each
/// operator signs its own value and inputs hash (EIP-712 `Observation`, domain name "tokenfutures-oracle",
/// version "1", bound to chain id and this contract; ERC-5267 `eip712Domain()`). The stored value is the median
/// of the batch (the mean of the two middle values, rounded down, for an even count).
///
/// Fault model, per index: `n` registered operators of which at most `f` (the index's fault tolerance) sign
/// anything. A batch is accepted only with `quorum = max(2f + 1, n / 2 + 1)` observations by distinct registered
/// operators, values ascending. Any such batch holds at most f bad values, fewer than half of it, so its median
/// lies within [min, max] of the honest values in it, whichever subset the poster picked. On top:
/// - every value lies within the index's bounds, and the highest exceeds the lowest by at most `maxSpreadBps` of
///   the lowest (honest operators compute a deterministic methodology from published inputs, so they agree);
///   this also bounds what the poster's choice of subset can do to `maxSpreadBps`;
/// - circuit breaker: a median more than `breakerBps` away from the latest stored value is not stored but held
///   (`FixingHeld`); it is stored once a later round, stamped and posted (block time) at least `breakerDelay`
///   after the round that started the hold, lands within `breakerBps` of the held value (a confirmation round;
///   while held, every post must be newer than the held round), or at once when every
///   registered operator signed and there are more operators than the quorum. A round within `breakerBps` of
///   the stored value is stored as usual and drops the hold. The first fixing of an index has no breaker.
/// Operator-set and parameter changes keep `n >= 2f + 1`: every index stays postable (n >= quorum) and f operators
/// never reach the quorum alone. With n >= 3f + 1 (the default: 4 operators, f = 1, quorum 3) an index also stays
/// postable with f operators down.
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
/// - A move beyond `breakerBps` reaches `latest` one confirmation round (at least `breakerDelay`) late.
///
/// Admin powers (owner, `Ownable2Step`; if the owner is a `TimelockController`, every admin call is delayed by
/// its minimum delay): create an index, change its bounds, fault tolerance, spread tolerance and breaker, add or
/// remove operators. The owner cannot post, edit or delete a fixing, and cannot leave an index with fewer than
/// 2f + 1 operators. Renouncing ownership freezes the operator sets and parameters forever.
interface IIndexOracle {
    /// @notice One operator's signed observation inside a batch.
    /// @param value The operator's index value, 18 decimals, within the index's bounds.
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

    /// @notice An index's parameters, as given to `createIndex`.
    /// @param minValue Lowest accepted value (inclusive, > 0).
    /// @param maxValue Highest accepted value (inclusive, >= minValue).
    /// @param maxFutureSkew Seconds a fixing may be stamped ahead of the block (at most `MAX_FUTURE_SKEW`; fixed).
    /// @param faultTolerance f: the number of operators that may sign anything (n >= 2f + 1).
    /// @param maxSpreadBps The highest value of a batch may exceed its lowest by at most this share of the lowest.
    /// @param breakerBps A median further than this from the latest stored value is held (1 to `MAX_BPS`).
    /// @param breakerDelay Seconds (of fixing time) a held move waits for its confirmation round.
    struct IndexParams {
        uint96 minValue;
        uint96 maxValue;
        uint32 maxFutureSkew;
        uint8 faultTolerance;
        uint16 maxSpreadBps;
        uint16 breakerBps;
        uint32 breakerDelay;
    }

    /* EVENTS */

    /// @notice An index was created with `params` (then one `OperatorAdded` per operator follows).
    event IndexCreated(
        bytes32 indexed indexId,
        address indexed caller,
        uint96 minValue,
        uint96 maxValue,
        uint32 maxFutureSkew,
        uint8 faultTolerance,
        uint16 maxSpreadBps,
        uint16 breakerBps,
        uint32 breakerDelay
    );
    /// @notice The accepted value range of an index changed.
    event BoundsUpdated(
        bytes32 indexed indexId, address indexed caller, uint96 oldMin, uint96 oldMax, uint96 newMin, uint96 newMax
    );
    /// @notice The fault tolerance of an index changed; `quorum` is the new signature bar.
    event FaultToleranceUpdated(
        bytes32 indexed indexId, address indexed caller, uint8 oldFaultTolerance, uint8 newFaultTolerance, uint256 quorum
    );
    /// @notice The spread tolerance of an index changed.
    event SpreadToleranceUpdated(
        bytes32 indexed indexId, address indexed caller, uint16 oldMaxSpreadBps, uint16 newMaxSpreadBps
    );
    /// @notice The circuit breaker of an index changed.
    event BreakerUpdated(
        bytes32 indexed indexId,
        address indexed caller,
        uint16 oldBreakerBps,
        uint32 oldBreakerDelay,
        uint16 newBreakerBps,
        uint32 newBreakerDelay
    );
    /// @notice An operator was registered for an index; `operatorCount` and `quorum` are the new ones.
    event OperatorAdded(
        bytes32 indexed indexId, address indexed operator, address caller, uint256 operatorCount, uint256 quorum
    );
    /// @notice An operator was removed from an index; `operatorCount` and `quorum` are the new ones.
    event OperatorRemoved(
        bytes32 indexed indexId, address indexed operator, address caller, uint256 operatorCount, uint256 quorum
    );
    /// @notice A fixing was accepted and stored (this also ends any hold of the circuit breaker).
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
    /// @notice A valid round moved more than `breakerBps` from the stored value and was held, not stored.
    /// @param previousValue The latest stored value (unchanged).
    /// @param confirmableFrom The earliest timestamp of a round that can confirm the held level.
    event FixingHeld(
        bytes32 indexed indexId,
        uint64 indexed timestamp,
        uint256 value,
        uint256 previousValue,
        uint64 confirmableFrom,
        address poster
    );

    /* ERRORS */

    /// @notice `createIndex` for an index that exists.
    error IndexAlreadyExists(bytes32 indexId);
    /// @notice The index does not exist.
    error UnknownIndex(bytes32 indexId);
    /// @notice Bounds with min = 0 or min > max.
    error InvalidBounds(uint256 minValue, uint256 maxValue);
    /// @notice `setBounds` was called with the bounds already in force.
    error BoundsUnchanged(bytes32 indexId, uint256 minValue, uint256 maxValue);
    /// @notice The allowed future skew exceeds `MAX_FUTURE_SKEW`.
    error SkewTooLarge(uint256 maxFutureSkew, uint256 max);
    /// @notice The index would have fewer than 2f + 1 operators (then n < quorum: not postable).
    error NotEnoughOperators(bytes32 indexId, uint256 operatorCount, uint256 faultTolerance);
    /// @notice `setFaultTolerance` was called with the fault tolerance already in force.
    error FaultToleranceUnchanged(bytes32 indexId, uint256 faultTolerance);
    /// @notice The spread tolerance exceeds `MAX_BPS`.
    error SpreadTooLarge(uint256 maxSpreadBps, uint256 max);
    /// @notice `setSpreadTolerance` was called with the tolerance already in force.
    error SpreadToleranceUnchanged(bytes32 indexId, uint256 maxSpreadBps);
    /// @notice Breaker bps not in [1, `MAX_BPS`] or delay above `MAX_BREAKER_DELAY`.
    error InvalidBreaker(uint256 breakerBps, uint256 breakerDelay);
    /// @notice The breaker bound would be below the spread tolerance: the poster could then pick, round after
    /// round, batches of honest values whose medians lie beyond the breaker of each other and restart a hold forever.
    error BreakerBelowSpread(bytes32 indexId, uint256 breakerBps, uint256 maxSpreadBps);
    /// @notice `setBreaker` was called with the breaker already in force.
    error BreakerUnchanged(bytes32 indexId, uint256 breakerBps, uint256 breakerDelay);
    /// @notice The zero address as an operator.
    error ZeroAddress();
    /// @notice The operator is already registered for the index.
    error OperatorAlreadyRegistered(bytes32 indexId, address operator);
    /// @notice The account is not a registered operator of the index.
    error NotAnOperator(bytes32 indexId, address operator);
    /// @notice More than `MAX_OPERATORS` operators.
    error TooManyOperators(bytes32 indexId, uint256 count, uint256 max);
    /// @notice The operator list passed to a post is not the index's current list.
    error OperatorSetMismatch(bytes32 indexId, bytes32 expectedHash, bytes32 givenHash);
    /// @notice Fewer observations than the quorum.
    error TooFewSignatures(bytes32 indexId, uint256 given, uint256 quorum);
    /// @notice A signature recovers an address that is not a registered operator.
    error UnknownSigner(bytes32 indexId, address signer);
    /// @notice The same operator signed twice in one batch.
    error DuplicateSigner(bytes32 indexId, address signer);
    /// @notice Values not in ascending order at `position`.
    error ObservationsNotSorted(uint256 position, uint256 previous, uint256 value);
    /// @notice A value (the batch's lowest or highest) lies outside the index's bounds.
    error ValueOutOfBounds(bytes32 indexId, uint256 value, uint256 minValue, uint256 maxValue);
    /// @notice The batch's highest value exceeds its lowest by more than `maxSpreadBps` of the lowest.
    error ObservationsDisagree(bytes32 indexId, uint256 minValue, uint256 maxValue, uint256 maxSpreadBps);
    /// @notice The timestamp is not newer than the stored fixing's (or, while a round is held, the held one's, unless
    /// every operator signed the held round itself).
    error TimestampNotNewer(bytes32 indexId, uint64 timestamp, uint64 lastTimestamp);
    /// @notice The timestamp is more than `maxFutureSkew` ahead of the block.
    error TimestampInFuture(bytes32 indexId, uint64 timestamp, uint256 blockTimestamp, uint32 maxFutureSkew);
    /// @notice The index has no fixing yet.
    error NoFixing(bytes32 indexId);
    /// @notice The latest fixing is older than the consumer's `maxAge`.
    error StaleFixing(bytes32 indexId, uint256 age, uint256 maxAge);
    /// @notice The observation at `position` has a high-s or otherwise unrecoverable signature.
    error InvalidSignature(uint256 position);

    /* ADMIN (owner only) */

    /// @notice Creates an index with its parameters and first operators.
    /// @dev Reverts with `IndexAlreadyExists`, `InvalidBounds` (min = 0 or min > max), `SkewTooLarge`,
    /// `SpreadTooLarge`, `InvalidBreaker`, `BreakerBelowSpread`, `ZeroAddress`, `OperatorAlreadyRegistered`, `TooManyOperators` or
    /// `NotEnoughOperators` (fewer than 2f + 1, or none). Emits `IndexCreated`, then one `OperatorAdded` per
    /// operator. `maxFutureSkew` is fixed for the life of the index.
    function createIndex(bytes32 indexId, IndexParams calldata params, address[] calldata operators) external;

    /// @notice Changes the accepted value range of an index (both bounds inclusive, min > 0). Emits `BoundsUpdated`.
    /// @dev Reverts with `UnknownIndex`, `InvalidBounds` or `BoundsUnchanged`.
    function setBounds(bytes32 indexId, uint96 minValue, uint96 maxValue) external;

    /// @notice Changes the fault tolerance f (and so the quorum). Emits `FaultToleranceUpdated`.
    /// @dev Reverts with `UnknownIndex`, `FaultToleranceUnchanged` or `NotEnoughOperators` (n < 2f + 1).
    function setFaultTolerance(bytes32 indexId, uint8 faultTolerance) external;

    /// @notice Changes the spread tolerance (0 to `MAX_BPS`). Emits `SpreadToleranceUpdated`.
    /// @dev Reverts with `UnknownIndex`, `SpreadTooLarge`, `SpreadToleranceUnchanged` or `BreakerBelowSpread`
    /// (the spread tolerance may not exceed the breaker bound).
    function setSpreadTolerance(bytes32 indexId, uint16 maxSpreadBps) external;

    /// @notice Changes the circuit breaker (bps 1 to `MAX_BPS`, delay at most `MAX_BREAKER_DELAY`). Emits `BreakerUpdated`.
    /// @dev Reverts with `UnknownIndex`, `InvalidBreaker`, `BreakerUnchanged` or `BreakerBelowSpread` (bps below the
    /// spread tolerance). A current hold keeps its start.
    function setBreaker(bytes32 indexId, uint16 breakerBps, uint32 breakerDelay) external;

    /// @notice Registers an operator for an index (at most `MAX_OPERATORS`); appended at the end of the list.
    /// @dev Reverts with `UnknownIndex`, `ZeroAddress`, `OperatorAlreadyRegistered` or `TooManyOperators`.
    /// Emits `OperatorAdded`.
    function addOperator(bytes32 indexId, address operator) external;

    /// @notice Removes an operator; reverts with `NotEnoughOperators` if fewer than 2f + 1 would remain.
    /// @dev The last operator of the list takes the removed one's place, so the list order changes. Reverts with
    /// `UnknownIndex` or `NotAnOperator`. Emits `OperatorRemoved`.
    function removeOperator(bytes32 indexId, address operator) external;

    /* POSTING (anyone) */

    /// @notice Posts a round signed by a quorum of the index's operators: stores its median, or holds it if the
    /// circuit breaker trips (see the contract notes).
    /// @param indexId The index.
    /// @param timestamp The fixing's data time; newer than the last, at most `maxFutureSkew` ahead of the block.
    /// @param methodologyVersion The methodology version every observation was computed with.
    /// @param operators The index's current operator list, exactly as `operators(indexId)` returns it.
    /// @param observations At least `quorum(indexId)` observations by distinct operators, values ascending.
    /// @return value The median of the observations (stored, or held: see `FixingPosted` / `FixingHeld`).
    /// @dev Checks, in order: the index exists (`UnknownIndex`), `operators` matches the stored list
    /// (`OperatorSetMismatch`), enough observations (`TooFewSignatures`), timestamp not too far ahead
    /// (`TimestampInFuture`) and newer than the last stored and, during a hold, than the held round
    /// (`TimestampNotNewer`), then per observation: ascending
    /// (`ObservationsNotSorted`), canonical signature (`InvalidSignature`), registered signer (`UnknownSigner`),
    /// not seen before (`DuplicateSigner`); then the lowest and highest values within the bounds
    /// (`ValueOutOfBounds`) and within the spread tolerance (`ObservationsDisagree`); finally the breaker.
    /// Runtime is O(observations x operators), both at most `MAX_OPERATORS`.
    function postFixing(
        bytes32 indexId,
        uint64 timestamp,
        uint32 methodologyVersion,
        address[] calldata operators,
        Observation[] calldata observations
    ) external returns (uint256 value);

    /* VIEWS */

    /// @notice Checks a signed round as `postFixing` does, without storing it, and returns its median.
    /// @dev Every check of `postFixing` (operator list, quorum, signatures, distinct signers, order, bounds, spread,
    /// timestamp at most `maxFutureSkew` ahead of the block) with the same errors, except "newer than the latest"
    /// and the circuit breaker: the breaker guards the stored value (`latest`), and its verdict depends on the value
    /// stored when it is applied, so a past round's verdict would depend on when it is checked. A verified round's
    /// median lies within the honest values of that round (the quorum rule). For consumers that need a past round's
    /// value and bound its effect themselves (settlement: clamped to the series' last mark +- its price limit).
    function verifyFixing(
        bytes32 indexId,
        uint64 timestamp,
        uint32 methodologyVersion,
        address[] calldata operators,
        Observation[] calldata observations
    ) external view returns (uint256 value);

    /// @notice The maximum number of operators of one index (a bitmap of list positions tracks distinct signers).
    function MAX_OPERATORS() external view returns (uint256);

    /// @notice The largest `maxFutureSkew` an index may be created with, in seconds.
    function MAX_FUTURE_SKEW() external view returns (uint256);

    /// @notice The largest spread tolerance and breaker bound, in basis points (10,000 = 100 %).
    function MAX_BPS() external view returns (uint256);

    /// @notice The largest breaker delay, in seconds.
    function MAX_BREAKER_DELAY() external view returns (uint256);

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

    /// @notice The round the circuit breaker holds, if any (all zero when none).
    /// @return value The held median.
    /// @return timestamp The held round's timestamp (the latest held round).
    /// @return confirmableFrom The earliest timestamp of a round that can confirm it.
    function heldFixing(bytes32 indexId) external view returns (uint256 value, uint64 timestamp, uint64 confirmableFrom);

    /// @notice The registered operators of an index, in the order `postFixing` expects.
    function operators(bytes32 indexId) external view returns (address[] memory);

    /// @notice Whether `account` is a registered operator of the index.
    function isOperator(bytes32 indexId, address account) external view returns (bool);

    /// @notice The number of distinct operator observations a post needs: max(2f + 1, n / 2 + 1).
    function quorum(bytes32 indexId) external view returns (uint256);

    /// @notice The index's configuration: value bounds, allowed future skew, operator count, operator-list hash.
    function indexConfig(bytes32 indexId)
        external
        view
        returns (uint96 minValue, uint96 maxValue, uint32 maxFutureSkew, uint16 operatorCount, bytes32 operatorsHash);

    /// @notice The index's fault, spread and breaker parameters.
    function tolerances(bytes32 indexId)
        external
        view
        returns (uint8 faultTolerance, uint16 maxSpreadBps, uint16 breakerBps, uint32 breakerDelay);
}
