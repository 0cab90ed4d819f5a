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

export function closePolicy(code: number): ClosePolicy {
  switch (code) {
    case 1000:
      return { ...RECONNECT, reconnect: false, message: 'The connection was closed.' };
    case 1008:
      return {
        ...RECONNECT,
        reauthenticate: true,
        message: 'The server refused your credentials; renewing them.',
      };
    case 1012:
      return { ...RECONNECT, immediate: true, message: 'The server is restarting; reconnecting.' };
    case 1013:
      return {
        ...RECONNECT,
        minDelayMs: 2000,
        message: 'Your character could not be loaded just now; trying again shortly.',
      };
    case 4001:
      return {
        ...RECONNECT,
        reconnect: false,
        message: 'You connected from somewhere else; this window has let go of your character.',
      };
    case 1009:
      return { ...RECONNECT, message: 'A command was too large for the server; reconnecting.' };
    case 4003:
      return {
        ...RECONNECT,
        reauthenticate: true,
        message: 'Your session token expired; renewing it and resuming.',
      };
    case 4004:
      return {
        ...RECONNECT,
        reconnect: false,
        message: 'You were removed from the game by an administrator.',
      };
    case 4002:
      return { ...RECONNECT, message: 'The server heard nothing from this window for too long.' };
    case 4008:
      return { ...RECONNECT, message: 'Too many messages were waiting for you.' };
    default:
      return RECONNECT;
  }
}
