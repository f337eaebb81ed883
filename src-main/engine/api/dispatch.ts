import { ZodError } from 'zod';
import { api, ApiError, isMethod, type ApiErrorInfo, type ApiResult, type Method, type ParsedReq, type Res } from '../../../src-shared/api/contract.js';
import { ConfigError } from '../../../src-core/config.js';
import { OperationError } from '../operations.js';

/** One handler per contract entry; the type makes a missing one a compile error. */
export type Handlers = { [M in Method]: (request: ParsedReq<M>) => Promise<Res<M>> };

/** Maps whatever a handler threw to what may cross a transport: `{code, message}`, never an Error. */
export function toErrorInfo(error: unknown): ApiErrorInfo {
  if (error instanceof ApiError) return { code: error.code, message: error.message };
  if (error instanceof OperationError) {
    const code = error.kind === 'not-found' ? 'not-found' : error.kind === 'no-engine' ? 'no-engine' : 'conflict';
    return { code, message: error.message };
  }
  if (error instanceof ConfigError) return { code: 'bad-request', message: error.message };
  if (error instanceof ZodError) return { code: 'bad-request', message: describeZodError(error) };
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}

export function describeZodError(error: ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid request';
  const where = issue.path.length ? issue.path.join('.') : 'request';
  return `${where}: ${issue.message}${error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : ''}`;
}

/**
 * The one entry for every transport: checks the method name, validates the request against the
 * contract (bad input is a 'bad-request', never an internal error), runs the handler, and turns a
 * failure into `{code, message}`.
 */
export async function dispatch(handlers: Handlers, method: string, input: unknown, onInternal?: (method: string, error: unknown) => void): Promise<ApiResult<unknown>> {
  if (!isMethod(method)) return { ok: false, error: { code: 'not-found', message: `unknown method "${method.slice(0, 100)}"` } };
  const parsed = api[method].req.safeParse(input === undefined ? {} : input);
  if (!parsed.success) return { ok: false, error: { code: 'bad-request', message: describeZodError(parsed.error) } };
  try {
    const handler = handlers[method] as (request: unknown) => Promise<unknown>;
    return { ok: true, result: await handler(parsed.data) };
  } catch (error) {
    const info = toErrorInfo(error);
    if (info.code === 'internal') onInternal?.(method, error);
    return { ok: false, error: info };
  }
}
