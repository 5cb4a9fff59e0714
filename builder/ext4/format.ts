// On-disk ext4 structures, mirrored from the kernel's fs/ext4/ext4.h, ext4_extents.h and xattr.h
// (Linux 6.1). Data only: each struct is a table of byte offsets with its size, named as the header
// names the fields, so one grep finds both. Every field is little-endian.

export const EXT4_SUPER_MAGIC = 0xef53;
export const EXT4_MIN_BLOCK_SIZE = 1024;
/** The superblock sits 1024 bytes into the device, whatever the block size. */
export const EXT4_SUPERBLOCK_OFFSET = 1024;
export const EXT4_GOOD_OLD_INODE_SIZE = 128;
export const EXT4_N_BLOCKS = 15;
export const EXT4_NAME_LEN = 255;
export const EXT4_LINK_MAX = 65000;

export const EXT4_ROOT_INO = 2;
/** First inode a file may use; lost+found takes it, as mke2fs does. */
export const EXT4_GOOD_OLD_FIRST_INO = 11;

export const EXT4_DYNAMIC_REV = 1;
export const EXT4_OS_LINUX = 0;
export const EXT4_VALID_FS = 0x0001;
export const EXT4_ERRORS_CONTINUE = 1;
export const DX_HASH_HALF_MD4 = 1;

export const EXT4_FEATURE_COMPAT = {
  DIR_PREALLOC: 0x0001,
  IMAGIC_INODES: 0x0002,
  HAS_JOURNAL: 0x0004,
  EXT_ATTR: 0x0008,
  RESIZE_INODE: 0x0010,
  DIR_INDEX: 0x0020,
  SPARSE_SUPER2: 0x0200,
} as const;

export const EXT4_FEATURE_INCOMPAT = {
  FILETYPE: 0x0002,
  RECOVER: 0x0004,
  JOURNAL_DEV: 0x0008,
  META_BG: 0x0010,
  EXTENTS: 0x0040,
  '64BIT': 0x0080,
  MMP: 0x0100,
  FLEX_BG: 0x0200,
  EA_INODE: 0x0400,
  DIRDATA: 0x1000,
  CSUM_SEED: 0x2000,
  LARGEDIR: 0x4000,
  INLINE_DATA: 0x8000,
  ENCRYPT: 0x10000,
} as const;

export const EXT4_FEATURE_RO_COMPAT = {
  SPARSE_SUPER: 0x0001,
  LARGE_FILE: 0x0002,
  BTREE_DIR: 0x0004,
  HUGE_FILE: 0x0008,
  GDT_CSUM: 0x0010,
  DIR_NLINK: 0x0020,
  EXTRA_ISIZE: 0x0040,
  QUOTA: 0x0100,
  BIGALLOC: 0x0200,
  METADATA_CSUM: 0x0400,
  READONLY: 0x1000,
  PROJECT: 0x2000,
} as const;

/** s_flags */
export const EXT2_FLAGS = { SIGNED_HASH: 0x0001, UNSIGNED_HASH: 0x0002 } as const;
/** s_default_mount_opts */
export const EXT4_DEFM = { XATTR_USER: 0x0004, ACL: 0x0008 } as const;

/** struct ext4_super_block: 1024 bytes at EXT4_SUPERBLOCK_OFFSET. */
export const ext4_super_block = {
  sizeof: 1024,
  s_inodes_count: 0,
  s_blocks_count_lo: 4,
  s_r_blocks_count_lo: 8,
  s_free_blocks_count_lo: 12,
  s_free_inodes_count: 16,
  s_first_data_block: 20,
  s_log_block_size: 24,
  s_log_cluster_size: 28,
  s_blocks_per_group: 32,
  s_clusters_per_group: 36,
  s_inodes_per_group: 40,
  s_mtime: 44,
  s_wtime: 48,
  s_mnt_count: 52, // u16
  s_max_mnt_count: 54, // s16
  s_magic: 56, // u16
  s_state: 58, // u16
  s_errors: 60, // u16
  s_minor_rev_level: 62, // u16
  s_lastcheck: 64,
  s_checkinterval: 68,
  s_creator_os: 72,
  s_rev_level: 76,
  s_def_resuid: 80, // u16
  s_def_resgid: 82, // u16
  s_first_ino: 84,
  s_inode_size: 88, // u16
  s_block_group_nr: 90, // u16
  s_feature_compat: 92,
  s_feature_incompat: 96,
  s_feature_ro_compat: 100,
  s_uuid: 104, // u8[16]
  s_volume_name: 120, // char[16]
  s_last_mounted: 136, // char[64]
  s_algorithm_usage_bitmap: 200,
  s_prealloc_blocks: 204, // u8
  s_prealloc_dir_blocks: 205, // u8
  s_reserved_gdt_blocks: 206, // u16
  s_journal_uuid: 208, // u8[16]
  s_journal_inum: 224,
  s_journal_dev: 228,
  s_last_orphan: 232,
  s_hash_seed: 236, // u32[4]
  s_def_hash_version: 252, // u8
  s_jnl_backup_type: 253, // u8
  s_desc_size: 254, // u16
  s_default_mount_opts: 256,
  s_first_meta_bg: 260,
  s_mkfs_time: 264,
  s_jnl_blocks: 268, // u32[17]
  s_blocks_count_hi: 336,
  s_r_blocks_count_hi: 340,
  s_free_blocks_count_hi: 344,
  s_min_extra_isize: 348, // u16
  s_want_extra_isize: 350, // u16
  s_flags: 352,
  s_raid_stride: 356, // u16
  s_mmp_update_interval: 358, // u16
  s_mmp_block: 360, // u64
  s_raid_stripe_width: 368,
  s_log_groups_per_flex: 372, // u8
  s_checksum_type: 373, // u8
  s_encryption_level: 374, // u8
  s_reserved_pad: 375, // u8
  s_kbytes_written: 376, // u64
  s_snapshot_inum: 384,
  s_snapshot_id: 388,
  s_snapshot_r_blocks_count: 392, // u64
  s_snapshot_list: 400,
  s_error_count: 404,
  s_first_error_time: 408,
  s_first_error_ino: 412,
  s_first_error_block: 416, // u64
  s_first_error_func: 424, // u8[32]
  s_first_error_line: 456,
  s_last_error_time: 460,
  s_last_error_ino: 464,
  s_last_error_line: 468,
  s_last_error_block: 472, // u64
  s_last_error_func: 480, // u8[32]
  s_mount_opts: 512, // u8[64]
  s_usr_quota_inum: 576,
  s_grp_quota_inum: 580,
  s_overhead_clusters: 584,
  s_backup_bgs: 588, // u32[2]
  s_encrypt_algos: 596, // u8[4]
  s_encrypt_pw_salt: 600, // u8[16]
  s_lpf_ino: 616,
  s_prj_quota_inum: 620,
  s_checksum_seed: 624,
  s_wtime_hi: 628, // u8
  s_mtime_hi: 629,
  s_mkfs_time_hi: 630,
  s_lastcheck_hi: 631,
  s_first_error_time_hi: 632,
  s_last_error_time_hi: 633,
  s_first_error_errcode: 634,
  s_last_error_errcode: 635,
  s_encoding: 636, // u16
  s_encoding_flags: 638, // u16
  s_orphan_file_inum: 640,
  s_reserved: 644, // u32[94]
  s_checksum: 1020,
} as const;

/** struct ext4_group_desc without the 64bit half (s_desc_size 0 means 32 bytes). */
export const ext4_group_desc = {
  sizeof: 32,
  bg_block_bitmap_lo: 0,
  bg_inode_bitmap_lo: 4,
  bg_inode_table_lo: 8,
  bg_free_blocks_count_lo: 12, // u16
  bg_free_inodes_count_lo: 14, // u16
  bg_used_dirs_count_lo: 16, // u16
  bg_flags: 18, // u16
  bg_exclude_bitmap_lo: 20,
  bg_block_bitmap_csum_lo: 24, // u16
  bg_inode_bitmap_csum_lo: 26, // u16
  bg_itable_unused_lo: 28, // u16
  bg_checksum: 30, // u16
} as const;

/** struct ext4_inode, including the fields past EXT4_GOOD_OLD_INODE_SIZE that i_extra_isize covers. */
export const ext4_inode = {
  sizeof: 160,
  i_mode: 0, // u16
  i_uid: 2, // u16
  i_size_lo: 4,
  i_atime: 8,
  i_ctime: 12,
  i_mtime: 16,
  i_dtime: 20,
  i_gid: 24, // u16
  i_links_count: 26, // u16
  i_blocks_lo: 28,
  i_flags: 32,
  l_i_version: 36,
  i_block: 40, // u32[EXT4_N_BLOCKS]
  i_generation: 100,
  i_file_acl_lo: 104,
  i_size_high: 108,
  i_obso_faddr: 112,
  l_i_blocks_high: 116, // u16
  l_i_file_acl_high: 118, // u16
  l_i_uid_high: 120, // u16
  l_i_gid_high: 122, // u16
  l_i_checksum_lo: 124, // u16
  l_i_reserved: 126, // u16
  i_extra_isize: 128, // u16
  i_checksum_hi: 130, // u16
  i_ctime_extra: 132,
  i_mtime_extra: 136,
  i_atime_extra: 140,
  i_crtime: 144,
  i_crtime_extra: 148,
  i_version_hi: 152,
  i_projid: 156,
} as const;

/** i_flags */
export const EXT4_INODE_FLAGS = {
  INDEX_FL: 0x00001000,
  HUGE_FILE_FL: 0x00040000,
  EXTENTS_FL: 0x00080000,
  INLINE_DATA_FL: 0x10000000,
} as const;

/** i_mode file type bits (S_IF*). */
export const S_IF = {
  SOCK: 0o140000,
  LNK: 0o120000,
  REG: 0o100000,
  BLK: 0o060000,
  DIR: 0o040000,
  CHR: 0o020000,
  FIFO: 0o010000,
} as const;

/** EXT4_EPOCH_BITS: the low bits of i_*time_extra extend the seconds past 2038. */
export const EXT4_EPOCH_BITS = 2;

export const EXT4_EXT_MAGIC = 0xf30a;
/** The longest initialized extent (ee_len above this marks an unwritten extent). */
export const EXT_INIT_MAX_LEN = 32768;

/** struct ext4_extent_header */
export const ext4_extent_header = {
  sizeof: 12,
  eh_magic: 0, // u16
  eh_entries: 2, // u16
  eh_max: 4, // u16
  eh_depth: 6, // u16
  eh_generation: 8,
} as const;

/** struct ext4_extent: a leaf entry. */
export const ext4_extent = {
  sizeof: 12,
  ee_block: 0,
  ee_len: 4, // u16
  ee_start_hi: 6, // u16
  ee_start_lo: 8,
} as const;

/** struct ext4_extent_idx: an index entry. */
export const ext4_extent_idx = {
  sizeof: 12,
  ei_block: 0,
  ei_leaf_lo: 4,
  ei_leaf_hi: 8, // u16
  ei_unused: 10, // u16
} as const;

/** struct ext4_dir_entry_2 (name follows, padded to 4 bytes). */
export const ext4_dir_entry_2 = {
  sizeof: 8,
  inode: 0,
  rec_len: 4, // u16
  name_len: 6, // u8
  file_type: 7, // u8
} as const;

export const EXT4_FT = {
  UNKNOWN: 0,
  REG_FILE: 1,
  DIR: 2,
  CHRDEV: 3,
  BLKDEV: 4,
  FIFO: 5,
  SOCK: 6,
  SYMLINK: 7,
} as const;

export const EXT4_XATTR_MAGIC = 0xea020000;
/** Values and entries are padded to EXT4_XATTR_PAD bytes. */
export const EXT4_XATTR_PAD = 4;

/** struct ext4_xattr_header: starts an xattr block. */
export const ext4_xattr_header = {
  sizeof: 32,
  h_magic: 0,
  h_refcount: 4,
  h_blocks: 8,
  h_hash: 12,
  h_checksum: 16,
  h_reserved: 20, // u32[3]
} as const;

/** struct ext4_xattr_ibody_header: starts the in-inode xattr area after i_extra_isize. */
export const ext4_xattr_ibody_header = {
  sizeof: 4,
  h_magic: 0,
} as const;

/** struct ext4_xattr_entry (name follows, then padding to 4 bytes). */
export const ext4_xattr_entry = {
  sizeof: 16,
  e_name_len: 0, // u8
  e_name_index: 1, // u8
  e_value_offs: 2, // u16
  e_value_inum: 4,
  e_value_size: 8,
  e_hash: 12,
} as const;

/** e_name_index values and the name prefixes they stand for (fs/ext4/xattr.h). */
export const EXT4_XATTR_INDEX = {
  USER: 1,
  POSIX_ACL_ACCESS: 2,
  POSIX_ACL_DEFAULT: 3,
  TRUSTED: 4,
  SECURITY: 6,
  SYSTEM: 7,
} as const;

/** On-disk POSIX ACLs (fs/ext4/acl.h): a version-1 header, then short or full entries. */
export const EXT4_ACL_VERSION = 0x0001;
export const ext4_acl_entry = { sizeof: 8, e_tag: 0, e_perm: 2, e_id: 4 } as const;
export const ext4_acl_entry_short = { sizeof: 4, e_tag: 0, e_perm: 2 } as const;
/** The user-space (xattr) form that tar archives carry: include/uapi/linux/posix_acl_xattr.h. */
export const POSIX_ACL_XATTR_VERSION = 0x0002;
export const posix_acl_xattr_entry = { sizeof: 8, e_tag: 0, e_perm: 2, e_id: 4 } as const;
export const ACL_TAG = {
  USER_OBJ: 0x01,
  USER: 0x02,
  GROUP_OBJ: 0x04,
  GROUP: 0x08,
  MASK: 0x10,
  OTHER: 0x20,
} as const;

/** bg_flags */
export const EXT4_BG = { INODE_UNINIT: 0x0001, BLOCK_UNINIT: 0x0002, INODE_ZEROED: 0x0004 } as const;

/** s_checksum_type */
export const EXT4_CRC32C_CHKSUM = 1;

/** struct ext4_extent_tail: follows eh_max entries in an extent block (metadata_csum). */
export const ext4_extent_tail = { sizeof: 4, et_checksum: 0 } as const;

/** struct ext4_dir_entry_tail: a fake entry closing each directory block (metadata_csum). */
export const ext4_dir_entry_tail = {
  sizeof: 12,
  det_reserved_zero1: 0,
  det_rec_len: 4, // u16
  det_reserved_zero2: 6, // u8
  det_reserved_ft: 7, // u8
  det_checksum: 8,
} as const;
export const EXT4_FT_DIR_CSUM = 0xde;

/**
 * Hashed directories (fs/ext4/namei.c): block 0 is a dx_root, fake "." and ".." entries (the
 * second spanning the block) followed by dx_root_info and the dx_entry table; the other blocks are
 * ordinary leaf blocks holding the names whose hashes fall in each entry's range.
 */
export const dx_root = {
  sizeof: 32,
  dot: 0, // fake_dirent + ".\0\0\0"
  dotdot: 12, // fake_dirent + "..\0\0"
  info_reserved_zero: 24,
  info_hash_version: 28, // u8
  info_length: 29, // u8, always 8
  info_indirect_levels: 30, // u8
  info_unused_flags: 31, // u8
} as const;
/** struct dx_countlimit: takes the place of the first dx_entry's hash. */
export const dx_countlimit = { sizeof: 4, limit: 0, count: 2 } as const;
export const dx_entry = { sizeof: 8, hash: 0, block: 4 } as const;
/** struct dx_tail: after `limit` entries when metadata_csum is on. */
export const dx_tail = { sizeof: 8, dt_reserved: 0, dt_checksum: 4 } as const;
export const EXT4_HTREE_EOF_32BIT = 0x7fffffff;
