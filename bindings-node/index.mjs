// ESM entry: the CommonJS package's exports, by name.
import kapture from './index.js'

export const {
  Client,
  Sandbox,
  BulkRun,
  toWire,
  validate,
  fromRow,
  readRows,
  CellError,
  version,
  KaptureError,
  ValidationError,
  ConfigError,
  ApiError,
  AuthenticationError,
  RateLimitError,
  ServerError,
  TimeoutError,
  ConnectionError,
  UnexpectedResponseError,
  AbortedError,
  ClosedError,
  InternalError,
  OutcomeUnknownError,
} = kapture
export default kapture
