import { createHash } from 'node:crypto';

/**
 * A delivery's `email_hash` as srhooks takes it (assumption [A49], in assumptions.ts): the hex SHA-256 of
 * the customer's e-mail address trimmed and lower-cased. A module of its own (`@srhooks/contracts/
 * customer-email-hash`) so that code needing only this (the receiver's SQLite writer thread) loads no schema.
 */
export function customerEmailHash(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
}
