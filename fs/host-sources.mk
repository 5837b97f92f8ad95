# fs/ files compiled into the host tests (the VFS core, ramfs, the fd
# table, the initramfs unpacker; see fs/env.cc for the seam).
HOST_FS_CC := fs/env.cc fs/dcache.cc fs/namei.cc fs/dirops.cc fs/ramfs.cc fs/file_table.cc fs/open.cc \
              fs/fdtable.cc fs/char_dev.cc fs/initramfs.cc
