import { join } from 'node:path';
import { PasticheError } from '../../common/errors.js';
import type { Db } from './database.js';
import { mediaPath, sha256Of, storeMediaFile } from './media.js';
import type { ImageInfo, ImageRecord } from '../../common/runs/records.js';

const COLUMNS = 'id, sha256, path, original_name AS originalName, width, height, format, bytes, created_at AS createdAt';

/** The `images` table: one row per distinct picture, whose copy lives under media/. */
export class ImageTable {
  private readonly byId;
  private readonly bySha256;
  private readonly insert;

  constructor(db: Db, private readonly mediaDir: string) {
    this.byId = db.prepare<[number], ImageRecord>(`SELECT ${COLUMNS} FROM images WHERE id = ?`);
    this.bySha256 = db.prepare<[string], ImageRecord>(`SELECT ${COLUMNS} FROM images WHERE sha256 = ?`);
    // DO NOTHING: another process may have just added the same bytes.
    this.insert = db.prepare(`INSERT INTO images (sha256, path, original_name, width, height, format, bytes)
      VALUES (@sha256, @path, @originalName, @width, @height, @format, @bytes) ON CONFLICT (sha256) DO NOTHING`);
  }

  /** Keeps a copy of the bytes and returns their row; the same bytes give the same row and one copy. */
  add(bytes: Uint8Array, info: ImageInfo): ImageRecord {
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
