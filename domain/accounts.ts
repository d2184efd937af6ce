// Roles of users and kinds of bearer token.

/** Roles of a user: admins also manage users and the key pool. */
export const UserRole = { admin: 'admin', member: 'member' } as const;
export type UserRole = (typeof UserRole)[keyof typeof UserRole];

/** Kinds of bearer token: one made by a login (expires), or a personal API token (until revoked). */
export const TokenKind = { session: 'session', personal: 'personal' } as const;
export type TokenKind = (typeof TokenKind)[keyof typeof TokenKind];
