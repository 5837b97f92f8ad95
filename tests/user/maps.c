/* /proc/<pid>/maps to the letter, as Linux 6.1 prints it (show_map_vma):
 *
 *   00010000-00071000 r-xp 00000000 00:02 17                                 /tests/maps
 *   00078000-0007d000 rw-p 00000000 00:00 0 
 *   ^start   ^end     ^perms ^offset ^dev ^inode, then for a named mapping
 *   spaces up to column 74 and the name; an unnamed one ends "0 " (one space).
 *
 * Addresses and the offset are at least 8 lowercase hex digits, the device
 * is major:minor in 2-digit hex, the inode decimal. A file mapping shows
 * its file's st_dev/st_ino and the mapping's file offset; a shared
 * anonymous mapping is "/dev/zero (deleted)" with 's'; /proc/<pid>/maps of
 * ourselves is /proc/self/maps, and a parent reading its child's file sees
 * the child's mappings. (proc.c checks which lines exist; this checks how
 * they are written.) */
#include "check.h"

#include <fcntl.h>
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096UL
#define NAME_COLUMN 73 /* 0-based: 25 + 6 * sizeof(void*) */

static char text[65536];

static int read_text(const char* path, char* buf, size_t size) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  size_t len = 0;
  ssize_t n;
  while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0) len += (size_t)n;
  close(fd);
  buf[len] = 0;
  return 0;
}

/* The line of text whose range starts at addr, copied to out; NULL if none. */
static const char* line_at(const char* maps, uintptr_t addr, char* out, size_t size) {
  for (const char* l = maps; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
    if (strtoul(l, NULL, 16) == addr) {
      size_t n = strcspn(l, "\n");
      snprintf(out, size, "%.*s", (int)n, l);
      return out;
    }
  }
  return NULL;
}

/* The line's text from the offset field up to the inode: "00001000 fe:00 1234". */
static void fields(const char* line, char* out, size_t size) {
  const char* p = line;
  for (int i = 0; i < 2 && p; i++) p = strchr(p + 1, ' ');
  const char* q = p;
  for (int i = 0; i < 3 && q; i++) q = strchr(q + 1, ' ');
  if (!p || !q) snprintf(out, size, "?");
  else snprintf(out, size, "%.*s", (int)(q - p - 1), p + 1);
}

int main(void) {
  char* anon = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char* shared = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  char* none = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char self[4096];
  ssize_t sn = readlink("/proc/self/exe", self, sizeof self - 1);
  self[sn > 0 ? sn : 0] = 0;
  int fd = open(self, O_RDONLY);
  char* file = fd >= 0 ? mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, PG) : MAP_FAILED;
  struct stat st;
  check_true("mappings made", anon != MAP_FAILED && shared != MAP_FAILED && none != MAP_FAILED &&
                                  file != MAP_FAILED && fstat(fd, &st) == 0);
  check_true("/proc/self/maps read", read_text("/proc/self/maps", text, sizeof text) == 0 && text[0]);

  regex_t head, addrs;
  regcomp(&head, "^[0-9a-f]+-[0-9a-f]+ [r-][w-][x-][ps] [0-9a-f]{8} [0-9a-f]{2}:[0-9a-f]{2} [0-9]+ ", REG_EXTENDED);
  regcomp(&addrs, "^[0-9a-f]{8,}-[0-9a-f]{8,} ", REG_EXTENDED);
  int lines = 0, head_ok = 0, addrs_ok = 0, unnamed = 0, unnamed_ok = 0, named = 0, named_ok = 0;
  for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    regmatch_t m;
    lines++;
    addrs_ok += regexec(&addrs, l, 0, NULL, 0) == 0;
    if (regexec(&head, l, 1, &m, 0) != 0) continue;
    head_ok++;
    size_t end = (size_t)m.rm_eo, len = strlen(l);
    if (len == end) {
      unnamed++;
      unnamed_ok++;
    } else if (strspn(l + end, " ") == len - end) {
      unnamed++; /* padded although it has no name */
    } else {
      named++;
      size_t name = end + strspn(l + end, " ");
      named_ok += name == (end > NAME_COLUMN ? end : NAME_COLUMN);
    }
  }
  check_true("every line: perms, 8-digit offset, hex dev, decimal inode, single spaces", lines > 0 && head_ok == lines);
  check_true("every line: addresses of at least 8 lowercase hex digits", lines > 0 && addrs_ok == lines);
  check_true("an unnamed line ends with the inode and one space", unnamed > 0 && unnamed_ok == unnamed);
  check_true("a named line has its name at column 74", named > 0 && named_ok == named);
  regfree(&head);
  regfree(&addrs);

  read_text("/proc/self/maps", text, sizeof text);
  char line[512], f[128], want[128];
  const char* l = line_at(text, (uintptr_t)anon, line, sizeof line);
  check_line(l && strstr(l, " rw-p 00000000 00:00 0 ") && !strchr(strstr(l, " 00:00 0 ") + 9, '/'),
             "private anonymous page: rw-p, offset 0, 00:00, inode 0", l ? "as Linux" : "no line", "as Linux");
  l = line_at(text, (uintptr_t)none, line, sizeof line);
  check_true("PROT_NONE: ---p", l && strstr(l, " ---p "));
  l = line_at(text, (uintptr_t)shared, line, sizeof line);
  const char* name = l ? l + strlen(l) - strlen("/dev/zero (deleted)") : NULL;
  check_line(l && strstr(l, " rw-s 00000000 ") && !strcmp(name, "/dev/zero (deleted)"),
             "shared anonymous: rw-s, named /dev/zero (deleted)", l && strstr(l, " rw-s ") ? (name ? name : "?") : "no line",
             "/dev/zero (deleted)");
  l = line_at(text, (uintptr_t)file, line, sizeof line);
  snprintf(want, sizeof want, "00001000 %02x:%02x %lu", major(st.st_dev), minor(st.st_dev), (unsigned long)st.st_ino);
  if (l) fields(l, f, sizeof f);
  check_line(l && !strcmp(f, want), "file mapping at offset 4096: offset, st_dev, st_ino", l && !strcmp(f, want) ? "match" : "differ",
             "match");
  check_true("file mapping: r--p and our own path", l && strstr(l, " r--p ") && !strcmp(l + strlen(l) - strlen(self), self));

  /* /proc/<our pid>/maps is /proc/self/maps. */
  static char other[65536];
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/maps", (int)getpid());
  read_text("/proc/self/maps", text, sizeof text);
  check_true("/proc/<own pid>/maps is /proc/self/maps",
             read_text(path, other, sizeof other) == 0 && !strcmp(text, other));

  /* A child's mapping, read by the parent from /proc/<child>/maps. */
  int p[2], q[2];
  CHECK_SYS("pipes", pipe(p) | pipe(q), 0);
  pid_t pid = fork();
  if (pid == 0) {
    char* mine = mmap(NULL, 3 * PG, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    (void)!write(p[1], &mine, sizeof mine);
    char c;
    (void)!read(q[0], &c, 1);
    _exit(0);
  }
  char* theirs = NULL;
  (void)!read(p[0], &theirs, sizeof theirs);
  snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
  int ok = read_text(path, other, sizeof other) == 0;
  l = ok ? line_at(other, (uintptr_t)theirs, line, sizeof line) : NULL;
  check_true("/proc/<child>/maps shows the child's r-xp mapping of 3 pages",
             l && strtoul(strchr(l, '-') + 1, NULL, 16) == (uintptr_t)theirs + 3 * PG && strstr(l, " r-xp "));
  (void)!write(q[1], "x", 1);
  int status;
  waitpid(pid, &status, 0);
  return check_summary("maps");
}
