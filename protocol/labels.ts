// Every domain-separation label in Sotto, versioned, each used for exactly one purpose.
// docs/protocol.md §3 lists the same strings; a test keeps them in step.

export const LABEL = {
  // Signatures: the signed bytes are utf8(label) || 0x00 || record bytes before the signature.
  sigMemberEvent: 'sotto/v2/sig/member-event',
  sigInvite: 'sotto/v2/sig/invite',
  sigJoinRequest: 'sotto/v2/sig/join-request',
  sigWelcome: 'sotto/v2/sig/welcome',
  sigJoinConfirm: 'sotto/v2/sig/join-confirm',
  sigRotation: 'sotto/v2/sig/rotation',
  sigMessage: 'sotto/v2/sig/message',
  sigCheckpoint: 'sotto/v2/sig/checkpoint',
  sigSession: 'sotto/v2/sig/session',
  sigKeyUpdate: 'sotto/v2/sig/key-update',
  sigTombstone: 'sotto/v2/sig/tombstone',
  // Hashes: SHA-256(utf8(label) || 0x00 || bytes).
  hashMemberEvent: 'sotto/v2/hash/member-event',
  hashMessage: 'sotto/v2/hash/message',
  hashWelcome: 'sotto/v2/hash/welcome',
  fingerprint: 'sotto/v2/fingerprint',
  // HKDF info strings.
  sealedBox: 'sotto/v2/sealed-box',
  inviteKey: 'sotto/v2/invite-key',
  inviteToken: 'sotto/v2/invite-token',
  welcomeKey: 'sotto/v2/welcome-key',
  confirmKey: 'sotto/v2/confirm-key',
  chainKey: 'sotto/v2/chain-key',
  // HMAC inputs of the sender chain's step: MK_i and CK_i+1 from CK_i.
  messageKey: 'sotto/v2/message-key',
  chainStep: 'sotto/v2/chain-step',
  roomCode: 'sotto/v2/room-code',
  // Pre-shared keys of rotation entries (§6): what opens the next epoch besides the member's key.
  initSecret: 'sotto/v2/init-secret',
  joinSecret: 'sotto/v2/join-secret',
  // AEAD associated data of an attachment chunk (§9.2), followed by the attachment id.
  attachmentChunk: 'sotto/v2/attachment-chunk',
  // Sealed-box contexts.
  sealJoiningKey: 'sotto/v2/seal/joining-key',
  sealEpochKey: 'sotto/v2/seal/epoch-key',
  // Device links (§8.7.1): the channel's HKDF info and AEAD associated data, mailbox addresses, and
  // the psk of a linked device's rotation entry.
  link: 'sotto/v2/link',
  linkBox: 'sotto/v2/link-box',
  deviceSecret: 'sotto/v2/device-secret',
  // Noise prologue: the transport's own version, unchanged by protocol 2, so a client of protocol 1
  // still completes the handshake and hears a clear BAD_VERSION for its first frame.
  noisePrologue: 'sotto/v1/noise',
} as const;

export type LabelName = keyof typeof LABEL;
