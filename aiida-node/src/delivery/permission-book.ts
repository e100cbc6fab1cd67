import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** What an instance keeps about one permission it delivers for. */
export interface BookEntry {
  /** The grant exactly as the Marketplace signed it (verified when configured). */
  readonly grant: string;
  /** Records up to this instant (ms since epoch) were acknowledged by the receiver. */
  sentUntil: number;
  /** Records acknowledged so far. */
  recordsSent: number;
}

interface BookFile {
  active: Record<string, BookEntry>;
  /** Permissions stopped for good; a repeated configuration for them is refused. */
  ended: string[];
}

/**
 * The permissions an instance delivers for, kept in a JSON file so that after
 * a restart it resumes exactly those (from where the receiver last
 * acknowledged) and never restarts one that was stopped. Writes replace the
 * file atomically.
 */
export class PermissionBook {
  private data: BookFile = { active: {}, ended: [] };
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  private writes = 0;

  private constructor(private readonly file: string) {}

  /** Opens the book at `file`, empty when it does not exist yet. */
  static async open(file: string): Promise<PermissionBook> {
    const book = new PermissionBook(file);
    try {
      const parsed = JSON.parse(await readFile(file, "utf8")) as Partial<BookFile>;
      book.data = { active: parsed.active ?? {}, ended: parsed.ended ?? [] };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    return book;
  }

  /** The permissions being delivered, by ID. */
  active(): [string, BookEntry][] {
    return Object.entries(this.data.active);
  }

  /** The entry of an active permission. */
  get(permissionId: string): BookEntry | undefined {
    return this.data.active[permissionId];
  }

  /** Whether the permission was stopped for good. */
  hasEnded(permissionId: string): boolean {
    return this.data.ended.includes(permissionId);
  }

  /** Starts keeping a permission. */
  async add(permissionId: string, entry: BookEntry): Promise<void> {
    this.data.active[permissionId] = entry;
    await this.save();
  }

  /** Moves a permission to the ended list. */
  async end(permissionId: string): Promise<void> {
    delete this.data.active[permissionId];
    if (!this.data.ended.includes(permissionId)) this.data.ended.push(permissionId);
    if (this.data.ended.length > 10_000) this.data.ended.splice(0, this.data.ended.length - 10_000);
    await this.save();
  }

  /** Writes progress (entries are changed in place); coalesces concurrent calls. */
  async save(): Promise<void> {
    if (this.dirty) return this.writing;
    this.dirty = true;
    this.writing = this.writing.then(async () => {
      this.dirty = false;
      await mkdir(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.${++this.writes}.tmp`;
      await writeFile(tmp, JSON.stringify(this.data));
      await rename(tmp, this.file);
    });
    return this.writing;
  }
}
