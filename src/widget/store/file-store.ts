/**
 * @module The bytes of the visitor's files that have not gone up yet, kept in IndexedDB (its own
 * idb-keyval database, keyed by upload id) so a reload or another tab can still send them. The
 * session record holds only their names and sizes; the pending total stays under
 * PENDING_FILE_BYTES (session-state.ts). Where storage is unavailable the bytes live in this
 * tab's memory: the upload still works until the tab closes.
 */
import {createStore, del, get, keys, set} from 'idb-keyval';

/** Database and object store names; tests clear them between cases. */
export const FILE_DB_NAME = 'glia-handoff-files';
export const FILE_STORE_NAME = 'files';

let database: ReturnType<typeof createStore> | undefined;
const db = () => (database ??= createStore(FILE_DB_NAME, FILE_STORE_NAME));

/** Bytes this tab holds itself: the fallback, and a shortcut for the tab that took the file. */
const memory = new Map<string, Blob>();

/** Keep `blob` for upload `id`. Resolves false when storage refused it (its quota is full). */
export async function keepFile(id: string, blob: Blob): Promise<boolean> {
  memory.set(id, blob);
  try {
    await set(id, blob, db());
  } catch (error) {
    if (error instanceof DOMException && error.name === 'QuotaExceededError') {
      memory.delete(id);
      return false;
    }
    // No IndexedDB at all: this tab's memory holds it.
  }
  return true;
}

/** The bytes of upload `id`, if this browser still has them. */
export async function fileBytes(id: string): Promise<Blob | undefined> {
  const held = memory.get(id);
  if (held) return held;
  try {
    return await get<Blob>(id, db());
  } catch {
    return undefined;
  }
}

/** Forget upload `id` (sent, cancelled or removed). */
export async function dropFile(id: string): Promise<void> {
  memory.delete(id);
  try {
    await del(id, db());
  } catch {
    // Nothing stored.
  }
}

/** Forget every file but `keep` (left behind by a chat that ended while they waited). */
export async function pruneFiles(keep: Set<string>): Promise<void> {
  try {
    for (const id of await keys<string>(db())) if (!keep.has(id)) await dropFile(id);
  } catch {
    // Nothing stored.
  }
}
