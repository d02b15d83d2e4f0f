// Uses the installed C++ wrapper: loads the bundle given as argv[1].
#include <pqrt/pqrt.hpp>

#include <cstdio>
#include <cstring>

int main(int argc, char **argv) {
  if (argc < 2) {
    return 1;
  }
  try {
    pqrt::Bundle bundle = pqrt::Bundle::fromFile(argv[1]);
    std::printf("entry %s, %d device(s)\n", bundle.info().entry,
                pqrt::deviceCount());
    return std::strcmp(bundle.info().entry, "sample") == 0 ? 0 : 1;
  } catch (const pqrt::Error &error) {
    std::printf("%s\n", error.what());
    return 1;
  }
}
