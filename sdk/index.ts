/** The tokenfutures SDK: typed ABIs, orders, market actions and reads. One implementation for the demo, keeper and CLI. */
export { futuresMarketAbi } from "./abi/FuturesMarket.js";
export { indexOracleAbi } from "./abi/IndexOracle.js";
export { mockUSDCAbi } from "./abi/MockUSDC.js";
export { type Balances, type PositionView, balances, positionOf } from "./account.js";
export { type BookEntry, type BookFilter, type HiddenEntry, type OrderBook, findOpenOrder, nextNonce, readOrderBook } from "./book.js";
export {
  checkBand,
  checkFillSize,
  checkLiveOrder,
  checkMargin,
  checkNewOrder,
  checkTick,
  checkTradable,
  marginTopUp,
  orderFeeBps,
  orderFieldProblem,
  readMarginState,
} from "./checks.js";
export {
  type ConnectOptions,
  type MarketClient,
  type MarketLog,
  type Sent,
  type TxEvent,
  chainTime,
  connectMarket,
  marketContract,
  oracleContract,
  readMarketLogs,
  scanLogs,
  sendTx,
  senderOf,
  signerOf,
} from "./client.js";
export { type CurvePoint, type ForwardCurveParameters, forwardCurve } from "./curve.js";
export { type Deployment, deploymentToJson, parseDeployment, readDeployment } from "./deployment.js";
export { SdkError, type SdkErrorCode } from "./errors.js";
export { type DepositResult, addMargin, deposit, fundInsurance, removableMargin, removeMargin, withdraw } from "./funds.js";
export { type AccountTrading, type Trade, accountTrading, openInterest, readTrades } from "./history.js";
export { LOCAL_CHAIN_IDS, encryptKey, loadKeystore, plainKeyAccount, readPassword } from "./keys.js";
export {
  type ObservationData,
  type SignedObservation,
  buildPostFixingArgs,
  compactSignature,
  indexIdFromName,
  observationDigest,
  observationTypes,
  operatorsHash,
  oracleDomain,
  signObservation,
} from "./oracle.js";
export {
  ORDER_TYPE_STRING,
  type CompactSignature,
  type Order,
  type SeriesParams,
  hashOrder,
  marketDomain,
  orderTypes,
  seriesId,
  seriesParamsAbi,
  signOrder,
  toCompactSignature,
} from "./orders.js";
export { asSdkError, humanArg, revertSentence } from "./revert.js";
export {
  type IndexValue,
  type Series,
  type SeriesPhase,
  type SeriesStatus,
  freshIndex,
  freshMark,
  getSeries,
  latestIndex,
  listSeries,
  seriesStatus,
} from "./series.js";
export {
  SETTLEMENT_KINDS,
  type SeriesSettlement,
  type SettlementKind,
  claim,
  closeOut,
  describeSettlement,
  liquidate,
  readSettlement,
  recordSettlementFixing,
  settle,
  settlementIn,
  updateMark,
} from "./settlement.js";
export { type EthersLikeSigner, type TypedDataRequest, type TypedDataSigner, fromEthersSigner, fromLocalAccount, fromWalletClient } from "./signer.js";
export {
  type FillResult,
  type MatchResult,
  type OrderRequest,
  type SignedOrder,
  buildOrder,
  cancelAll,
  cancelOrder,
  fillOrder,
  matchOrders,
  placeOrder,
  publishOrder,
  readMarketDomain,
  signOrderWith,
} from "./trade.js";
export { BPS, PRICE_DECIMALS, type TickRounding, WAD, divFloor, divUp, formatDecimal, formatLiquidationPrice, formatPrice, formatTickPrice, formatTime, formatUsdc, parseDecimal, parseWhole, roundToTick } from "./units.js";
