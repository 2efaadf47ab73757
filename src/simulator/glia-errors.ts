/**
 * @module Glia's error bodies, each in the shape the real API uses for that status
 * (docs/glia.md, "Error bodies"). Every bad request the simulator refuses goes through one of these.
 */
import type {Context} from 'hono';

/** One `{attribute, detail}` pair of a 422 validation error. */
export interface ValidationDetail {
  attribute: string;
  detail: string;
}

/** 400, legacy array: a bad `Accept` or an unreadable body. */
export function badRequest(c: Context, message: string, debugMessage: string): Response {
  return c.json([{error: 'BadRequest', message, debug_message: debugMessage}], 400);
}

/** 401, legacy object. */
export function unauthorized(c: Context, message: string, debugMessage: string): Response {
  return c.json({message, debug_message: debugMessage}, 401);
}

/** 401 for a missing Authorization header, with the text Glia still sends. */
export function authorizationMissing(c: Context): Response {
  return unauthorized(
    c,
    'Authorization information missing',
    "Authorization header must have format 'token_type token' where token_type is SessionId or AuthToken"
  );
}

/** 401 for a token that is unknown, malformed, revoked or expired. */
export function invalidToken(
  c: Context,
  why = 'Authorization header must contain a valid token'
): Response {
  return unauthorized(c, 'Invalid token', why);
}

/** 403, legacy object: names what the caller lacks. */
export function forbidden(c: Context, message: string, debugMessage = ''): Response {
  return c.json({message, debug_message: debugMessage}, 403);
}

/** 404 for an unknown id on a known route. */
export function notFound(c: Context, what: string): Response {
  return c.json({message: `${what} not found`, debug_message: ''}, 404);
}

/** 404 for a path no route serves. */
export function routeNotFound(c: Context): Response {
  return c.json({error_msg: '404 Route Not Found'}, 404);
}

/** 409, body unknown in any source: the legacy object shape. */
export function conflict(c: Context, message: string): Response {
  return c.json({message, debug_message: ''}, 409);
}

/** 413: the body is over the simulator's cap. */
export function payloadTooLarge(c: Context, maxBytes: number): Response {
  return c.json(
    [
      {
        error: 'PayloadTooLarge',
        message: 'Request body too large',
        debug_message: `The limit is ${maxBytes} bytes`,
      },
    ],
    413
  );
}

/** 422, Glia's validation shape. */
export function validationError(c: Context, details: ValidationDetail[]): Response {
  return c.json({error: 'validation_error', status: 'error', details}, 422);
}
