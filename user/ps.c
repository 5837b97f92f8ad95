/*
 * ps: lists processes from /proc.
 *
 *   ps          PID, PPID, STATE and COMM of every process, by pid
 *
 * Each numeric directory of /proc is a process. Its /proc/<pid>/stat is
 * "pid (comm) S ppid ..." where comm may itself hold blanks and
 * parentheses, so the state follows the LAST ')'. When stat cannot be read
 * the Name:, State: and PPid: lines of /proc/<pid>/status are used instead.
 * A process that exits while ps runs (ENOENT/ESRCH) is left out.
 */
#include "util.h"

#include <ctype.h>
#include <dirent.h>

struct proc {
  int pid, ppid;
  char state;
  char comm[64];
};

static int from_stat(int pid, struct proc* p) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  if (read_file(path, buf, sizeof buf) < 0) return -1;
  char* open_paren = strchr(buf, '(');
  char* close_paren = strrchr(buf, ')');
  if (!open_paren || !close_paren || close_paren < open_paren) {
    errno = EINVAL;
    return -1;
  }
  size_t n = (size_t)(close_paren - open_paren - 1);
  if (n >= sizeof p->comm) n = sizeof p->comm - 1;
  memcpy(p->comm, open_paren + 1, n);
  p->comm[n] = '\0';
  if (sscanf(close_paren + 1, " %c %d", &p->state, &p->ppid) != 2) {
    errno = EINVAL;
    return -1;
  }
  return 0;
}

static int from_status(int pid, struct proc* p) {
  char path[64], buf[4096];
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  if (read_file(path, buf, sizeof buf) < 0) return -1;
  int got = 0;
  for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    if (sscanf(line, "Name:\t%63[^\n]", p->comm) == 1) got |= 1;
    else if (sscanf(line, "State:\t%c", &p->state) == 1) got |= 2;
    else if (sscanf(line, "PPid:\t%d", &p->ppid) == 1) got |= 4;
  }
  if (got != 7) {
    errno = EINVAL;
    return -1;
  }
  return 0;
}

static int cmp_pid(const void* a, const void* b) {
  return ((const struct proc*)a)->pid - ((const struct proc*)b)->pid;
}

int main(void) {
  DIR* d = opendir("/proc");
  if (!d) die_errno("/proc");
  struct proc* procs = NULL;
  size_t n = 0, cap = 0;
  int ret = 0;
  struct dirent* e;
  errno = 0;
  while ((e = readdir(d))) {
    if (!isdigit((unsigned char)e->d_name[0])) continue;
    struct proc p = {.pid = atoi(e->d_name)};
    if (from_stat(p.pid, &p) < 0) {
      int stat_err = errno;
      if (from_status(p.pid, &p) < 0) {
        if (errno != ENOENT && errno != ESRCH) {
          char what[96];
          snprintf(what, sizeof what, "/proc/%d/stat (%s) and status", p.pid, strerrorname_np(stat_err));
          report_errno(what, errno);
          ret = 1;
        }
        errno = 0;
        continue;
      }
    }
    if (n == cap) {
      cap = cap ? 2 * cap : 32;
      struct proc* grown = realloc(procs, cap * sizeof *procs);
      if (!grown) die("out of memory");
      procs = grown;
    }
    procs[n++] = p;
    errno = 0;
  }
  if (errno) die_errno("readdir /proc");
  closedir(d);
  qsort(procs, n, sizeof *procs, cmp_pid);
  printf("%5s %5s %s %s\n", "PID", "PPID", "S", "COMM");
  for (size_t i = 0; i < n; i++) printf("%5d %5d %c %s\n", procs[i].pid, procs[i].ppid, procs[i].state, procs[i].comm);
  free(procs);
  return finish(ret);
}
