// What test/helpers/held-ack-relay.ts prints (one JSON line each, `msg` set to these), for the test
// that waits for them: importing the entry itself would start a relay.

/** The relay got SIGUSR2 and holds every send's acknowledgement from now on. */
export const HOLDING_LINE = 'holding acks';
/** A send was committed and pushed, and its acknowledgement held: the point the test kills at. */
export const HELD_ACK_LINE = 'held ack';
