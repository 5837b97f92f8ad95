# mm/ files compiled into the host tests and benchmarks (see mm/include/mm/env.h).
HOST_MM_CC := mm/env.cc mm/memblock.cc mm/page_alloc.cc mm/slab.cc mm/slab_common.cc mm/slab_debug.cc \
              mm/slab_layout.cc mm/slab_reap.cc mm/vma.cc mm/unmapped_area.cc mm/mmap.cc mm/mprotect.cc \
              mm/madvise.cc mm/util.cc mm/memory.cc mm/shmem.cc mm/mremap.cc mm/msync.cc mm/filemap.cc \
              mm/vma_index.cc
