// The initial user stack (lib/include/lib/exec_stack.h has the layout).
#include <lib/exec_stack.h>

#include <errno.h>

#include <lib/string.h>

namespace {

constexpr unsigned kMaxAux = 32;

}  // namespace

Result<ExecStackLayout> build_exec_stack(const ExecStackInput& in, uint8_t* buf, size_t buf_size) {
  if (in.naux > kMaxAux - 3) return Error{-EINVAL, "too many auxv entries"};
  const uint64_t base = in.top - buf_size;
  // Addresses grow down from the top; every step checks it stays in buf.
  uint64_t p = in.top;
  auto take = [&](uint64_t n) -> bool {
    if (p - base < n) return false;
    p -= n;
    return true;
  };
  auto at = [&](uint64_t addr) { return buf + (addr - base); };
  ExecStackLayout out{};
  if (!take(8)) return Error{-E2BIG, "no room"};
  memset(at(p), 0, 8);
  const size_t fn_len = strlen(in.execfn) + 1;
  if (!take(fn_len)) return Error{-E2BIG, "no room for the file name"};
  memcpy(at(p), in.execfn, fn_len);
  out.execfn = p;
  if (!take(in.strings_len)) return Error{-E2BIG, "no room for the strings"};
  memcpy(at(p), in.strings, in.strings_len);
  const uint64_t strings = p;
  // Where each string starts: walk the block, argc + envc NUL-terminated strings.
  size_t off = 0;
  auto next_string = [&](uint64_t* addr) -> bool {
    if (off >= in.strings_len) return false;
    const void* nul = memchr(in.strings + off, 0, in.strings_len - off);
    if (!nul) return false;
    *addr = strings + off;
    off = static_cast<size_t>(static_cast<const char*>(nul) - in.strings) + 1;
    return true;
  };
  p &= ~uint64_t{15};
  if (p < base || !take(16)) return Error{-E2BIG, "no room for AT_RANDOM"};
  memcpy(at(p), in.random, 16);
  out.random = p;
  // The pointer block: argc, argv + NULL, envp + NULL, auxv + AT_NULL pair.
  const uint64_t naux = in.naux + 3;  // AT_RANDOM, AT_EXECFN, AT_NULL
  const uint64_t items = 1 + (uint64_t{in.argc} + 1) + (uint64_t{in.envc} + 1) + 2 * naux;
  if (items > (p - base) / 8) return Error{-E2BIG, "no room for the pointers"};
  p = (p - items * 8) & ~uint64_t{15};
  if (p < base) return Error{-E2BIG, "no room for the pointers"};
  out.sp = p;
  uint64_t* w = reinterpret_cast<uint64_t*>(at(p));
  auto put = [&](uint64_t v) { memcpy(w++, &v, 8); };
  put(in.argc);
  out.arg_start = strings;
  for (unsigned i = 0; i < in.argc; i++) {
    uint64_t a;
    if (!next_string(&a)) return Error{-EINVAL, "fewer argv strings than argc"};
    put(a);
  }
  put(0);
  out.arg_end = out.env_start = strings + off;
  for (unsigned i = 0; i < in.envc; i++) {
    uint64_t a;
    if (!next_string(&a)) return Error{-EINVAL, "fewer envp strings than envc"};
    put(a);
  }
  put(0);
  out.env_end = strings + off;
  if (off != in.strings_len) return Error{-EINVAL, "bytes after the last string"};
  for (unsigned i = 0; i < in.naux; i++) {
    put(in.aux[i].type);
    put(in.aux[i].val);
  }
  put(AT_RANDOM);
  put(out.random);
  put(AT_EXECFN);
  put(out.execfn);
  put(AT_NULL);
  put(0);
  return out;
}
