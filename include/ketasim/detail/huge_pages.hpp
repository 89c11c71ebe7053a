// Transparent huge pages for the population's n x T curves: on Linux, 2 MB pages mean 512 times
// fewer page faults when the buffer is first written (bench_population, 10,000 subjects x 721
// times on one thread: a third more CPU time without). A hint; elsewhere plain malloc.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>
#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace ketasim::detail {

/// Uninitialised storage for `bytes` (free with std::free) for a buffer written once and
/// whole (population curves): on Linux, from 2 MB up, aligned to and rounded up to 2 MB pages with
/// huge pages asked for throughout, so that even a few-MB buffer is a handful of faults, not
/// thousands.
inline void* allocate_for_huge_pages(std::size_t bytes) {
  constexpr std::size_t huge = std::size_t{2} << 20;
  void* p = nullptr;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (bytes >= huge) {
    const std::size_t rounded = (bytes + huge - 1) / huge * huge;
    p = std::aligned_alloc(huge, rounded);
    if (p != nullptr) (void)madvise(p, rounded, MADV_HUGEPAGE);
  } else {
    p = std::malloc(bytes);
  }
#else
  (void)huge;
  p = std::malloc(bytes);  // no huge pages to ask for (and no std::aligned_alloc on MSVC)
#endif
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace ketasim::detail
