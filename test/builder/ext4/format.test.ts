// Every on-disk struct's offsets end where the kernel's sizeof says.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as f from '../../../builder/ext4/format.js';

const LAST: [string, Record<string, number>, string, number][] = [
  ['ext4_super_block', f.ext4_super_block, 's_checksum', 4],
  ['ext4_group_desc', f.ext4_group_desc, 'bg_checksum', 2],
  ['ext4_inode', f.ext4_inode, 'i_projid', 4],
  ['ext4_extent_header', f.ext4_extent_header, 'eh_generation', 4],
  ['ext4_extent', f.ext4_extent, 'ee_start_lo', 4],
  ['ext4_extent_idx', f.ext4_extent_idx, 'ei_unused', 2],
  ['ext4_dir_entry_2', f.ext4_dir_entry_2, 'file_type', 1],
  ['ext4_xattr_header', f.ext4_xattr_header, 'h_reserved', 12],
  ['ext4_xattr_entry', f.ext4_xattr_entry, 'e_hash', 4],
];

for (const [name, struct, last, width] of LAST) {
  test(`${name} is ${struct.sizeof} bytes`, () => {
    assert.is(struct[last]! + width, struct.sizeof);
    const offsets = Object.entries(struct).filter(([k]) => k !== 'sizeof').map(([, v]) => v);
    assert.equal(offsets, [...offsets].sort((a, b) => a - b), 'fields in order');
  });
}

test('superblock fields the kernel reads at fixed offsets', () => {
  assert.is(f.ext4_super_block.s_magic, 0x38);
  assert.is(f.ext4_super_block.s_feature_incompat, 0x60);
  assert.is(f.ext4_super_block.s_uuid, 0x68);
  assert.is(f.ext4_super_block.s_log_groups_per_flex, 0x174);
  assert.is(f.ext4_super_block.s_backup_bgs, 0x24c);
  assert.is(f.ext4_inode.i_block, 0x28);
  assert.is(f.ext4_inode.i_extra_isize, 0x80);
});

test.run();
