import { CLOSE_CODES, type CloseCode } from './protocol.generated';

/** What the client does after the socket closed with a code (docs/protocol.md, "Close codes"). */
export interface ClosePolicy {
  /** try again automatically */
  reconnect: boolean;
  /** reconnect without waiting (the edge is restarting; another one takes over) */
  immediate: boolean;
  /** wait at least this long first (ms) */
  minDelayMs: number;
  /** the token was refused: refresh it, or go back to the login form */
  reauthenticate: boolean;
  /** a line for the log */
  message: string;
}

const RECONNECT: ClosePolicy = {
  reconnect: true,
  immediate: false,
  minDelayMs: 0,
  reauthenticate: false,
  message: 'The connection to Arkham was lost.',
};

/**
 * One policy per close code of the contract (generated from it): a code added there fails
 * the type check here until the client knows what to do with it.
 */
const POLICIES: Record<CloseCode, ClosePolicy> = {
  [CLOSE_CODES.NORMAL]: { ...RECONNECT, reconnect: false, message: 'The connection was closed.' },
  [CLOSE_CODES.INVALID_UTF8]: RECONNECT,
  // A sustained flood (hundreds of commands refused for the rate): the token is fine.
  [CLOSE_CODES.POLICY_VIOLATION]: {
    ...RECONNECT,
    minDelayMs: 5000,
    message: 'Too many commands were sent too fast; reconnecting after a pause.',
  },
  [CLOSE_CODES.MESSAGE_TOO_BIG]: {
    ...RECONNECT,
    message: 'A command was too large for the server; reconnecting.',
  },
  [CLOSE_CODES.SERVICE_RESTART]: {
    ...RECONNECT,
    immediate: true,
    message: 'The server is restarting; reconnecting.',
  },
  [CLOSE_CODES.TRY_AGAIN_LATER]: {
    ...RECONNECT,
    minDelayMs: 2000,
    message: 'Your character could not be loaded just now; trying again shortly.',
  },
  [CLOSE_CODES.SESSION_REPLACED]: {
    ...RECONNECT,
    reconnect: false,
    message: 'You connected from somewhere else; this window has let go of your character.',
  },
  [CLOSE_CODES.IDLE]: { ...RECONNECT, message: 'The server heard nothing from this window for too long.' },
  [CLOSE_CODES.TOKEN_EXPIRED]: {
    ...RECONNECT,
    reauthenticate: true,
    message: 'Your session token expired; renewing it and resuming.',
  },
  [CLOSE_CODES.KICKED]: {
    ...RECONNECT,
    reconnect: false,
    message: 'You were removed from the game by an administrator.',
  },
  [CLOSE_CODES.TOO_SLOW]: { ...RECONNECT, message: 'Too many messages were waiting for you.' },
  // The login itself ended: its tokens are refused from now on, so renewing them fails and
  // the player is sent back to the login form.
  [CLOSE_CODES.REVOKED]: {
    ...RECONNECT,
    reauthenticate: true,
    message: 'You were signed out of this login.',
  },
};

function isCloseCode(code: number): code is CloseCode {
  return Object.hasOwn(POLICIES, code);
}

/** The policy for a close code; any code the contract does not define reconnects with backoff. */
export function closePolicy(code: number): ClosePolicy {
  return isCloseCode(code) ? POLICIES[code] : RECONNECT;
}
