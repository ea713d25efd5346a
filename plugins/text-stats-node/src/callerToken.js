// Caller tokens: every call the orchestrator makes to this executor (an ExecuteStep call in push mode, an attempt on
// the session in connect mode) carries a JWT signed with HMAC-SHA256 under a key only this executor received, at
// registration (RegisterExecutorResponse.caller_token_key / SessionRegistered.caller_token_key). Checked here with
// node:crypto alone (no JWT dependency for one algorithm): the signature, the issuer, the audience (this executor's
// id), the lifetime, and the attempt it is bound to (execution_id, step_id, attempt). See docs/security.md.
import grpc from '@grpc/grpc-js';
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far the orchestrator's clock may be from this one. */
export const CLOCK_SKEW_MS = 30000;
/** How long a call that arrives while the executor registers waits for its key. */
export const REGISTRATION_WAIT_MS = 10000;

/**
 * Creates the check. `accept(key)` takes the key a registration or session brought (null: the orchestrator
 * sends no tokens); `beginRegistration()` says a registration is on its way; `check(token, request)` resolves
 * to null when the call may run, else to the gRPC status `{ code, details }` to refuse it with.
 * @param {{ log: (level: string, message: string) => void, now?: () => number }} options
 */
export function createCallerTokenCheck({ log, now = Date.now }) {
  let keys = [];
  let sendsNone = false;
  let registering = null;

  const refuse = (request, code, details) => {
    log('warn', `step '${request.step_id}' of execution '${request.execution_id}': call refused (${grpc.status[code]}): ${details}`);
    return { code, details };
  };
  const find = (audience) => keys.find((k) => k.audience === audience);

  return {
    beginRegistration() {
      if (!registering) {
        let resolve;
        registering = { promise: new Promise((r) => (resolve = r)), resolve: () => resolve() };
      }
    },
    accept(key) {
      if (key && key.key && key.key.length > 0) {
        sendsNone = false;
        keys = [{ key: Buffer.from(key.key), issuer: key.issuer, audience: key.audience }, ...keys].slice(0, 2);
      } else {
        sendsNone = true;
        log('warn', 'the orchestrator sends no caller tokens: calls are not checked');
      }
      registering?.resolve();
      registering = null;
    },
    async check(token, request) {
      if (!token) {
        return sendsNone ? null : refuse(request, grpc.status.UNAUTHENTICATED, 'The call carries no caller token (header `authorization: Bearer <token>`, or SessionAttempt.caller_token).');
      }
      const parts = token.split('.');
      let header;
      let payload;
      try {
        if (parts.length !== 3) throw new Error('not three parts');
        header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
        payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
      } catch {
        return refuse(request, grpc.status.UNAUTHENTICATED, 'The caller token is not a JWT.');
      }
      const audience = Array.isArray(payload.aud) ? payload.aud[0] : payload.aud;
      let entry = find(audience);
      if (!entry && registering) {
        await Promise.race([registering.promise, new Promise((r) => setTimeout(r, REGISTRATION_WAIT_MS).unref())]);
        entry = find(audience);
      }
      if (!entry) {
        return keys.length === 0
          ? refuse(request, grpc.status.UNAUTHENTICATED, 'This executor has not registered with its orchestrator yet: it has no key to check the caller token with.')
          : refuse(request, grpc.status.PERMISSION_DENIED, `The caller token is meant for executor '${String(audience).slice(0, 100)}', not this one ('${keys[0].audience}').`);
      }
      const expected = createHmac('sha256', entry.key).update(`${parts[0]}.${parts[1]}`).digest();
      const signature = Buffer.from(parts[2], 'base64url');
      if (header.alg !== 'HS256' || signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
        return refuse(request, grpc.status.UNAUTHENTICATED, "The caller token's signature does not match this executor's key.");
      }
      if (payload.iss !== entry.issuer) {
        return refuse(request, grpc.status.UNAUTHENTICATED, 'The caller token comes from another issuer.');
      }
      const at = now();
      if (typeof payload.exp !== 'number') {
        return refuse(request, grpc.status.UNAUTHENTICATED, 'The caller token has no expiry.');
      }
      if (at > payload.exp * 1000 + CLOCK_SKEW_MS) {
        return refuse(request, grpc.status.UNAUTHENTICATED, 'The caller token has expired.');
      }
      if (typeof payload.nbf === 'number' && at < payload.nbf * 1000 - CLOCK_SKEW_MS) {
        return refuse(request, grpc.status.UNAUTHENTICATED, 'The caller token is not valid yet (are the clocks of the orchestrator and the executor apart?).');
      }
      if (payload.execution_id !== request.execution_id || payload.step_id !== request.step_id || Number(payload.attempt) !== Number(request.attempt)) {
        return refuse(request, grpc.status.PERMISSION_DENIED, "The caller token was issued for another attempt (its execution_id, step_id or attempt differ from the request's).");
      }
      return null;
    },
  };
}

/** The token of an `authorization: Bearer <token>` header, or null. */
export function bearerToken(metadata) {
  const header = metadata.get('authorization')[0];
  return typeof header === 'string' && /^bearer /i.test(header) ? header.slice(7).trim() : null;
}
