/**
 * A BlobStore over a local folder (one sub-folder per bucket, keys as paths), for the benchmark and the tests: the
 * engine's phases run unchanged, without an S3 emulator between them and the disk.
 */
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { BlobStore, StoredObject } from '../../lambda/mapreduce/store';

export class FsBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  private path(bucket: string, key: string): string {
    if (key.split('/').some((part) => part === '..')) throw new Error(`key ${key} leaves its bucket`);
    return join(this.root, bucket, ...key.split('/'));
  }

  async list(bucket: string, prefix: string): Promise<StoredObject[]> {
    const base = join(this.root, bucket);
    // Walk only the folder the prefix names (everything up to its last '/').
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const out: StoredObject[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const full = join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else {
          const key = relative(base, full).split(sep).join('/');
          if (!key.startsWith(prefix)) continue;
          const s = await stat(full);
          out.push({ key, size: s.size, lastModified: s.mtime });
        }
      }
    };
    await walk(join(base, ...folder.split('/').filter(Boolean)));
    return out.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  }

  async open(bucket: string, key: string): Promise<AsyncIterable<Uint8Array>> {
    return createReadStream(this.path(bucket, key), { highWaterMark: 1 << 20 });
  }

  async get(bucket: string, key: string): Promise<Buffer> {
    return readFile(this.path(bucket, key));
  }

  async range(
    bucket: string,
    key: string,
    r: { suffix: number } | { start: number; end: number },
  ): Promise<Buffer> {
    const file = await open(this.path(bucket, key), 'r');
    try {
      const size = (await file.stat()).size;
      const start = 'suffix' in r ? Math.max(0, size - r.suffix) : r.start;
      const end = 'suffix' in r ? size : Math.min(size, r.end);
      const buf = Buffer.alloc(Math.max(0, end - start));
      await file.read(buf, 0, buf.length, start);
      return buf;
    } finally {
      await file.close();
    }
  }

  async put(bucket: string, key: string, body: Uint8Array): Promise<void> {
    const p = this.path(bucket, key);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, body);
  }

  async copy(from: { bucket: string; key: string }, to: { bucket: string; key: string }): Promise<void> {
    const p = this.path(to.bucket, to.key);
    await mkdir(dirname(p), { recursive: true });
    await copyFile(this.path(from.bucket, from.key), p);
  }

  async deleteMany(bucket: string, keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((k) => rm(this.path(bucket, k), { force: true })));
  }
}
