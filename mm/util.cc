/*
 * Virtual-memory accounting: the commit charge (vm_committed_as) with
 * Linux's three overcommit policies, and the per-mm page counters that
 * RLIMIT_AS / RLIMIT_DATA are checked against.
 *
 *   OVERCOMMIT_GUESS (default)  refuse only a single request larger than RAM + swap
 *   OVERCOMMIT_ALWAYS           never refuse
 *   OVERCOMMIT_NEVER            keep the total under RAM * ratio% + swap,
 *                               less the admin and user reserves
 *
 * There is no swap and no capability yet: every task counts as unprivileged.
 */
#include <kernel/errno.h>
#include <mm/mmap.h>
#include <mm/page_alloc.h>

int sysctl_overcommit_memory = OVERCOMMIT_GUESS;
int sysctl_overcommit_ratio = 50;

namespace {

std::atomic<long> vm_committed_as{0};

// Linux sizes both reserves from 3% of memory at boot: 8 MiB and 128 MiB caps.
unsigned long admin_reserve_pages() {
  const unsigned long cap = (8ul << 20) >> PAGE_SHIFT;
  return totalram_pages() / 32 < cap ? totalram_pages() / 32 : cap;
}
unsigned long user_reserve_pages() {
  const unsigned long cap = (128ul << 20) >> PAGE_SHIFT;
  return totalram_pages() / 32 < cap ? totalram_pages() / 32 : cap;
}

bool is_exec_mapping(unsigned long flags) { return (flags & (VM_WRITE | VM_EXEC | VM_STACK)) == VM_EXEC; }
bool is_stack_mapping(unsigned long flags) { return (flags & VM_STACK) == VM_STACK; }
bool is_data_mapping(unsigned long flags) { return (flags & (VM_WRITE | VM_SHARED | VM_STACK)) == VM_WRITE; }

}  // namespace

void vm_acct_memory(long pages) { vm_committed_as.fetch_add(pages, std::memory_order_relaxed); }
void vm_unacct_memory(long pages) { vm_committed_as.fetch_sub(pages, std::memory_order_relaxed); }
long vm_memory_committed() { return vm_committed_as.load(std::memory_order_relaxed); }

int __vm_enough_memory(mm_struct* mm, long pages, bool cap_sys_admin) {
  vm_acct_memory(pages);
  if (sysctl_overcommit_memory == OVERCOMMIT_ALWAYS) return 0;
  if (sysctl_overcommit_memory == OVERCOMMIT_GUESS) {
    if (pages <= static_cast<long>(totalram_pages())) return 0;
  } else {
    long allowed = static_cast<long>(totalram_pages() * static_cast<unsigned long>(sysctl_overcommit_ratio) / 100);
    if (!cap_sys_admin) allowed -= static_cast<long>(admin_reserve_pages());
    if (mm) {
      const unsigned long reserve = user_reserve_pages();
      allowed -= static_cast<long>(mm->total_vm / 32 < reserve ? mm->total_vm / 32 : reserve);
    }
    if (vm_memory_committed() < allowed) return 0;
  }
  vm_unacct_memory(pages);
  return -ENOMEM;
}

int security_vm_enough_memory_mm(mm_struct* mm, long pages) { return __vm_enough_memory(mm, pages, false); }

void vm_stat_account(mm_struct* mm, unsigned long flags, long npages) {
  const auto n = static_cast<unsigned long>(npages);  // wraps back for negative counts
  mm->total_vm += n;
  if (is_exec_mapping(flags)) mm->exec_vm += n;
  else if (is_stack_mapping(flags)) mm->stack_vm += n;
  else if (is_data_mapping(flags)) mm->data_vm += n;
}

bool may_expand_vm(mm_struct* mm, unsigned long flags, unsigned long npages) {
  if (mm->total_vm + npages > mm->rlimit_as >> PAGE_SHIFT) return false;
  if (is_data_mapping(flags) && mm->data_vm + npages > mm->rlimit_data >> PAGE_SHIFT) return false;
  return true;
}
