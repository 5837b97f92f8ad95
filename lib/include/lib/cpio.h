/*
 * A reader for cpio "newc" archives (magic 070701) and their CRC variant
 * (070702), the initramfs format.
 *
 * Layout of one entry, every offset counted from the start of the buffer:
 *
 *   +--------------------------+ 4-byte aligned
 *   | "070701" + 13 fields of  |  ino mode uid gid nlink mtime filesize
 *   | 8 hex digits (110 bytes) |  devmajor devminor rdevmajor rdevminor
 *   |                          |  namesize check
 *   | name, NUL, zero padding  |  namesize counts the NUL; pad to 4
 *   | data, zero padding       |  filesize bytes (a symlink's target); pad to 4
 *   +--------------------------+
 *
 * An archive ends with an entry named "TRAILER!!!". As Linux's initramfs
 * unpacker does, the reader then skips NUL bytes and carries on with the
 * next archive when more data follows (the kernel's initramfs may be
 * several concatenated archives); the trailers themselves are not entries.
 *
 * Every field is checked: strict hex digits, a known file type and no mode
 * bits outside S_IFMT|07777, a NUL-terminated name of at most PATH_MAX
 * bytes with no NUL inside, zero padding, data inside the buffer, no data
 * on directories, devices, FIFOs and sockets, a symlink target of 1 to
 * PATH_MAX-1 bytes with no NUL, device numbers that fit Linux's dev_t
 * (12-bit major, 20-bit minor), the byte-sum checksum of 070702 regular
 * files. A buffer that ends before a trailer is an error, not an end.
 *
 * Names come out normalised relative to the root the unpacker fills, the
 * way Linux treats them (it unpacks with "/" as the current directory, so
 * "/bin/sh", "./bin/sh" and "bin/sh" are the same file): leading "/" and
 * "./", repeated "/", "." components and a trailing "/" go; "." (or "/")
 * itself becomes "", the root directory. Unlike Linux, a ".." component is
 * refused instead of being walked: with symlinks in the archive a lexical
 * ".." could point anywhere.
 *
 * Hard links are left to the caller, as in newc itself: entries of one
 * file share (dev_major, dev_minor, ino); GNU cpio stores the data with the
 * last of them and size 0 with the others.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <lib/result.h>

inline constexpr size_t kCpioPathMax = 4096;  // PATH_MAX, counting the NUL
inline constexpr size_t kCpioHeaderSize = 110;

enum class CpioType : uint8_t { Regular, Directory, Symlink, CharDevice, BlockDevice, Fifo, Socket };

struct CpioEntry {
  const char* name;      // normalised, NUL-terminated; valid until the next call to next()
  size_t name_len;       // 0: the root directory
  const char* raw_name;  // as stored in the archive (NUL-terminated there)
  CpioType type;
  uint32_t mode;  // st_mode: type and permission bits
  uint32_t ino;
  uint32_t uid;
  uint32_t gid;
  uint32_t nlink;
  uint32_t mtime;
  uint32_t dev_major;  // the device the file was on (hard-link identity)
  uint32_t dev_minor;
  uint32_t rdev_major;  // CharDevice / BlockDevice only, else 0
  uint32_t rdev_minor;
  const uint8_t* data;  // file contents or symlink target (not NUL-terminated)
  uint32_t size;
  uint64_t offset;  // of the entry's header in the buffer
};

// Holds a PATH_MAX buffer for the normalised name (4 KiB): a kernel caller
// allocates it rather than putting it on a 16 KiB stack.
class CpioReader {
 public:
  CpioReader(const void* buf, size_t size);

  // The next entry: true and *out filled, or false after the last trailer.
  // After an error, further calls return the same error.
  Result<bool> next(CpioEntry* out);

  // Where the entry being read starts (for error messages).
  uint64_t offset() const { return entry_off_; }

 private:
  // One entry at pos_; *trailer when it was a TRAILER!!! (out untouched).
  Result<void> read_entry(CpioEntry* out, bool* trailer);
  Result<void> normalise(const char* raw, size_t len, CpioEntry* out);
  Error fail(Error e);

  const uint8_t* buf_;
  size_t size_;
  size_t pos_ = 0;
  uint64_t entry_off_ = 0;
  bool between_archives_ = true;  // at the start or after a trailer
  bool failed_ = false;
  Error error_{0, nullptr};
  char name_buf_[kCpioPathMax];
};
