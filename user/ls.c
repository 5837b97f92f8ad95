/*
 * ls: lists directories with getdents64 (through readdir) and newfstatat.
 *
 *   ls [-l] [-a] [PATH...]
 *
 * Names are sorted bytewise; -a shows names starting with '.', -l prints
 * mode, link count, owner, group, size (or major, minor for devices),
 * modification time (UTC) and the target of a symbolic link. A PATH that is
 * not a directory is listed as itself, as ls does.
 */
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

static int opt_long, opt_all;

static void mode_string(mode_t m, char out[11]) {
  out[0] = S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISCHR(m) ? 'c' : S_ISBLK(m) ? 'b' : S_ISFIFO(m) ? 'p'
         : S_ISSOCK(m) ? 's' : '-';
  const char* rwx = "rwxrwxrwx";
  for (int i = 0; i < 9; i++) out[1 + i] = (m & (0400 >> i)) ? rwx[i] : '-';
  if (m & S_ISUID) out[3] = (m & S_IXUSR) ? 's' : 'S';
  if (m & S_ISGID) out[6] = (m & S_IXGRP) ? 's' : 'S';
  if (m & S_ISVTX) out[9] = (m & S_IXOTH) ? 't' : 'T';
  out[10] = '\0';
}

/* Prints one entry; dirfd/name locate it (name is also what is shown). Returns 0 or 1. */
static int show(int dirfd, const char* name, const char* shown) {
  if (!opt_long) {
    printf("%s\n", shown);
    return 0;
  }
  struct stat st;
  if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
    report_errno(shown, errno);
    return 1;
  }
  char mode[11], when[32] = "?";
  mode_string(st.st_mode, mode);
  struct tm tm;
  if (gmtime_r(&st.st_mtime, &tm)) strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
  char size[32];
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
    snprintf(size, sizeof size, "%u, %u", major(st.st_rdev), minor(st.st_rdev));
  else
    snprintf(size, sizeof size, "%lld", (long long)st.st_size);
  printf("%s %3lu %4u %4u %8s %s %s", mode, (unsigned long)st.st_nlink, st.st_uid, st.st_gid, size, when, shown);
  if (S_ISLNK(st.st_mode)) {
    char target[4096];
    ssize_t n = readlinkat(dirfd, name, target, sizeof target - 1);
    if (n < 0) {
      printf("\n");
      report_errno(shown, errno);
      return 1;
    }
    target[n] = '\0';
    printf(" -> %s", target);
  }
  printf("\n");
  return 0;
}

static int cmp_names(const void* a, const void* b) { return strcmp(*(char* const*)a, *(char* const*)b); }

static int list_dir(const char* path) {
  DIR* d = opendir(path);
  if (!d) {
    report_errno(path, errno);
    return 1;
  }
  char** names = NULL;
  size_t n = 0, cap = 0;
  errno = 0;
  struct dirent* e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' && !opt_all) continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 64;
      char** grown = realloc(names, cap * sizeof *names);
      if (!grown) die("out of memory");
      names = grown;
    }
    if (!(names[n++] = strdup(e->d_name))) die("out of memory");
    errno = 0;
  }
  int ret = 0;
  if (errno) {
    report_errno(path, errno);
    ret = 1;
  }
  qsort(names, n, sizeof *names, cmp_names);
  for (size_t i = 0; i < n; i++) {
    ret |= show(dirfd(d), names[i], names[i]);
    free(names[i]);
  }
  free(names);
  closedir(d);
  return ret;
}

int main(int argc, char** argv) {
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
    for (const char* o = argv[i] + 1; *o; o++) {
      if (*o == 'l') opt_long = 1;
      else if (*o == 'a') opt_all = 1;
      else die("unknown option -%c; usage: ls [-l] [-a] [PATH...]", *o);
    }
  }
  char* here[] = {".", NULL};
  char** paths = i < argc ? argv + i : here;
  int count = i < argc ? argc - i : 1;
  int ret = 0;
  for (int k = 0; k < count; k++) {
    struct stat st;
    if (fstatat(AT_FDCWD, paths[k], &st, 0) < 0) {
      report_errno(paths[k], errno);
      ret = 1;
      continue;
    }
    if (!S_ISDIR(st.st_mode)) {
      ret |= show(AT_FDCWD, paths[k], paths[k]);
      continue;
    }
    if (count > 1) printf("%s%s:\n", k ? "\n" : "", paths[k]);
    ret |= list_dir(paths[k]);
  }
  return finish(ret);
}
