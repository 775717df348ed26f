import { randomBytes, randomUUID } from 'node:crypto';

/** A v4 UUID, the format jambonz uses for every sid. */
export function newSid(): string {
  return randomUUID();
}

/** `bytes` random bytes as lowercase hex (tags, branches, secrets). */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** RFC 3261 §8.1.1.7: branch IDs start with the magic cookie. */
export function newBranch(): string {
  return `z9hG4bK${randomHex(10)}`;
}

export function newTag(): string {
  return randomHex(6);
}
