/* /proc as programs read it: /proc/self/maps in Linux's format tracking
 * mmap/mprotect/munmap (split and merged lines, [heap], [stack], the
 * program's own file), /proc/self/exe, /proc/meminfo's first lines. */
#include "check.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096UL

struct map {
  unsigned long start, end, offset, inode;
  char perms[5];
  char path[PATH_MAX];
};

static struct map maps[512];
static int nmaps, maps_well_formed;

/* Reads /proc/self/maps; every line must parse and be page aligned. */
static void read_maps(void) {
  FILE* f = fopen("/proc/self/maps", "r");
  nmaps = 0;
  maps_well_formed = f != NULL;
  if (!f) return;
  char line[PATH_MAX + 128];
  unsigned long prev_end = 0;
  while (fgets(line, sizeof line, f) && nmaps < 512) {
    struct map* m = &maps[nmaps];
    unsigned dmaj, dmin;
    int pathpos = 0;
    m->path[0] = 0;
    if (sscanf(line, "%lx-%lx %4s %lx %x:%x %lu %n", &m->start, &m->end, m->perms, &m->offset, &dmaj, &dmin,
               &m->inode, &pathpos) < 7) {
      maps_well_formed = 0;
      continue;
    }
    if (pathpos > 0) sscanf(line + pathpos, "%4095[^\n]", m->path);
    const char* p = m->perms;
    if (m->start >= m->end || (m->start | m->end) & (PG - 1) || m->start < prev_end || strlen(p) != 4 ||
        (p[0] != 'r' && p[0] != '-') || (p[1] != 'w' && p[1] != '-') || (p[2] != 'x' && p[2] != '-') ||
        (p[3] != 'p' && p[3] != 's'))
      maps_well_formed = 0;
    prev_end = m->end;
    nmaps++;
  }
  fclose(f);
}

/* The line covering addr, or NULL. */
static const struct map* find(uintptr_t addr) {
  for (int i = 0; i < nmaps; i++)
    if (addr >= maps[i].start && addr < maps[i].end) return &maps[i];
  return NULL;
}

/* "start+N pages, perms" of the line covering addr, relative to base. */
static void map_line(const char* name, uintptr_t base, uintptr_t addr, const char* want) {
  const struct map* m = find(addr);
  char obs[64];
  if (!m) snprintf(obs, sizeof obs, "none");
  else
    snprintf(obs, sizeof obs, "[%+ld,%+ld) %s", ((long)m->start - (long)base) / (long)PG,
             ((long)m->end - (long)base) / (long)PG, m->perms);
  check_line(strcmp(obs, want) == 0, name, obs, want);
}

int main(int argc, char** argv) {
  (void)argc;
  read_maps();
  check_true("/proc/self/maps lines are well formed, sorted, page aligned", maps_well_formed && nmaps > 3);

  /* Five PROT_NONE pages around three read-write ones: no merging with
     neighbours we do not control. */
  char* a = mmap(NULL, 5 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (a == MAP_FAILED) return check_summary("proc");
  mprotect(a + PG, 3 * PG, PROT_READ | PROT_WRITE);
  read_maps();
  const uintptr_t b = (uintptr_t)a;
  map_line("guard below", b, b, "[+0,+1) ---p");
  map_line("three read-write pages", b, b + 2 * PG, "[+1,+4) rw-p");
  map_line("guard above", b, b + 4 * PG, "[+4,+5) ---p");
  const struct map* m = find(b + PG);
  check_true("anonymous: offset 0, inode 0, no path", m && m->offset == 0 && m->inode == 0 && m->path[0] == 0);

  mprotect(a + 2 * PG, PG, PROT_READ);
  read_maps();
  map_line("mprotect splits: first", b, b + PG, "[+1,+2) rw-p");
  map_line("mprotect splits: middle", b, b + 2 * PG, "[+2,+3) r--p");
  map_line("mprotect splits: last", b, b + 3 * PG, "[+3,+4) rw-p");
  mprotect(a + 2 * PG, PG, PROT_READ | PROT_WRITE);
  read_maps();
  map_line("mprotect back merges", b, b + 2 * PG, "[+1,+4) rw-p");
  munmap(a + 2 * PG, PG);
  read_maps();
  map_line("munmap leaves a hole", b, b + 2 * PG, "none");
  map_line("munmap: below the hole", b, b + PG, "[+1,+2) rw-p");
  munmap(a, 5 * PG);
  read_maps();
  map_line("munmap removes the rest", b, b + PG, "none");

  /* [stack], [heap] and our own file. */
  char local;
  m = find((uintptr_t)&local);
  check_true("a local variable is in [stack]", m && strcmp(m->path, "[stack]") == 0 && m->perms[1] == 'w');
  void* big = malloc(64);
  m = find((uintptr_t)big);
  check_true("a small malloc is in [heap]", m && strcmp(m->path, "[heap]") == 0);
  free(big);
  char self[PATH_MAX], exe[PATH_MAX];
  check_true("realpath of argv[0]", realpath(argv[0], self) != NULL);
  m = find((uintptr_t)&main);
  check_true("main is in an r-x mapping of our own file", m && strcmp(m->perms, "r-xp") == 0 && strcmp(m->path, self) == 0);
  /* The kernel's signal-return page: Linux shows its vDSO as [vdso], r-xp at offset 0 of no file. */
  const struct map* vdso = NULL;
  for (int i = 0; i < nmaps; i++)
    if (strcmp(maps[i].path, "[vdso]") == 0) vdso = &maps[i];
  check_true("[vdso] is r-xp at offset 0, inode 0",
             vdso && strcmp(vdso->perms, "r-xp") == 0 && vdso->offset == 0 && vdso->inode == 0);
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n >= 0) exe[n] = 0;
  check_true("/proc/self/exe names our file", n > 0 && strcmp(exe, self) == 0);

  FILE* f = fopen("/proc/meminfo", "r");
  unsigned long total = 0, free_kb = 0;
  int ok = f && fscanf(f, "MemTotal: %lu kB\nMemFree: %lu kB", &total, &free_kb) == 2;
  if (f) fclose(f);
  check_true("/proc/meminfo starts with MemTotal and MemFree in kB", ok && total > 0 && free_kb <= total);
  return check_summary("proc");
}
