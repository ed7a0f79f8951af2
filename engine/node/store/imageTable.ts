import { join } from 'node:path';
import { PasticheError } from '../../common/errors.js';
import type { Db } from './database.js';
import { mediaPath, sha256Of, storeMediaFile } from './media.js';
import type { ImageInfo, ImageRecord } from '../../common/runs/records.js';

const COLUMNS =
  'id, sha256, path, original_name AS originalName, width, height, format, bytes, created_at AS createdAt';

/** The `images` table: one row per distinct picture, whose copy lives under media/. */
export class ImageTable {
  private readonly byId;
  private readonly bySha256;
  private readonly insert;
  private readonly paths;
  private readonly addLocked;

  constructor(
    db: Db,
    private readonly mediaDir: string,
  ) {
    this.byId = db.prepare<[number], ImageRecord>(`SELECT ${COLUMNS} FROM images WHERE id = ?`);
    this.bySha256 = db.prepare<[string], ImageRecord>(`SELECT ${COLUMNS} FROM images WHERE sha256 = ?`);
    // DO NOTHING: another process may have just added the same bytes.
    this.insert = db.prepare(`INSERT INTO images (sha256, path, original_name, width, height, format, bytes)
      VALUES (@sha256, @path, @originalName, @width, @height, @format, @bytes) ON CONFLICT (sha256) DO NOTHING`);
    this.paths = db.prepare<[], string>('SELECT path FROM images').pluck();
    this.addLocked = db.transaction((bytes: Uint8Array, info: ImageInfo) => this.addUnlocked(bytes, info));
  }

  /**
   * Keeps a copy of the bytes and returns their row; the same bytes give the same row and one copy.
   * The copy is written holding the write lock, so removeOrphanMedia (which holds it too) never takes
   * a copy whose row is about to be committed for one left by a process that died.
   */
  add(bytes: Uint8Array, info: ImageInfo): ImageRecord {
    return this.addLocked.immediate(bytes, info);
  }

  /** The copies' paths relative to media/, as rows hold them. */
  recordedPaths(): Set<string> {
    return new Set(this.paths.all());
  }

  private addUnlocked(bytes: Uint8Array, info: ImageInfo): ImageRecord {
    const sha256 = sha256Of(bytes);
    const known = this.bySha256.get(sha256);
    const path = known?.path ?? mediaPath(sha256, info.format);
    // Also for a known image: puts back a copy someone deleted from media/.
    storeMediaFile(this.mediaDir, path, bytes);
    if (!known) this.insert.run({ ...info, sha256, path, bytes: bytes.byteLength });
    return this.withAbsolutePath(this.bySha256.get(sha256)!);
  }

  get(id: number): ImageRecord {
    const row = this.byId.get(id);
    if (!row) throw new PasticheError('no such image', `image ${id}`);
    return this.withAbsolutePath(row);
  }

  private withAbsolutePath(row: ImageRecord): ImageRecord {
    return { ...row, path: join(this.mediaDir, row.path) };
  }
}
