// The merged file tree: every source's tar streams are applied onto one of these with overlay
// semantics, then the ext4 writer lays it out. Holds metadata only; file bytes go to a DataStore.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { addAbortSignal, type Readable } from 'node:stream';
import type { Layer } from '../sources/source.js';
import { TarReader, printable, type TarHeader, type TarSink, type Timestamp } from '../tar/reader.js';
import type { DataRef, DataStore, DataWriter } from './data-store.js';
import { fromBytes, joinPath, splitPath, toBytes } from './path.js';

export type { Timestamp } from '../tar/reader.js';
export type NodeKind = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

/** Metadata a caller may give when adding a node; anything left out gets the default. */
export interface NodeMeta {
  /** Permission bits incl. setuid/setgid/sticky (07777). Default 0644 files, 0755 dirs, 0777 symlinks. */
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Timestamp;
  /** xattr name to value (e.g. `security.capability`), byte-exact. */
  xattrs?: Map<string, Buffer>;
}

export type TreeErrorKind =
  | 'missing-link-target'
  | 'link-to-directory'
  | 'symlink-loop'
  | 'not-found'
  | 'not-a-file'
  | 'bad-entry'
  | 'aborted';

export class TreeError extends Error {
  constructor(
    readonly kind: TreeErrorKind,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TreeError';
  }
}

/** One inode of the tree. Hard links are several directory entries naming the same Node. */
export class Node {
  mode: number;
  uid: number;
  gid: number;
  mtime: Timestamp;
  xattrs: Map<string, Buffer>;
  /** Regular files: where the bytes are. */
  data: DataRef | null = null;
  /** Symlinks: the target as bytes (latin1 string). */
  target = '';
  devmajor = 0;
  devminor = 0;
  /** Directories: name (bytes, latin1 string) to child. */
  readonly entries: Map<string, Node> | null;
  /** How many directory entries name this node. */
  links = 0;
  /** The layer that last wrote this entry (opaque whiteouts hide lower layers only). */
  layer = 0;

  constructor(
    readonly kind: NodeKind,
    meta: Required<NodeMeta>,
  ) {
    this.mode = meta.mode & 0o7777;
    this.uid = meta.uid;
    this.gid = meta.gid;
    this.mtime = meta.mtime;
    this.xattrs = meta.xattrs;
    this.entries = kind === 'dir' ? new Map() : null;
  }

  /** File size in bytes; a symlink's is its target's length. */
  get size(): number {
    if (this.kind === 'file') return this.data?.size ?? 0;
    if (this.kind === 'symlink') return this.target.length;
    return 0;
  }
}

export interface ApplyOptions {
  signal?: AbortSignal;
  /** Called with the number of tar bytes consumed so far. */
  onProgress?: (bytes: number) => void;
}

const MAX_SYMLINK_HOPS = 40;

export class FileTree {
  readonly root: Node;
  private layerNo = 0;
  private readonly epoch: Timestamp;

  constructor(
    readonly store: DataStore,
    options: { epoch?: number } = {},
  ) {
    this.epoch = { sec: options.epoch ?? 0, nsec: 0 };
    this.root = new Node('dir', this.defaults('dir', {}));
    this.root.links = 1;
  }

  /** Applies one layer's tar stream on top of what is there (see Layer in sources/source.ts). */
  async applyLayer(layer: Layer, options: ApplyOptions = {}): Promise<void> {
    const stream = await layer.open();
    await this.applyTar(stream, layer.name, { whiteouts: layer.whiteouts, mapPath: layer.mapPath, ...options });
  }

  /** Applies a raw (uncompressed) tar stream. */
  async applyTar(
    stream: Readable,
    name: string,
    options: ApplyOptions & { whiteouts?: boolean; mapPath?: ((path: string) => string | null) | undefined } = {},
  ): Promise<void> {
    const layer = ++this.layerNo;
    const sink = new TreeSink(this, layer, name, options.whiteouts ?? false, options.mapPath);
    const reader = new TarReader(sink, name);
    let bytes = 0;
    const signal = options.signal;
    if (signal) addAbortSignal(signal, stream);
    try {
      for await (const chunk of stream) {
        if (signal?.aborted) throw new TreeError('aborted', `${name}: interrupted`);
        reader.push(chunk as Buffer);
        bytes += (chunk as Buffer).length;
        options.onProgress?.(bytes);
      }
      reader.finish();
    } catch (err) {
      stream.destroy();
      if (signal?.aborted) throw new TreeError('aborted', `${name}: interrupted`, undefined, { cause: err });
      if ((err as { kind?: string }).kind !== undefined) throw err; // our typed errors already name the entry
      const entry = reader.currentPath;
      throw new TreeError('bad-entry', `${name}${entry ? `: ${printable(entry)}` : ''}: ${(err as Error).message}`, (err as { hint?: string }).hint, { cause: err });
    }
  }

  // ---- programmatic edits (recipe builder, OCI converter) ----

  /** Adds (or replaces) a regular file from a buffer or a host file; parents are created. */
  async addFile(path: string, content: Buffer | { hostPath: string }, meta: NodeMeta = {}): Promise<Node> {
    const parts = this.parts(path);
    const node = new Node('file', this.defaults('file', meta));
    const label = joinPath(parts);
    if (Buffer.isBuffer(content)) {
      const w = this.store.begin(content.length, label);
      w.write(content);
      node.data = w.end();
    } else {
      const st = await stat(content.hostPath);
      if (!st.isFile()) throw new TreeError('not-a-file', `${content.hostPath}: not a regular file`);
      const w = this.store.begin(st.size, label);
      let got = 0;
      for await (const chunk of createReadStream(content.hostPath, { highWaterMark: 1 << 20 })) {
        got += (chunk as Buffer).length;
        if (got > st.size) break;
        w.write(chunk as Buffer);
      }
      if (got !== st.size) throw new TreeError('bad-entry', `${content.hostPath}: file changed size while it was read`);
      node.data = w.end();
    }
    return this.place(parts, node, this.layerNo);
  }

  /** Creates a directory and its parents (like mkdir -p); an existing one gets the given metadata. */
  mkdir(path: string, meta: NodeMeta = {}): Node {
    return this.place(this.parts(path), new Node('dir', this.defaults('dir', meta)), this.layerNo, meta);
  }

  symlink(path: string, target: string, meta: NodeMeta = {}): Node {
    const node = new Node('symlink', this.defaults('symlink', meta));
    node.target = toBytes(target);
    return this.place(this.parts(path), node, this.layerNo);
  }

  /** Creates a device node, fifo or socket. */
  mknod(path: string, kind: 'char' | 'block' | 'fifo' | 'socket', meta: NodeMeta = {}, dev: { major: number; minor: number } = { major: 0, minor: 0 }): Node {
    const node = new Node(kind, this.defaults(kind, meta));
    node.devmajor = dev.major;
    node.devminor = dev.minor;
    return this.place(this.parts(path), node, this.layerNo);
  }

  /** Adds a hard link at `path` to the existing non-directory at `existing`. */
  link(path: string, existing: string): Node {
    const target = this.linkTarget(this.parts(existing), joinPath(this.parts(path)));
    return this.place(this.parts(path), target, this.layerNo);
  }

  /** Removes a path (recursively); returns whether it existed. */
  remove(path: string): boolean {
    return this.removeParts(this.parts(path));
  }

  chmod(path: string, mode: number): void {
    this.mustLookup(path).mode = mode & 0o7777;
  }

  chown(path: string, uid: number, gid: number): void {
    const node = this.mustLookup(path);
    node.uid = uid;
    node.gid = gid;
  }

  setXattr(path: string, name: string, value: Buffer): void {
    this.mustLookup(path).xattrs.set(toBytes(name), value);
  }

  /** The node at `path`; symlinks are followed (inside the tree) only when `follow` is set. */
  lookup(path: string, options: { follow?: boolean } = {}): Node | undefined {
    const parts = this.parts(path);
    return options.follow ? this.resolve(parts, true, path) : this.find(parts);
  }

  /** Reads a regular file, following symlinks inside the tree (e.g. /etc/passwd). */
  async readFile(path: string): Promise<Buffer> {
    const node = this.resolve(this.parts(path), true, path);
    if (!node) throw new TreeError('not-found', `${path}: no such file in the image`);
    if (node.kind !== 'file') throw new TreeError('not-a-file', `${path}: not a regular file (${node.kind})`);
    return node.data ? this.store.read(node.data) : Buffer.alloc(0);
  }

  /** Every entry, depth first, children in byte order: [path (JavaScript string), node]. */
  *walk(): Generator<[string, Node]> {
    const stack: [string, Node][] = [['/', this.root]];
    while (stack.length) {
      const [path, node] = stack.pop()!;
      yield [path, node];
      if (node.entries) {
        const names = [...node.entries.keys()].sort().reverse();
        for (const name of names) stack.push([(path === '/' ? '/' : path + '/') + fromBytes(name), node.entries.get(name)!]);
      }
    }
  }

  // ---- internals shared with the tar sink ----

  /** @internal */
  defaults(kind: NodeKind, meta: NodeMeta): Required<NodeMeta> {
    return {
      mode: meta.mode ?? (kind === 'dir' ? 0o755 : kind === 'symlink' ? 0o777 : 0o644),
      uid: meta.uid ?? 0,
      gid: meta.gid ?? 0,
      mtime: meta.mtime ?? this.epoch,
      xattrs: meta.xattrs ?? new Map(),
    };
  }

  /**
   * Puts `node` at `parts`. Missing parents become directories, as does a parent that is not one
   * (symlinks are never followed). Two directories merge: the existing one keeps its children and
   * takes the new metadata. Anything else is replaced.
   * @internal
   */
  place(parts: string[], node: Node, layer: number, meta?: NodeMeta): Node {
    node.layer = layer;
    if (parts.length === 0) {
      if (node.kind === 'dir') this.copyMeta(this.root, node, meta);
      return this.root;
    }
    const parent = this.parentDir(parts, layer);
    const name = parts[parts.length - 1]!;
    const old = parent.entries!.get(name);
    if (old) {
      if (old.kind === 'dir' && node.kind === 'dir') {
        this.copyMeta(old, node, meta);
        old.layer = layer;
        return old;
      }
      if (old === node) return old;
      this.unref(old);
    }
    parent.entries!.set(name, node);
    node.links++;
    return node;
  }

  /** @internal */
  removeParts(parts: string[]): boolean {
    if (parts.length === 0) {
      for (const child of this.root.entries!.values()) this.unref(child);
      this.root.entries!.clear();
      return true;
    }
    const parent = this.find(parts.slice(0, -1));
    const name = parts[parts.length - 1]!;
    const old = parent?.entries?.get(name);
    if (!old) return false;
    parent!.entries!.delete(name);
    this.unref(old);
    return true;
  }

  /** Opaque whiteout: hide everything below `parts` that lower layers put there. @internal */
  makeOpaque(parts: string[], layer: number): void {
    const dir = this.parentDir([...parts, ''], layer);
    this.pruneLower(dir, layer);
  }

  /** Finds a hard link's target: the exact path first, then through symlinked parents. @internal */
  linkTarget(parts: string[], linkName: string): Node {
    let node: Node | undefined;
    try {
      node = this.find(parts) ?? this.resolve(parts, false, joinPath(parts));
    } catch (err) {
      throw new TreeError('symlink-loop', `${linkName}: hard link target ${fromBytes(joinPath(parts))}: symlink loop`, undefined, { cause: err });
    }
    if (!node) {
      throw new TreeError('missing-link-target', `${linkName}: hard link to missing target ${fromBytes(joinPath(parts))}`, 'the target must come earlier in the archive');
    }
    if (node.kind === 'dir') throw new TreeError('link-to-directory', `${linkName}: hard link to a directory (${fromBytes(joinPath(parts))})`);
    return node;
  }

  private pruneLower(dir: Node, layer: number): void {
    for (const [name, child] of dir.entries!) {
      if (child.layer < layer) {
        dir.entries!.delete(name);
        this.unref(child);
      } else if (child.kind === 'dir') {
        this.pruneLower(child, layer);
      }
    }
  }

  private copyMeta(into: Node, from: Node, meta?: NodeMeta): void {
    // Programmatic mkdir of an existing directory changes only what the caller gave.
    if (meta && meta.mode === undefined && meta.uid === undefined && meta.gid === undefined && meta.mtime === undefined && meta.xattrs === undefined) return;
    into.mode = meta && meta.mode === undefined ? into.mode : from.mode;
    into.uid = meta && meta.uid === undefined ? into.uid : from.uid;
    into.gid = meta && meta.gid === undefined ? into.gid : from.gid;
    into.mtime = meta && meta.mtime === undefined ? into.mtime : from.mtime;
    into.xattrs = meta && meta.xattrs === undefined ? into.xattrs : from.xattrs;
  }

  private parentDir(parts: string[], layer: number): Node {
    let dir = this.root;
    for (let i = 0; i < parts.length - 1; i++) {
      const name = parts[i]!;
      let child = dir.entries!.get(name);
      if (!child || child.kind !== 'dir') {
        if (child) this.unref(child);
        child = new Node('dir', this.defaults('dir', {}));
        child.links = 1;
        dir.entries!.set(name, child);
      }
      // A directory this layer writes into is this layer's too: an opaque marker later in the
      // same layer must keep the path to what the layer added.
      child.layer = Math.max(child.layer, layer);
      dir = child;
    }
    return dir;
  }

  private unref(node: Node): void {
    if (--node.links > 0) return;
    if (node.data) {
      this.store.free(node.data);
      node.data = null;
    }
    if (node.entries) {
      for (const child of node.entries.values()) this.unref(child);
      node.entries.clear();
    }
  }

  private find(parts: string[]): Node | undefined {
    let node: Node | undefined = this.root;
    for (const name of parts) {
      node = node.entries?.get(name);
      if (!node) return undefined;
    }
    return node;
  }

  /** Walks `parts`, following symlinks inside the tree (absolute targets start at its root). */
  private resolve(parts: string[], followLast: boolean, label: string): Node | undefined {
    let hops = 0;
    let todo = [...parts];
    let dirParts: string[] = [];
    let node: Node = this.root;
    while (todo.length) {
      const name = todo.shift()!;
      const child = node.entries?.get(name);
      if (!child) return undefined;
      if (child.kind === 'symlink' && (todo.length > 0 || followLast)) {
        if (++hops > MAX_SYMLINK_HOPS) throw new TreeError('symlink-loop', `${fromBytes(label)}: symlink loop (more than ${MAX_SYMLINK_HOPS} links followed)`);
        const base = child.target.startsWith('/') ? [] : dirParts;
        todo = [...splitPath(base.concat(child.target).join('/')), ...todo];
        dirParts = [];
        node = this.root;
        continue;
      }
      dirParts.push(name);
      node = child;
    }
    return node;
  }

  private mustLookup(path: string): Node {
    const node = this.find(this.parts(path));
    if (!node) throw new TreeError('not-found', `${path}: no such file in the image`);
    return node;
  }

  private parts(path: string): string[] {
    return splitPath(toBytes(path));
  }
}

/** Applies tar entries to a tree. */
class TreeSink implements TarSink {
  private file: { parts: string[]; header: TarHeader; writer: DataWriter } | null = null;

  constructor(
    private readonly tree: FileTree,
    private readonly layer: number,
    private readonly archive: string,
    private readonly whiteouts: boolean,
    private readonly mapPath: ((path: string) => string | null) | undefined,
  ) {}

  entry(h: TarHeader): void {
    this.file = null;
    const parts = this.map(h.path);
    if (!parts) return;
    const name = parts[parts.length - 1];
    if (this.whiteouts && name?.startsWith('.wh.')) {
      const dir = parts.slice(0, -1);
      if (name === '.wh..wh..opq') this.tree.makeOpaque(dir, this.layer);
      else this.tree.removeParts([...dir, name.slice(4)]);
      return;
    }
    const meta = { mode: h.mode, uid: h.uid, gid: h.gid, mtime: h.mtime, xattrs: h.xattrs };
    switch (h.type) {
      case 'file':
        this.file = { parts, header: h, writer: this.tree.store.begin(h.size, `${this.archive}: ${printable(h.path)}`) };
        return;
      case 'hardlink': {
        const target = this.map(h.linkpath);
        if (!target) return;
        const node = this.tree.linkTarget(target, `${this.archive}: ${printable(h.path)}`);
        this.tree.place(parts, node, this.layer);
        return;
      }
      case 'symlink': {
        if (h.linkpath === '') throw new TreeError('bad-entry', `${this.archive}: ${printable(h.path)}: symlink with an empty target`);
        const node = new Node('symlink', this.tree.defaults('symlink', meta));
        node.target = h.linkpath;
        this.tree.place(parts, node, this.layer);
        return;
      }
      case 'char':
      case 'block':
      case 'fifo': {
        const node = new Node(h.type, this.tree.defaults(h.type, meta));
        node.devmajor = h.devmajor;
        node.devminor = h.devminor;
        this.tree.place(parts, node, this.layer);
        return;
      }
      case 'dir':
        this.tree.place(parts, new Node('dir', this.tree.defaults('dir', meta)), this.layer);
        return;
    }
  }

  data(chunk: Buffer): void {
    this.file?.writer.write(chunk);
  }

  end(): void {
    if (!this.file) return;
    const { parts, header: h, writer } = this.file;
    this.file = null;
    const node = new Node('file', this.tree.defaults('file', { mode: h.mode, uid: h.uid, gid: h.gid, mtime: h.mtime, xattrs: h.xattrs }));
    node.data = writer.end();
    this.tree.place(parts, node, this.layer);
  }

  private map(path: string): string[] | null {
    if (!this.mapPath) return splitPath(path);
    const mapped = this.mapPath(fromBytes(path));
    return mapped === null ? null : splitPath(toBytes(mapped));
  }
}
