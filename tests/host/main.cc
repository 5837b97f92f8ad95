// doctest entry point for the host test binary (build/host/unit-tests).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
