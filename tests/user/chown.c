/* chown(2) (glibc's chown, lchown, fchown and fchownat are fchownat and
 * fchown on riscv64): root gives files away; the set-user-ID bit goes on
 * any chown of a non-directory and the set-group-ID bit with it when group
 * execute is set; a directory keeps both; lchown changes the link, chown
 * its target; -1 leaves an id alone; the owner may only change the group,
 * to its own or a supplementary one; and the errnos. */
#include "check.h"

#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void make_file(const char* name, int mode) {
  int fd = open(at(name), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0 || fchmod(fd, mode)) {
    perror(name);
    exit(2);
  }
  close(fd);
}

/* "uid:gid mode" of a path (lstat with nofollow). */
static const char* owner(const char* name, int nofollow) {
  static char buf[64];
  struct stat st;
  if ((nofollow ? lstat : stat)(at(name), &st)) {
    snprintf(buf, sizeof buf, "stat: %s", errname(errno));
    return buf;
  }
  snprintf(buf, sizeof buf, "%u:%u %04o", (unsigned)st.st_uid, (unsigned)st.st_gid, (unsigned)(st.st_mode & 07777));
  return buf;
}

static void check_owner(const char* check, const char* name, int nofollow, const char* want) {
  const char* got = owner(name, nofollow);
  check_line(strcmp(got, want) == 0, check, got, want);
}

static void as_root(void) {
  make_file("f", 06755);
  CHECK_SYS("root: chown to 1000:2000", chown(at("f"), 1000, 2000), 0);
  check_owner("root: chown clears set-user-ID and set-group-ID (group execute set)", "f", 0, "1000:2000 0755");
  make_file("suid", 04755);
  CHECK_SYS("root: chown -1 -1", chown(at("suid"), -1, -1), 0);
  check_owner("root: even chown -1 -1 clears set-user-ID", "suid", 0, "0:0 0755");
  make_file("sgid-noexec", 02745);
  CHECK_SYS("root: chown of a set-group-ID file without group execute", chown(at("sgid-noexec"), 5, -1), 0);
  check_owner("root: its set-group-ID bit stays (it means locking there)", "sgid-noexec", 0, "5:0 2745");
  if (mkdir(at("d"), 0755) || chmod(at("d"), 06755)) return;
  CHECK_SYS("root: chown of a directory", chown(at("d"), 7, 8), 0);
  check_owner("root: a directory keeps its set-id bits", "d", 0, "7:8 6755");

  make_file("target", 0644);
  if (symlink("target", at("link"))) return;
  CHECK_SYS("root: lchown", lchown(at("link"), 11, 12), 0);
  check_owner("root: lchown changed the link", "link", 1, "11:12 0777");
  check_owner("root: lchown left the target", "target", 0, "0:0 0644");
  CHECK_SYS("root: chown through the link", chown(at("link"), 13, 14), 0);
  check_owner("root: chown changed the target", "target", 0, "13:14 0644");
  check_owner("root: chown left the link", "link", 1, "11:12 0777");

  int fd = open(at("target"), O_RDONLY);
  CHECK_SYS("root: fchown", fchown(fd, 15, -1), 0);
  check_owner("root: fchown changed the uid only", "target", 0, "15:14 0644");
  CHECK_SYS("root: fchownat AT_EMPTY_PATH on the descriptor", fchownat(fd, "", -1, 16, AT_EMPTY_PATH), 0);
  check_owner("root: fchownat AT_EMPTY_PATH changed the gid", "target", 0, "15:16 0644");
  CHECK_SYS("root: fchownat with an empty name and no AT_EMPTY_PATH", fchownat(fd, "", 1, 1, 0), ENOENT);
  CHECK_SYS("root: fchownat with an unknown flag", fchownat(AT_FDCWD, at("target"), 1, 1, 0x8000), EINVAL);
  close(fd);
  CHECK_SYS("root: fchown of a closed descriptor", fchown(fd, 1, 1), EBADF);
  int pfd = open(at("target"), O_PATH);
  CHECK_SYS("root: fchown of an O_PATH descriptor", fchown(pfd, 1, 1), EBADF);
  close(pfd);
  CHECK_SYS("root: chown of a missing file", chown(at("missing"), 1, 1), ENOENT);
  CHECK_SYS("root: chown with a bad name pointer", chown((const char*)16, 1, 1), EFAULT);
  CHECK_SYS("root: chown below a file", chown(at("target/x"), 1, 1), ENOTDIR);

  /* ctime moves with a chown. */
  struct stat before, after;
  stat(at("target"), &before);
  usleep(20000);
  chown(at("target"), 15, 16);
  stat(at("target"), &after);
  check_true("root: chown sets ctime", after.st_ctim.tv_sec > before.st_ctim.tv_sec ||
                                           (after.st_ctim.tv_sec == before.st_ctim.tv_sec &&
                                            after.st_ctim.tv_nsec > before.st_ctim.tv_nsec));
}

/* A child with uid 1000, gid 100 and the supplementary group 50. */
static void as_user(void) {
  make_file("mine", 0644);
  make_file("root-owned", 0644);
  make_file("root-suid", 04755);
  if (chown(at("mine"), 1000, 100)) return;
  pid_t pid = fork();
  if (pid == 0) {
    gid_t groups[] = {50};
    if (setgroups(1, groups) || setgid(100) || setuid(1000)) _exit(2);
    CHECK_SYS("user: chown of its file to itself", chown(at("mine"), 1000, -1), 0);
    CHECK_SYS("user: chown of its file to another user", chown(at("mine"), 2000, -1), EPERM);
    CHECK_SYS("user: chgrp of its file to a supplementary group", chown(at("mine"), -1, 50), 0);
    CHECK_SYS("user: chgrp of its file back to its own group", chown(at("mine"), -1, 100), 0);
    CHECK_SYS("user: chgrp of its file to a group it is not in", chown(at("mine"), -1, 60), EPERM);
    CHECK_SYS("user: chgrp of root's file to its own group", chown(at("root-owned"), -1, 100), EPERM);
    CHECK_SYS("user: chown -1 -1 of root's file", chown(at("root-owned"), -1, -1), 0);
    CHECK_SYS("user: chown -1 -1 of root's set-user-ID file (a mode change)", chown(at("root-suid"), -1, -1), EPERM);
    fflush(stdout);
    _exit(check_failed ? 1 : 0);
  }
  check_child("user: the child ran its checks", pid);
  check_owner("user: its file ends as 1000:100", "mine", 0, "1000:100 0644");
  check_owner("user: root's set-user-ID file is untouched", "root-suid", 0, "0:0 4755");
}

int main(void) {
  umask(0);
  check_make_dir("chown-test");
  as_root();
  as_user();
  check_remove_dir();
  return check_summary("chown");
}
