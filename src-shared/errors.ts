/**
 * Error codes that cross process boundaries (worker → store → CLI/UI). A code says what kind of
 * failure it is; the message says what happened to this photo in words a person understands.
 */
export const ERROR_CODES = [
  'corrupt-file',
  'unsupported-format',
  'missing-file',
  'permission-denied',
  'empty-file',
  'too-large',
  'stage-timeout',
  'worker-crashed',
  'out-of-memory',
  'model-missing',
  'cancelled',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Codes that a retry cannot fix: the job fails at once instead of backing off. */
const PERMANENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'corrupt-file',
  'unsupported-format',
  'missing-file',
  'permission-denied',
  'empty-file',
  'too-large',
  'model-missing',
  'cancelled',
]);

export function isPermanent(code: ErrorCode): boolean {
  return PERMANENT.has(code);
}

/** What is sent across processes instead of an Error instance. */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
}

export class ShoeboxError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ShoeboxError';
  }

  get permanent(): boolean {
    return isPermanent(this.code);
  }

  toInfo(): ErrorInfo {
    return { code: this.code, message: this.message };
  }
}

/** Errors are stored in BullMQ as "code: message" so the code survives Redis round trips. */
export function formatFailedReason(info: ErrorInfo): string {
  return `${info.code}: ${info.message}`;
}

export function parseFailedReason(reason: string | undefined | null): ErrorInfo {
  const text = reason ?? 'unknown failure';
  const match = /^([a-z-]+): (.*)$/s.exec(text);
  if (match && (ERROR_CODES as readonly string[]).includes(match[1]!)) {
    return { code: match[1] as ErrorCode, message: match[2]! };
  }
  if (/stalled more than allowable limit/.test(text)) {
    return { code: 'worker-crashed', message: 'worker crashed while processing (the job stalled repeatedly)' };
  }
  return { code: 'internal', message: text };
}
