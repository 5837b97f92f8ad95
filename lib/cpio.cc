// cpio newc / crc reader (see lib/cpio.h). Offsets are size_t positions in
// the buffer; every advance is checked against the bytes left first, so no
// sum of archive-supplied sizes can wrap.
#include <lib/cpio.h>

#include <errno.h>

#include <lib/string.h>

namespace {

constexpr uint32_t kIfmt = 0170000;
constexpr uint32_t kPermMask = 07777;
constexpr uint32_t kDevMajorMax = (1u << 12) - 1;  // Linux dev_t: 12-bit major
constexpr uint32_t kDevMinorMax = (1u << 20) - 1;  // and 20-bit minor
constexpr char kTrailer[] = "TRAILER!!!";

enum Field : unsigned { Ino, Mode, Uid, Gid, Nlink, Mtime, Filesize, DevMajor, DevMinor, RdevMajor, RdevMinor, Namesize, Check, NumFields };

Error corrupt(const char* msg) { return Error{-EINVAL, msg}; }

bool hex_field(const uint8_t* p, uint32_t* out) {
  uint32_t v = 0;
  for (unsigned i = 0; i < 8; i++) {
    const uint8_t c = p[i];
    uint32_t d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return false;
    v = v << 4 | d;
  }
  *out = v;
  return true;
}

bool type_of(uint32_t mode, CpioType* t) {
  switch (mode & kIfmt) {
    case 0100000: *t = CpioType::Regular; return true;
    case 0040000: *t = CpioType::Directory; return true;
    case 0120000: *t = CpioType::Symlink; return true;
    case 0020000: *t = CpioType::CharDevice; return true;
    case 0060000: *t = CpioType::BlockDevice; return true;
    case 0010000: *t = CpioType::Fifo; return true;
    case 0140000: *t = CpioType::Socket; return true;
    default: return false;
  }
}

bool all_zero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return false;
  return true;
}

size_t pad4(size_t pos) { return (4 - (pos & 3)) & 3; }

}  // namespace

CpioReader::CpioReader(const void* buf, size_t size) : buf_(static_cast<const uint8_t*>(buf)), size_(size) {
  name_buf_[0] = '\0';
}

Error CpioReader::fail(Error e) {
  failed_ = true;
  error_ = e;
  return e;
}

Result<bool> CpioReader::next(CpioEntry* out) {
  if (failed_) return error_;
  for (;;) {
    if (between_archives_) {
      // NULs pad an archive to a block and separate concatenated ones.
      while (pos_ < size_ && buf_[pos_] == 0) pos_++;
      if (pos_ == size_) return false;
      if (pos_ & 3) {
        entry_off_ = pos_;
        return fail(corrupt("archive does not start at a 4-byte boundary"));
      }
      between_archives_ = false;
    }
    bool trailer = false;
    const Result<void> r = read_entry(out, &trailer);
    if (!r) return fail(r.error());
    if (!trailer) return true;
    between_archives_ = true;
  }
}

Result<void> CpioReader::read_entry(CpioEntry* out, bool* trailer) {
  entry_off_ = pos_;
  const size_t left = size_ - pos_;
  if (left < kCpioHeaderSize) return corrupt("truncated archive: entry header cut short (no TRAILER!!!)");
  const uint8_t* h = buf_ + pos_;
  bool crc = false;
  if (memcmp(h, "070701", 6) == 0) {
    crc = false;
  } else if (memcmp(h, "070702", 6) == 0) {
    crc = true;
  } else if (memcmp(h, "070707", 6) == 0) {
    return corrupt("old portable (odc) cpio format: use -H newc");
  } else {
    return corrupt("bad cpio magic (expected 070701 or 070702)");
  }
  uint32_t f[NumFields];
  for (unsigned i = 0; i < NumFields; i++)
    if (!hex_field(h + 6 + 8 * i, &f[i])) return corrupt("header field is not 8 hex digits");

  // Name: namesize bytes counting the NUL, then padding to 4.
  const uint32_t namesize = f[Namesize];
  if (namesize == 0) return corrupt("namesize is 0 (it counts the NUL)");
  if (namesize == 1) return corrupt("empty name");
  if (namesize > kCpioPathMax) return Error{-ENAMETOOLONG, "name longer than PATH_MAX"};
  size_t p = pos_ + kCpioHeaderSize;
  if (size_ - p < namesize) return corrupt("truncated archive: name cut short");
  const char* raw = reinterpret_cast<const char*>(buf_ + p);
  if (raw[namesize - 1] != '\0') return corrupt("name is not NUL-terminated");
  if (strnlen(raw, namesize) != namesize - 1) return corrupt("name has a NUL inside");
  p += namesize;
  size_t pad = pad4(p);
  if (size_ - p < pad) return corrupt("truncated archive: name padding cut short");
  if (!all_zero(buf_ + p, pad)) return corrupt("name padding is not zero");
  p += pad;

  // Data: filesize bytes, then padding to 4.
  const uint32_t filesize = f[Filesize];
  if (size_ - p < filesize) return corrupt("truncated archive: file data runs past the end");
  const uint8_t* data = buf_ + p;
  p += filesize;
  pad = pad4(p);
  if (size_ - p < pad) return corrupt("truncated archive: data padding cut short");
  if (!all_zero(buf_ + p, pad)) return corrupt("data padding is not zero");
  p += pad;

  if (strcmp(raw, kTrailer) == 0) {
    if (filesize != 0) return corrupt("TRAILER!!! has data");
    pos_ = p;
    *trailer = true;
    return ok_result();
  }

  CpioEntry e;
  memset(&e, 0, sizeof(e));
  if (f[Mode] & ~(kIfmt | kPermMask)) return corrupt("mode has bits outside S_IFMT and 07777");
  if (!type_of(f[Mode], &e.type)) return corrupt("unknown file type in mode");
  switch (e.type) {
    case CpioType::Regular:
      if (crc) {
        uint32_t sum = 0;
        for (uint32_t i = 0; i < filesize; i++) sum += data[i];
        if (sum != f[Check]) return corrupt("070702 data checksum mismatch");
      }
      break;
    case CpioType::Symlink:
      if (filesize == 0) return corrupt("symlink with an empty target");
      if (filesize >= kCpioPathMax) return Error{-ENAMETOOLONG, "symlink target longer than PATH_MAX"};
      if (memchr(data, 0, filesize)) return corrupt("symlink target has a NUL inside");
      break;
    case CpioType::CharDevice:
    case CpioType::BlockDevice:
      if (f[RdevMajor] > kDevMajorMax || f[RdevMinor] > kDevMinorMax)
        return corrupt("device number does not fit dev_t (12-bit major, 20-bit minor)");
      e.rdev_major = f[RdevMajor];
      e.rdev_minor = f[RdevMinor];
      [[fallthrough]];
    default:
      if (filesize != 0) return corrupt("data on a directory, device, FIFO or socket");
      break;
  }
  TRY(normalise(raw, namesize - 1, &e));
  if (e.name_len == 0 && e.type != CpioType::Directory) return corrupt("entry names the root but is not a directory");

  e.raw_name = raw;
  e.mode = f[Mode];
  e.ino = f[Ino];
  e.uid = f[Uid];
  e.gid = f[Gid];
  e.nlink = f[Nlink];
  e.mtime = f[Mtime];
  e.dev_major = f[DevMajor];
  e.dev_minor = f[DevMinor];
  e.data = data;
  e.size = filesize;
  e.offset = entry_off_;
  *out = e;
  pos_ = p;
  return ok_result();
}

// Writes the normalised form of raw[0, len) into name_buf_ (it is never
// longer than raw, which fits).
Result<void> CpioReader::normalise(const char* raw, size_t len, CpioEntry* out) {
  size_t n = 0;
  size_t i = 0;
  while (i < len) {
    if (raw[i] == '/') {
      i++;
      continue;
    }
    size_t j = i;
    while (j < len && raw[j] != '/') j++;
    const size_t clen = j - i;
    if (clen == 2 && raw[i] == '.' && raw[i + 1] == '.') return corrupt("name has a .. component");
    if (!(clen == 1 && raw[i] == '.')) {
      if (n) name_buf_[n++] = '/';
      memcpy(name_buf_ + n, raw + i, clen);
      n += clen;
    }
    i = j;
  }
  name_buf_[n] = '\0';
  out->name = name_buf_;
  out->name_len = n;
  return ok_result();
}
