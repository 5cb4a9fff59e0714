// Where a tree keeps regular-file content. The tree holds only metadata and a DataRef per file;
// the store decides where bytes live (the ext4 data area writes them straight into the image).

/** A stored file's content: opaque to the tree, understood by the store that made it. */
export interface DataRef {
  readonly size: number;
}

/** Receives one file's bytes in order, then seals them. */
export interface DataWriter {
  write(chunk: Buffer): void;
  end(): DataRef;
}

export interface DataStore {
  /** Starts storing a file of exactly `size` bytes; `name` labels errors (e.g. out of space). */
  begin(size: number, name: string): DataWriter;
  /** The file is gone from the tree: forget (and scrub) its bytes. */
  free(ref: DataRef): void;
  read(ref: DataRef): Buffer;
}
