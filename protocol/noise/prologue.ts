// Bound into the handshake hash so a handshake for any other protocol or version cannot complete.
import { utf8 } from '../bytes.js';

export const SOTTO_NOISE_PROLOGUE: Uint8Array = utf8('sotto/v1/noise');
