// Object storage for outputs: S3 (or any S3-compatible server) when configured, a local folder otherwise.
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';

/** Where Bolt IA keeps scripts, audio, subtitles and manifests. */
export interface ObjectStorage {
  /** Human-readable location, for logs and the README's promises (never includes credentials). */
  readonly description: string;
  put(key: string, body: Buffer | string, contentType: string): Promise<void>;
  get(key: string): Promise<Buffer>;
  stream(key: string): Promise<Readable>;
  /** Size in bytes, or undefined when the object does not exist. */
  size(key: string): Promise<number | undefined>;
  list(prefix: string): Promise<string[]>;
  /** Deletes an object; deleting one that does not exist is not an error. */
  remove(key: string): Promise<void>;
}

/** Rejects keys that could escape the storage root or are not plain relative paths. */
export function checkKey(key: string): string {
  if (!key || key.startsWith('/') || key.split('/').some((p) => p === '' || p === '.' || p === '..')) {
    throw new Error(`invalid storage key: ${JSON.stringify(key)}`);
  }
  return key;
}

/** Stores objects as files below a root folder. */
export class LocalFolderStorage implements ObjectStorage {
  constructor(readonly root: string) {}
  get description() {
    return `local folder ${this.root}`;
  }
  private file(key: string) {
    return path.join(this.root, checkKey(key));
  }
  async put(key: string, body: Buffer | string): Promise<void> {
    const file = this.file(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    // Write then rename, so a crash never leaves a half-written object under its final name.
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await fs.writeFile(tmp, body);
    await fs.rename(tmp, file);
  }
  async get(key: string): Promise<Buffer> {
    return fs.readFile(this.file(key));
  }
  async stream(key: string): Promise<Readable> {
    const file = this.file(key);
    await fs.access(file);
    return createReadStream(file);
  }
  async size(key: string): Promise<number | undefined> {
    try {
      return (await fs.stat(this.file(key))).size;
    } catch {
      return undefined;
    }
  }
  async remove(key: string): Promise<void> {
    await fs.rm(this.file(key), { force: true });
  }
  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (!e.name.endsWith('.tmp')) out.push(path.relative(this.root, full).split(path.sep).join('/'));
      }
    };
    // Walk only the folder the prefix names (a job's folder, a batch's), never the whole outputs tree.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const root = path.resolve(this.root);
    const start = path.resolve(root, folder);
    if (start !== root && !start.startsWith(root + path.sep)) return [];
    await walk(start);
    return out.filter((k) => k.startsWith(prefix)).sort();
  }
}

export interface S3StorageOptions {
  bucket: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  /** Explicit credentials; by default the AWS SDK's chain (AWS_ACCESS_KEY_ID, profiles, roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** Stores objects in an S3 bucket through the AWS SDK. */
export class S3Storage implements ObjectStorage {
  readonly client: S3Client;
  constructor(readonly options: S3StorageOptions) {
    const config: S3ClientConfig = { region: options.region, forcePathStyle: options.forcePathStyle };
    if (options.endpoint) config.endpoint = options.endpoint;
    if (options.credentials) config.credentials = options.credentials;
    this.client = new S3Client(config);
  }
  get description() {
    return `s3://${this.options.bucket}${this.options.endpoint ? ` at ${this.options.endpoint}` : ''}`;
  }
  /** Creates the bucket when it does not exist yet. */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket }));
    } catch {
      await this.client.send(new CreateBucketCommand({ Bucket: this.options.bucket }));
    }
  }
  async put(key: string, body: Buffer | string, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: checkKey(key), Body: body, ContentType: contentType }));
  }
  async get(key: string): Promise<Buffer> {
    const res = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: checkKey(key) }));
    if (!res.Body) throw new Error(`object ${key} has no body`);
    return Buffer.from(await res.Body.transformToByteArray());
  }
  async stream(key: string): Promise<Readable> {
    const res = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: checkKey(key) }));
    if (!res.Body) throw new Error(`object ${key} has no body`);
    return res.Body as Readable;
  }
  async size(key: string): Promise<number | undefined> {
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: checkKey(key) }));
      return res.ContentLength;
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404) return undefined;
      throw err;
    }
  }
  async remove(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: checkKey(key) }));
  }
  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const res = await this.client.send(new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of res.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }
}

/**
 * The outputs store of a process (API, worker or local stack): S3 when configured, its bucket created when
 * missing, else the `outputs` folder of the data directory.
 */
export async function openStorage(s3: S3StorageOptions | undefined, dataDir: string): Promise<ObjectStorage> {
  if (!s3) return new LocalFolderStorage(path.join(dataDir, 'outputs'));
  const storage = new S3Storage({ ...s3 });
  await storage.ensureBucket();
  return storage;
}
