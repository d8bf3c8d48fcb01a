export {
  createLogger,
  type LogFields,
  type Logger,
  type LogSink,
  memoryLogger,
  stdioSink,
} from "./logger.ts";
export { isSensitiveLogKey, keyWords, redactKeys } from "./redact.ts";
