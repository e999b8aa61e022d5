export {
  isOutboundRateLimitWait,
  MAX_WINDOW_COUNT,
  nextOutboundSlot,
  OutboundRateLimitWait,
  outboundRateWindow,
  type RateWindow,
  withOutboundSlot,
} from './outbound-rate.js';
