// The shape shared by every Wycheproof file (C2SP/wycheproof testvectors_v1).

export interface WycheproofCase {
  tcId: number;
  comment: string;
  flags: string[];
  result: 'valid' | 'invalid' | 'acceptable';
}

export interface WycheproofFile<Group extends { tests: WycheproofCase[] }> {
  numberOfTests: number;
  testGroups: Group[];
}
