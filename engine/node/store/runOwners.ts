import { randomUUID } from 'node:crypto';

/**
 * Who is computing a running run: a process and one of its open stores. The CLI and the studio share
 * one database, so a run left `running` is interrupted only when its owner is gone, not merely
 * because another process opened the store.
 */
export interface RunOwner {
  readonly pid: number;
  readonly store: string;
}

/** Stores open in this process; a run of this process is live while the store that started it is open. */
const openHere = new Set<string>();

export function claimOwner(): RunOwner {
  const owner = { pid: process.pid, store: randomUUID() };
  openHere.add(owner.store);
  return owner;
}

export function releaseOwner(owner: RunOwner): void {
  openHere.delete(owner.store);
}

/**
 * False once the owner is gone. A pid reused by an unrelated process (after a reboot) passes for the owner until it
 * ends.
 */
export function ownerIsAlive(owner: RunOwner): boolean {
  if (owner.pid === process.pid) return openHere.has(owner.store);
  return processIsAlive(owner.pid);
}

/** False once the process is gone (a reused pid passes, as above). */
export function processIsAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
