/*
 * The Linux riscv64 user ABI of the file system calls: open flags, file
 * types, lseek whence, d_type, AT_* flags (asm-generic/fcntl.h,
 * uapi/linux/stat.h, uapi/linux/fcntl.h).
 *
 * They are macros, as in Linux's uapi headers, and each is defined only
 * when the C library has not already: libstdc++'s headers pull <stdio.h>
 * (SEEK_SET) into some kernel translation units, and the host tests
 * include <fcntl.h>/<sys/stat.h> beside these. Where both exist the values
 * must agree; the static_asserts at the end check the ones that differ
 * between architectures.
 */
#pragma once


#ifndef O_ACCMODE
#define O_ACCMODE 00000003
#endif
#ifndef O_RDONLY
#define O_RDONLY 00000000
#endif
#ifndef O_WRONLY
#define O_WRONLY 00000001
#endif
#ifndef O_RDWR
#define O_RDWR 00000002
#endif
#ifndef O_CREAT
#define O_CREAT 00000100
#endif
#ifndef O_EXCL
#define O_EXCL 00000200
#endif
#ifndef O_NOCTTY
#define O_NOCTTY 00000400
#endif
#ifndef O_TRUNC
#define O_TRUNC 00001000
#endif
#ifndef O_APPEND
#define O_APPEND 00002000
#endif
#ifndef O_NONBLOCK
#define O_NONBLOCK 00004000
#endif
#ifndef O_DIRECTORY
#define O_DIRECTORY 00200000
#endif
#ifndef O_NOFOLLOW
#define O_NOFOLLOW 00400000
#endif
#ifndef O_CLOEXEC
#define O_CLOEXEC 02000000
#endif
#ifndef O_PATH
#define O_PATH 010000000
#endif
// Linux's O_LARGEFILE on riscv64 (glibc's x86-64 headers define it as 0).
#define FS_O_LARGEFILE 00100000

#ifndef S_IFMT
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define S_ISUID 0004000
#define S_ISGID 0002000
#define S_ISVTX 0001000
#endif
#ifndef S_ISREG
#define S_ISREG(m) (((m) & S_IFMT) == S_IFREG)
#define S_ISDIR(m) (((m) & S_IFMT) == S_IFDIR)
#define S_ISCHR(m) (((m) & S_IFMT) == S_IFCHR)
#define S_ISBLK(m) (((m) & S_IFMT) == S_IFBLK)
#define S_ISLNK(m) (((m) & S_IFMT) == S_IFLNK)
#define S_ISFIFO(m) (((m) & S_IFMT) == S_IFIFO)
#define S_ISSOCK(m) (((m) & S_IFMT) == S_IFSOCK)
#endif

#ifndef SEEK_SET
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#endif

#ifndef AT_FDCWD
#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define AT_EACCESS 0x200
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

#ifndef F_OK
#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4
#endif

#ifndef DT_UNKNOWN
#define DT_UNKNOWN 0
#define DT_FIFO 1
#define DT_CHR 2
#define DT_DIR 4
#define DT_BLK 6
#define DT_REG 8
#define DT_LNK 10
#define DT_SOCK 12
#endif


static_assert(O_DIRECTORY == 00200000 && O_NOFOLLOW == 00400000 && O_CLOEXEC == 02000000 && O_APPEND == 02000 &&
                  O_PATH == 010000000,
              "Linux riscv64 open flags");
static_assert(AT_FDCWD == -100 && AT_EMPTY_PATH == 0x1000 && AT_SYMLINK_NOFOLLOW == 0x100, "AT_* flags");

#ifndef PATH_MAX
#define PATH_MAX 4096  // counting the NUL
#endif
#ifndef NAME_MAX
#define NAME_MAX 255
#endif
