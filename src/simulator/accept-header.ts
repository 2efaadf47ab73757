/**
 * @module Glia's version negotiation (docs/glia.md, "Conventions", "The simulator"): `Accept:
 * application/vnd.salemove.v1+json`. Another `vnd.salemove` version gets the legacy 400; a missing
 * or generic Accept is tolerated, since real clients omit it.
 */
import type {MiddlewareHandler} from 'hono';
import {badRequest} from './glia-errors.js';

/** Refuses requests that ask for a version of the API other than v1. */
export const acceptHeader: MiddlewareHandler = async (c, next) => {
  const accept = c.req.header('accept') ?? '';
  const versions = [...accept.matchAll(/application\/vnd\.salemove\.([^+;,\s]+)\+json/gi)].map(
    (m) => (m[1] ?? '').toLowerCase()
  );
  if (versions.length > 0 && !versions.includes('v1')) {
    return badRequest(
      c,
      'Invalid api version used',
      "Please set the 'Accept' header to 'application/vnd.salemove.v1+json'"
    );
  }
  return next();
};
