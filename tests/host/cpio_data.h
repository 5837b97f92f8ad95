// The cpio archives and tree tests/host/inputs/gen-cpio builds, for the
// cpio reader's and the initramfs unpacker's host tests.
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <string>

inline const std::string kCpioDataDir = std::string(HOST_BUILD_DIR) + "/data/cpio/";

// The whole of one input file.
inline std::string load_cpio_input(const std::string& name) {
  std::ifstream f(kCpioDataDir + name, std::ios::binary);
  REQUIRE_MESSAGE(f.good(), "cannot open ", kCpioDataDir + name);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
