// Table fixtures under test/fixtures: a new case is a new row in a file.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

export function fixture<T>(relative: string): T {
  return JSON.parse(readFileSync(path.join(root, relative), 'utf8')) as T;
}

export interface RequestCase { query: string; accept?: string }
export interface EquivalentGroup { name: string; expect: string; config?: Record<string, unknown>; requests: RequestCase[] }
export interface RejectedCase { query: string; message: string; config?: Record<string, unknown> }
export interface AcceptCase { accept: string; webp: boolean; avif: boolean }

export const equivalentGroups = () => fixture<{ groups: EquivalentGroup[] }>('canonical/equivalent.json').groups;
export const distinctRequests = () => fixture<{ requests: RequestCase[] }>('canonical/distinct.json').requests;
export const rejectedCases = () => fixture<{ cases: RejectedCase[] }>('canonical/rejected.json').cases;
export const acceptCases = () => fixture<{ cases: AcceptCase[] }>('canonical/accept.json').cases;
