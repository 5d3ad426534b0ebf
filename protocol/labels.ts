// Every domain-separation label in Sotto, versioned, each used for exactly one purpose.
// docs/protocol.md §3 lists the same strings; a test keeps them in step.

export const LABEL = {
  // Signatures: the signed bytes are utf8(label) || 0x00 || record bytes before the signature.
  sigMemberEvent: 'sotto/v1/sig/member-event',
  sigInvite: 'sotto/v1/sig/invite',
  sigJoinRequest: 'sotto/v1/sig/join-request',
  sigWelcome: 'sotto/v1/sig/welcome',
  sigJoinConfirm: 'sotto/v1/sig/join-confirm',
  sigRotation: 'sotto/v1/sig/rotation',
  sigMessage: 'sotto/v1/sig/message',
  sigCheckpoint: 'sotto/v1/sig/checkpoint',
  sigSession: 'sotto/v1/sig/session',
  // Hashes: SHA-256(utf8(label) || 0x00 || bytes).
  hashMemberEvent: 'sotto/v1/hash/member-event',
  hashMessage: 'sotto/v1/hash/message',
  hashWelcome: 'sotto/v1/hash/welcome',
  fingerprint: 'sotto/v1/fingerprint',
  // HKDF info strings.
  sealedBox: 'sotto/v1/sealed-box',
  inviteKey: 'sotto/v1/invite-key',
  welcomeKey: 'sotto/v1/welcome-key',
  confirmKey: 'sotto/v1/confirm-key',
  messageKey: 'sotto/v1/message-key',
  roomCode: 'sotto/v1/room-code',
  // Sealed-box contexts.
  sealJoiningKey: 'sotto/v1/seal/joining-key',
  sealEpochKey: 'sotto/v1/seal/epoch-key',
  // Noise prologue.
  noisePrologue: 'sotto/v1/noise',
} as const;

export type LabelName = keyof typeof LABEL;
