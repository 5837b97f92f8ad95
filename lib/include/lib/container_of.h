// container_of without a macro: the struct that holds `*ptr` as its member
// `member`, for intrusive containers (rb_node in vm_area_struct, ...).
#pragma once

#include <bit>
#include <stddef.h>

// Byte offset of a data member. g++ and clang++ (the only compilers this
// tree builds with) follow the Itanium C++ ABI on x86-64 and riscv64, where
// a pointer to data member is represented exactly as that offset. Reading it
// this way avoids the undefined `&((T*)nullptr)->*member`, which UBSan flags.
template <typename T, typename M>
inline ptrdiff_t member_offset(M T::*member) {
  static_assert(sizeof(member) == sizeof(ptrdiff_t), "Itanium ABI pointer to data member");
  return std::bit_cast<ptrdiff_t>(member);
}

template <typename T, typename M>
inline T* container_of(M* ptr, M T::*member) {
  return reinterpret_cast<T*>(reinterpret_cast<char*>(ptr) - member_offset(member));
}

template <typename T, typename M>
inline const T* container_of(const M* ptr, M T::*member) {
  return reinterpret_cast<const T*>(reinterpret_cast<const char*>(ptr) - member_offset(member));
}
