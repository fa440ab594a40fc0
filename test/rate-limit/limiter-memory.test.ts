// The in-memory attempt counter (embedded mode, one process) keeps the rate-limiter contract.
import { memoryRateLimiter } from '../../src/rate-limit/limiter.js';
import { rateLimiterContract } from './limiter-contract.js';

rateLimiterContract('memory', () => memoryRateLimiter());
