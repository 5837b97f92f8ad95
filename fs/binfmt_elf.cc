/*
 * The ELF loader (Linux's fs/binfmt_elf.c, static programs only): riscv64
 * ET_EXEC and static-PIE ET_DYN, checked by lib/elf.cc.
 *
 * Everything is built in a new mm before the point of no return, so a
 * refused or failing exec leaves the caller as it was:
 *
 *   PT_LOAD    [page(vaddr), page_up(vaddr + filesz)) a private file VMA
 *              (filled on fault from the file: mm/memory.cc), the rest up
 *              to page_up(vaddr + memsz) anonymous (bss); R/W/X from
 *              p_flags. ET_DYN gets a load bias: the span of its segments
 *              goes top-down below mmap_base, aligned to the largest p_align
 *   brk        starts at page_up(end of the highest segment)
 *   stack      a VM_GROWSDOWN VMA below STACK_TOP holding the initial
 *              stack (lib/exec_stack.h) plus 128 KiB, executable only if
 *              PT_GNU_STACK says PF_X
 *   [vdso]     the signal trampoline page (arch_setup_additional_pages)
 *
 * After begin_new_exec the stack image is copied in, the bytes between
 * the end of a writable segment's file data and its page end are zeroed
 * (they hold whatever follows in the file), fence.i, and the registers are
 * reset to the entry point.
 */
#include <fs/binfmts.h>

#include <asm/processor.h>
#include <asm/traps.h>
#include <asm/uaccess.h>
#include <fs/fs.h>
#include <kernel/devicetree.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <kernel/process.h>
#include <kernel/random.h>
#include <kernel/signal.h>
#include <kernel/time.h>
#include <lib/elf.h>
#include <lib/string.h>
#include <mm/memory.h>
#include <mm/page_alloc.h>
#include <mm/slab.h>

namespace {

constexpr unsigned long kStackExpand = 128 * 1024;  // Linux's stack_expand in setup_arg_pages
constexpr unsigned kMaxStackOrder = 9;              // the stack image's buffer: at most 2 MiB

// AT_HWCAP: the single-letter extensions every usable hart has, of those
// Linux 6.1 reports (riscv_fill_hwcap: I, M, A, F, D, C, V).
uint64_t elf_hwcap() {
  const MachineInfo& m = machine();
  uint64_t all = ~uint64_t{0};
  bool any = false;
  for (unsigned i = 0; i < m.nr_harts; i++) {
    const DtHart& h = m.harts[i];
    if (!h.okay || !h.has_mmu) continue;
    const char* s = h.isa;
    if (strncmp(s, "rv64", 4) != 0) continue;
    uint64_t caps = 0;
    for (s += 4; *s && *s != '_'; s++)
      if (strchr("imafdcv", *s)) caps |= uint64_t{1} << (*s - 'a');
    all &= caps;
    any = true;
  }
  return any ? all : 0;
}

unsigned long vm_flags_of(uint32_t p_flags) {
  unsigned long f = VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
  if (p_flags & PF_R) f |= VM_READ;
  if (p_flags & PF_W) f |= VM_WRITE | VM_ACCOUNT;  // private writable memory is charged
  if (p_flags & PF_X) f |= VM_EXEC;
  return f;
}

// One VMA over [start, end) in the new mm (its mmap_lock held); with a
// file, private and backed from page offset pgoff.
int map_region(mm_struct* mm, unsigned long start, unsigned long end, unsigned long vm_flags, file* f,
               unsigned long pgoff) {
  vm_area_struct* vma = vm_area_alloc(mm);
  if (!vma) return -ENOMEM;
  vma->vm_start = start;
  vma->vm_end = end;
  vma->vm_flags = vm_flags;
  vma->vm_page_prot = vm_get_page_prot(vm_flags);
  vma->vm_file = f;
  vma->vm_pgoff = pgoff;
  if (const int err = insert_vm_struct(mm, vma)) {
    vma->vm_file = nullptr;
    vm_area_free(vma);
    return err;
  }
  if (f) get_file(f);
  vm_stat_account(mm, vm_flags, static_cast<long>(vma_pages(vma)));
  return 0;
}

// Where an ET_DYN image goes: its span top-down below mmap_base.
Result<uint64_t> pick_load_bias(mm_struct* mm, const ElfInfo& info) {
  uint64_t align = PAGE_SIZE;
  for (unsigned i = 0; i < info.nr_loads; i++)
    if (info.loads[i].align > align && info.loads[i].align <= (1ul << 30)) align = info.loads[i].align;
  vm_unmapped_area_info ua{};
  ua.flags = vm_unmapped_area_info::TOPDOWN;
  ua.length = info.hi - info.lo;
  ua.low_limit = mmap_min_addr;
  ua.high_limit = mm->mmap_base;
  ua.align_mask = (align - 1) & PAGE_MASK;
  ua.align_offset = 0;
  const unsigned long addr = vm_unmapped_area(mm, &ua);
  if (IS_ERR_VALUE(addr)) return Error{-ENOMEM, "no room for the image"};
  return addr - info.lo;
}

// The initial stack's contents, built in a kernel buffer before the point
// of no return and copied to the new stack after it.
struct StackImage {
  page* pages = nullptr;
  unsigned order = 0;
  ExecStackLayout layout{};
  size_t size() const { return PAGE_SIZE << order; }
  uint8_t* buf() const { return static_cast<uint8_t*>(page_address(pages)); }
};

int build_stack(linux_binprm* bprm, const AuxEntry* aux, unsigned naux, StackImage* img) {
  const size_t need = bprm->strings_len + strlen(bprm->filename) + 1 + 64 +
                      (size_t{bprm->argc} + bprm->envc + 3 + 2 * (naux + 3)) * sizeof(uint64_t);
  while ((PAGE_SIZE << img->order) < need)
    if (++img->order > kMaxStackOrder) return -E2BIG;
  img->pages = alloc_pages(GFP_KERNEL | __GFP_NOWARN, img->order);
  if (!img->pages) return -ENOMEM;
  ExecStackInput in{};
  in.top = STACK_TOP;
  in.strings = bprm->strings;
  in.strings_len = bprm->strings_len;
  in.argc = bprm->argc;
  in.envc = bprm->envc;
  in.execfn = bprm->filename;
  get_random_bytes(in.random, sizeof(in.random));
  in.aux = aux;
  in.naux = naux;
  Result<ExecStackLayout> r = build_exec_stack(in, img->buf(), img->size());
  if (!r) return r.error().err;
  img->layout = r.value();
  return 0;
}

// Builds the whole new address space; 0 or -errno (bprm->mm is then freed
// by the caller).
int build_mm(linux_binprm* bprm, const ElfInfo& info, const StackImage* stack, uint64_t bias) {
  mm_struct* mm = bprm->mm;
  const task_struct* tsk = get_current();
  mm->rlimit_stack = tsk->rlim[RLIMIT_STACK].rlim_cur;
  mm->rlimit_data = tsk->rlim[RLIMIT_DATA].rlim_cur;
  mm->rlimit_as = tsk->rlim[RLIMIT_AS].rlim_cur;
  mm->rlimit_memlock = tsk->rlim[RLIMIT_MEMLOCK].rlim_cur;
  if (mm_alloc_pgd(mm)) return -ENOMEM;
  MmapWriteGuard g{mm};
  unsigned long start_code = ~0ul, end_code = 0, start_data = 0, end_data = 0, brk = 0;
  for (unsigned i = 0; i < info.nr_loads; i++) {
    const ElfSegment& s = info.loads[i];
    const unsigned long seg = bias + s.vaddr;
    const unsigned long page_start = seg & PAGE_MASK;
    const unsigned long file_end = seg + s.filesz, mem_end = seg + s.memsz;
    const unsigned long flags = vm_flags_of(s.flags);
    unsigned long anon_start = page_start;
    if (s.filesz) {
      anon_start = page_align_up(file_end);
      const unsigned long pgoff = (s.offset - (seg - page_start)) >> PAGE_SHIFT;
      if (const int err = map_region(mm, page_start, anon_start, flags, bprm->file, pgoff)) return err;
    }
    if (page_align_up(mem_end) > anon_start)
      if (const int err = map_region(mm, anon_start, page_align_up(mem_end), flags, nullptr, 0)) return err;
    if (s.flags & PF_X) {
      if (seg < start_code) start_code = seg;
      if (file_end > end_code) end_code = file_end;
    }
    if (file_end > end_data) end_data = file_end;
    if (!(s.flags & PF_X) && (!start_data || seg < start_data)) start_data = seg;
    if (mem_end > brk) brk = mem_end;
  }
  mm->start_code = start_code == ~0ul ? 0 : start_code;
  mm->end_code = end_code;
  mm->start_data = start_data;
  mm->end_data = end_data;
  mm->start_brk = mm->brk = page_align_up(brk);
  // The stack: the image plus room to grow, below STACK_TOP.
  const unsigned long stack_flags =
      VM_STACK_FLAGS | ((info.has_gnu_stack && (info.stack_flags & PF_X)) ? VM_EXEC : 0);
  const unsigned long stack_start = (stack->layout.sp & PAGE_MASK) - kStackExpand;
  if (STACK_TOP - stack_start > mm->rlimit_stack) return -E2BIG;
  if (const int err = map_region(mm, stack_start, STACK_TOP, stack_flags, nullptr, 0)) return err;
  mm->start_stack = stack->layout.sp;
  mm->arg_start = stack->layout.arg_start;
  mm->arg_end = stack->layout.arg_end;
  mm->env_start = stack->layout.env_start;
  mm->env_end = stack->layout.env_end;
  mm->exe_file = get_file(bprm->file);
  return 0;
}

}  // namespace

int load_elf_binary(linux_binprm* bprm) {
  file* f = bprm->file;
  const uint64_t file_size = static_cast<uint64_t>(f->f_inode->i_size);
  uint8_t head[sizeof(Elf64_Ehdr)];
  loff_t pos = 0;
  const long got = kernel_read(f, head, sizeof(head), &pos);
  if (got < 0) return static_cast<int>(got);
  Result<ElfHeader> h = elf_check_header(head, static_cast<size_t>(got), file_size);
  if (!h) return h.error().err;
  const size_t phsize = h.value().phdrs_size();
  void* phdrs = kmalloc(phsize ? phsize : 1, GFP_KERNEL);
  if (!phdrs) return -ENOMEM;
  pos = static_cast<loff_t>(h.value().phoff);
  const long n = kernel_read(f, phdrs, phsize, &pos);
  Result<ElfInfo> parsed = n == static_cast<long>(phsize)
                               ? elf_parse_phdrs(h.value(), phdrs, file_size, TASK_SIZE)
                               : Result<ElfInfo>(Error{n < 0 ? static_cast<int>(n) : -EIO, "short read"});
  kfree(phdrs);
  if (!parsed) return parsed.error().err;
  // ElfInfo is large: keep it off the 16 KiB kernel stack.
  ElfInfo* info = static_cast<ElfInfo*>(kmalloc(sizeof(ElfInfo), GFP_KERNEL));
  if (!info) return -ENOMEM;
  *info = parsed.value();

  bprm->mm = mm_alloc();
  int ret = bprm->mm ? 0 : -ENOMEM;
  StackImage stack;
  uint64_t bias = 0;
  // The order: the load bias (the auxv needs it), the stack image (the
  // stack VMA needs its size), then the VMAs.
  if (!ret) {
    if (info->type == ET_DYN) {
      MmapWriteGuard g{bprm->mm};
      Result<uint64_t> b = pick_load_bias(bprm->mm, *info);
      if (!b) ret = b.error().err;
      else bias = b.value();
    }
  }
  if (!ret) {
    const AuxEntry aux[] = {
        {AT_HWCAP, elf_hwcap()},
        {AT_PAGESZ, PAGE_SIZE},
        {AT_CLKTCK, HZ},
        {AT_PHDR, info->has_phdr_vaddr ? bias + info->phdr_vaddr : 0},
        {AT_PHENT, sizeof(Elf64_Phdr)},
        {AT_PHNUM, info->phnum},
        {AT_BASE, 0},
        {AT_FLAGS, 0},
        {AT_ENTRY, bias + info->entry},
        {AT_UID, bprm->cred->uid},
        {AT_EUID, bprm->cred->euid},
        {AT_GID, bprm->cred->gid},
        {AT_EGID, bprm->cred->egid},
        {AT_SECURE, bprm->secureexec},
    };
    ret = build_stack(bprm, aux, sizeof(aux) / sizeof(aux[0]), &stack);
  }
  if (!ret) ret = build_mm(bprm, *info, &stack, bias);
  if (!ret) ret = arch_setup_additional_pages(bprm->mm);  // [vdso]: the sigreturn trampoline
  if (ret) {
    if (stack.pages) __free_pages(stack.pages, stack.order);
    kfree(info);
    return ret;
  }

  // ---- the point of no return ----
  mm_struct* mm = bprm->mm;
  begin_new_exec(bprm);
  const ExecStackLayout& l = stack.layout;
  const size_t used = STACK_TOP - l.sp;
  bool ok = copy_to_user(l.sp, stack.buf() + (stack.size() - used), used) == 0;
  for (unsigned i = 0; ok && i < info->nr_loads; i++) {
    const ElfSegment& s = info->loads[i];
    const unsigned long file_end = bias + s.vaddr + s.filesz;
    if (!(s.flags & PF_W) || !s.filesz || s.memsz == s.filesz || !(file_end & ~PAGE_MASK)) continue;
    ok = clear_user(file_end, page_align_up(file_end) - file_end) == 0;
  }
  __free_pages(stack.pages, stack.order);
  const uint64_t entry = bias + info->entry;
  kfree(info);
  if (!ok) {
    pr_warn("exec: %s: the new image could not be set up; killed\n", get_current()->comm);
    do_exit(exit_status_signaled(SIGSEGV));
  }
  flush_icache_mm(mm);
  start_thread(current_pt_regs(), entry, l.sp);
  return 0;
}
